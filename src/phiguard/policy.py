"""Policy: which rule packs and layers run, the thresholds for review and block, allowlists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
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


class Policy(BaseModel):
    """How strict a check is. The default is Safe Harbor for a hospital's social posts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "social"
    packs: list[str] = Field(default_factory=lambda: ["safe-harbor", "unique-characteristics"])
    layers: list[str] = Field(
        default_factory=lambda: ["patterns", "lexicon", "characteristics"])
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
    # Combined risk (phiguard.combinations): groups of entities or Safe Harbor letters, and the
    # combinations of groups that identify a person, each with the verdict it calls for.
    quasi_identifiers: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_QUASI_IDENTIFIERS.items()})
    combinations: list[CombinationSpec] = Field(
        default_factory=lambda: list(DEFAULT_COMBINATIONS))

    def thresholds_for(self, identifier: Identifier) -> Thresholds:
        """The thresholds that apply to one identifier."""
        return self.identifier_thresholds.get(identifier, self.thresholds)

    def cache_key(self) -> str:
        """A stable key for caching what is built from this policy."""
        return self.model_dump_json()

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Load a policy from YAML; errors name the file and the key."""
        path = Path(path)
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"policy file {path}: cannot be read ({exc.strerror})") from None
        except yaml.YAMLError:
            raise ConfigError(f"policy file {path}: invalid YAML") from None
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

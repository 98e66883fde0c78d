"""What a redaction returns: the redacted post, each rewritten span, and what needs a person."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from phiguard.models import Finding, Identifier, Post, Report

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Replacement(BaseModel):
    """One rewritten span of one field: where it was, where its replacement is, and why.

    Carries offsets and names only, never the original text, so it can be logged."""

    model_config = _FROZEN

    field: str
    start: int = Field(ge=0, description="start in the original field text")
    end: int = Field(ge=0, description="end in the original field text")
    new_start: int = Field(ge=0, description="start in the redacted field text")
    new_end: int = Field(ge=0, description="end in the redacted field text")
    identifier: Identifier
    entity: str
    treatment: str
    rule_ids: list[str]


class RedactionResult(BaseModel):
    """A redacted post, what was rewritten, and the findings that still need a person."""

    model_config = _FROZEN

    post: Post
    strategy: str
    report: Report
    replacements: list[Replacement] = Field(default_factory=list)
    needs_human: list[Finding] = Field(default_factory=list)
    after: Report | None = None

    @property
    def clean(self) -> bool:
        """True only when the redacted post was checked again (`after`) and nothing needs a
        person: the re-check flagged nothing that maps back to the original text, and no copy
        of a redacted value survives (both would be in `needs_human`)."""
        return self.after is not None and not self.needs_human


"""Public data model: what goes into a check and what comes out.

These names and fields are a contract that other hospital tools depend on; add, never rename.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Identifier(StrEnum):
    """The 18 Safe Harbor identifiers of 45 CFR 164.514(b)(2)(i), by their letter."""

    NAMES = "A"
    GEOGRAPHIC = "B"
    DATES = "C"
    PHONE = "D"
    FAX = "E"
    EMAIL = "F"
    SSN = "G"
    MEDICAL_RECORD = "H"
    HEALTH_PLAN = "I"
    ACCOUNT = "J"
    LICENSE = "K"
    VEHICLE = "L"
    DEVICE = "M"
    URL = "N"
    IP_ADDRESS = "O"
    BIOMETRIC = "P"
    FACE_PHOTO = "Q"
    OTHER_UNIQUE = "R"

    @property
    def description(self) -> str:
        """The identifier as the regulation names it."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Identifier.NAMES: "names",
    Identifier.GEOGRAPHIC: "geographic subdivisions smaller than a state",
    Identifier.DATES: "dates (except year) related to an individual, and ages over 89",
    Identifier.PHONE: "telephone numbers",
    Identifier.FAX: "fax numbers",
    Identifier.EMAIL: "email addresses",
    Identifier.SSN: "social security numbers",
    Identifier.MEDICAL_RECORD: "medical record numbers",
    Identifier.HEALTH_PLAN: "health plan beneficiary numbers",
    Identifier.ACCOUNT: "account numbers",
    Identifier.LICENSE: "certificate/license numbers",
    Identifier.VEHICLE: "vehicle identifiers and serial numbers, including license plates",
    Identifier.DEVICE: "device identifiers and serial numbers",
    Identifier.URL: "web URLs",
    Identifier.IP_ADDRESS: "IP addresses",
    Identifier.BIOMETRIC: "biometric identifiers, including finger and voice prints",
    Identifier.FACE_PHOTO: "full-face photographs and comparable images",
    Identifier.OTHER_UNIQUE: "any other unique identifying number, characteristic, or code",
}

Verdict = Literal["pass", "review", "block"]
PostKind = Literal["post", "reply", "comment"]
# flagged: counts toward the verdict. consented: the person signed a publication authorisation.
# suppressed: an allowlist, baseline or policy decided it is not PHI; kept to show the decision.
FindingStatus = Literal["flagged", "consented", "suppressed"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Post(BaseModel):
    """One social-media post, reply or comment, as it would be published."""

    model_config = _FROZEN

    id: str | None = None
    text: str = ""
    captions: list[str] = Field(default_factory=list)
    kind: PostKind = "post"
    in_reply_to: str | None = None
    posted_at: datetime | None = None
    channel: str | None = None

    @field_validator("captions", mode="before")
    @classmethod
    def _captions_as_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if value is None:
            return []
        return value

    def fields(self) -> list[tuple[str, str]]:
        """The checkable fields in report order: ("text", ...), ("captions[0]", ...), ..."""
        out = [("text", self.text)]
        out.extend((f"captions[{i}]", caption) for i, caption in enumerate(self.captions))
        return out

    def field_text(self, field: str) -> str:
        """The text of one field named as in a Finding."""
        if field == "text":
            return self.text
        if field.startswith("captions[") and field.endswith("]"):
            return self.captions[int(field[len("captions[") : -1])]
        raise KeyError(field)


class Finding(BaseModel):
    """One span of one field that matched a rule, with the reason why."""

    model_config = _FROZEN

    field: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    identifier: Identifier
    entity: str
    score: float = Field(ge=0.0, le=1.0)
    rule_id: str
    layer: str
    explanation: str
    status: FindingStatus = "flagged"

    def sort_key(self) -> tuple[int, int, int, float]:
        """Field order (text first, then captions by index), start, longest first."""
        index = -1 if self.field == "text" else int(self.field[len("captions[") : -1])
        return (index, self.start, -self.end, -self.score)


class Combination(BaseModel):
    """Quasi-identifiers that together identify a person, e.g. rare diagnosis + town + age."""

    model_config = _FROZEN

    name: str
    entities: list[str]
    verdict: Verdict
    explanation: str


class Report(BaseModel):
    """The result of checking one post."""

    model_config = _FROZEN

    post_id: str | None
    verdict: Verdict
    score: float = Field(ge=0.0, le=1.0)
    findings: list[Finding] = Field(default_factory=list)
    combinations: list[Combination] = Field(default_factory=list)

    @property
    def flagged(self) -> list[Finding]:
        """Findings that count toward the verdict."""
        return [f for f in self.findings if f.status == "flagged"]

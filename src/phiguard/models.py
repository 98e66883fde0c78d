"""Public data model: what goes into a check and what comes out.

These names and fields are a contract that other hospital tools depend on; add, never rename.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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

# The entity of the finding that blocks a post a layer could not check (fail closed).
DETECTOR_ERROR = "DETECTOR_ERROR"
# The entity of the finding that sends a post to review on the patient model's word alone: the
# post is surely about a patient, and no rule found an identifier in it (phiguard.context.owner).
PATIENT_POST = "PATIENT_POST"

# A field of a Post as a Finding names it: "text" or "captions[i]".
_FIELD = re.compile(r"text|captions\[(0|[1-9][0-9]*)\]")


def _caption_index(field: str) -> int:
    """-1 for "text", i for "captions[i]"."""
    return -1 if field == "text" else int(field[len("captions[") : -1])


def field_label(field: str) -> str:
    """A field in words, counted from 1 as people count: "text", "caption 2"."""
    index = _caption_index(field)
    return "text" if index < 0 else f"caption {index + 1}"


class Post(BaseModel):
    """One social-media post, reply or comment, as it would be published."""

    model_config = _FROZEN

    id: str | None = None
    text: str = ""
    captions: tuple[str, ...] = ()
    kind: PostKind = "post"
    in_reply_to: str | None = None
    posted_at: datetime | None = None
    channel: str | None = None

    @field_validator("captions", mode="before")
    @classmethod
    def _captions_as_tuple(cls, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        if value is None:
            return ()
        return value

    def fields(self) -> list[tuple[str, str]]:
        """The checkable fields in report order: ("text", ...), ("captions[0]", ...), ..."""
        out = [("text", self.text)]
        out.extend((f"captions[{i}]", caption) for i, caption in enumerate(self.captions))
        return out

    def field_text(self, field: str) -> str:
        """The text of one field named as in a Finding."""
        if not _FIELD.fullmatch(field):
            raise KeyError(field)
        index = _caption_index(field)
        try:
            return self.text if index < 0 else self.captions[index]
        except IndexError:
            raise KeyError(field) from None


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

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if not _FIELD.fullmatch(value):
            raise ValueError('must be "text" or "captions[i]"')
        return value

    @model_validator(mode="after")
    def _ordered_span(self) -> Finding:
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self

    def sort_key(self) -> tuple[int, int, int, float]:
        """Field order (text first, then captions by index), start, longest first."""
        return (_caption_index(self.field), self.start, -self.end, -self.score)


class Combination(BaseModel):
    """Quasi-identifiers that together identify a person, e.g. rare diagnosis + town + age."""

    model_config = _FROZEN

    name: str
    entities: tuple[str, ...]
    verdict: Verdict
    explanation: str


class LayerError(BaseModel):
    """A layer that failed while checking a post: its name, the field, the exception type.

    Only the type is kept, never the exception's message, which may quote the post.
    """

    model_config = _FROZEN

    layer: str
    # None: the layer works on the whole post at once, not on one field.
    field: str | None
    error: str


class Report(BaseModel):
    """The result of checking one post."""

    model_config = _FROZEN

    post_id: str | None
    verdict: Verdict
    score: float = Field(ge=0.0, le=1.0)
    findings: tuple[Finding, ...] = ()
    combinations: tuple[Combination, ...] = ()
    # The layers that failed, one per failure: such a post is blocked (fail closed), and its
    # findings hold a DETECTOR_ERROR finding for each (see `DETECTOR_ERROR`).
    errors: tuple[LayerError, ...] = ()

    @property
    def flagged(self) -> list[Finding]:
        """Findings that count toward the verdict."""
        return [f for f in self.findings if f.status == "flagged"]

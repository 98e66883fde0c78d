"""The bracketed tags redaction writes ("[NAME]", "[SSN:9f2c61d0a4b7e3f8]").

Shared by redaction, which writes them, and the engine, which must not report a tag as PHI when
a redacted post is checked again (NER reads "Mr [NAME]" as a person). Only a tag redaction can
write counts: "[ROSE]" or "[JACKSON]" in a post is a name in brackets, not a tag, and must be
checked like any other word.
"""

from __future__ import annotations

from collections.abc import Collection

import regex

from phiguard.models import Identifier

# The tag is the entity (`[PHONE_NUMBER]`), except where detectors name one thing differently:
# every name (identifier A) is `[NAME]` whichever layer found it.
IDENTIFIER_TAGS: dict[Identifier, str] = {Identifier.NAMES: "NAME"}
ENTITY_TAGS: dict[str, str] = {
    "AGE_OVER_89": "AGE",
    "BIRTH_YEAR_OVER_89": "BIRTH_YEAR",
    "ZIP3_RESTRICTED": "ZIP_CODE",
    "DATE_TIME": "DATE",
    "RELATIVE_DATE": "DATE",
    "GPE": "LOCATION",
}

# Hex digits of the keyed hash shown in a hash tag: 64 bits, enough to tell values apart.
HASH_HEX_DIGITS = 16
TAG_PATTERN = regex.compile(
    r"\[([A-Z][A-Z0-9_]*)(?::[0-9a-f]{" + str(HASH_HEX_DIGITS) + r"})?\]")


def tag_name(identifier: Identifier, entity: str) -> str:
    """The name inside the tag that replaces a finding of this identifier and entity."""
    return IDENTIFIER_TAGS.get(identifier) or ENTITY_TAGS.get(entity, entity)


def inside_tag(text: str, start: int, end: int, names: Collection[str]) -> bool:
    """Whether text[start:end] lies within a tag redaction writes, with one of `names` (the
    tags the policy's findings can have), so a detector that flags it found the redaction."""
    tag_start = text.rfind("[", 0, start + 1)
    if tag_start < 0:
        return False
    found = TAG_PATTERN.match(text, tag_start)
    return found is not None and found.end() >= end and found.group(1) in names

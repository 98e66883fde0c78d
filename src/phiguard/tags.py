"""The bracketed tags redaction writes ("[NAME]", "[SSN:9f2c61d0a4b7e3f8]").

Shared by redaction, which writes them, and the engine, which must not report a tag as PHI when
a redacted post is checked again (NER reads "Mr [NAME]" as a person).
"""

from __future__ import annotations

import regex

# Hex digits of the keyed hash shown in a hash tag: 64 bits, enough to tell values apart.
HASH_HEX_DIGITS = 16
TAG_PATTERN = regex.compile(r"\[[A-Z][A-Z0-9_]*(?::[0-9a-f]{" + str(HASH_HEX_DIGITS) + r"})?\]")


def inside_tag(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies within one of the tags redaction writes, so a detector that
    flags it has found the redaction, not PHI."""
    tag_start = text.rfind("[", 0, start + 1)
    if tag_start < 0:
        return False
    found = TAG_PATTERN.match(text, tag_start)
    return found is not None and found.end() >= end

"""Text -> normalized text, with a map from every normalized character back to the original.

Detectors run on the normalized text so that a fullwidth digit or a zero-width space cannot
walk an identifier past them; findings are mapped back so they point at the original characters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Invisible characters that split an identifier without showing: removed.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u3164\ufeff\uffa0"
)
# Dash variants folded to "-", so "555‒0132" reads like "555-0132".
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, for each of its characters, the original span it came from.

    `starts` and `ends` are None when the text needed no change (the common ASCII case),
    which keeps normalisation free for plain posts.
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of the normalized text to a span of the original."""
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]


def normalize(text: str) -> Normalized:
    """Fold Unicode look-alikes to their plain forms and drop invisible characters."""
    if text.isascii():
        return Normalized(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if char in _INVISIBLE:
            continue
        if char in _DASHES:
            folded = "-"
        elif char.isspace():
            folded = "\n" if char in "\n\r\u2028\u2029" else " "
        elif char.isascii():
            folded = char
        else:
            folded = unicodedata.normalize("NFKC", char)
        for piece in folded:
            out.append(piece)
            starts.append(index)
            ends.append(index + 1)
    normalized = "".join(out)
    if normalized == text:
        return Normalized(text, text)
    return Normalized(text, normalized, tuple(starts), tuple(ends))

"""Text -> normalized text, with a map from every normalized character back to the original.

Detectors run on the normalized text so that a fullwidth digit, a zero-width space or a number
spelled out in words cannot walk an identifier past them; findings are mapped back so they point
at the original characters.

Two steps, each keeping the map:

1. Unicode folding (`fold_digits=False` stops here): NFKC per character (fullwidth digits and
   letters), invisible characters removed, every dash variant to "-", every non-ASCII space to
   " " (line separators to "\\n"). Per character, not per string, so that one original character
   never merges with its neighbour and the map stays exact.
2. Digit folding, for the pattern layer only: look-alike letters in an otherwise numeric run
   ("4l5-555-O132" -> "415-555-0132"), single digits separated by single spaces or dots
   ("1 2 3 - 4 5 - 6 7 8 9" -> "123-45-6789"), and digits spelled out in words in identifier
   context ("five five five, zero one three two" -> "555-0132").

A language model must see words as they were written, so the NER layer reads the step-1 view
(`FieldText.plain`), where "five five five" is still three words; regexes read the step-2 view.

Both steps cost one C-speed scan for a plain post: ASCII text skips step 1, and step 2 only does
Python work where one of its patterns matched.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import regex

# Invisible characters that split an identifier without showing: removed.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u3164\ufeff\uffa0"
)
# Dash variants folded to "-", so "555‒0132" reads like "555-0132".
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043")
# Every non-ASCII character for which str.isspace() is true; line separators become "\n".
_SPACES = frozenset(
    "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_LINE_BREAKS = frozenset("\x85\u2028\u2029")
# Any character step 1 changes other than by NFKC; with unicodedata.is_normalized this decides
# in C whether a non-ASCII text (an emoji, an accented name) needs the per-character pass at all.
_UNICODE_FOLDABLE = regex.compile(
    "[" + "".join(regex.escape(ch) for ch in sorted(_INVISIBLE | _DASHES | _SPACES)) + "]")
_NON_ASCII = regex.compile(r"[^\x00-\x7f]")

# ---- step 2: digit folding -------------------------------------------------------------------
# Every repetition below is bounded, so each scan is linear in the text (see docs/hardening.md).
_LOOKALIKES = {"O": "0", "o": "0", "I": "1", "l": "1"}
_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
# A word-internal token of digits and look-alikes with at least one real digit: "4l5", "O132".
_LOOKALIKE_TOKEN = regex.compile(r"(?<!\w)(?=[0-9OoIl]{0,31}[0-9])[0-9OoIl]{2,32}(?!\w)")
# Single characters separated by one space or dot, or by a dash or slash with optional spaces.
_SPACED_SEPARATOR = r"(?: ?[-/] ?| |\.)"
_SPACED_RUN = regex.compile(
    rf"(?<![\w.])[0-9OoIl](?:{_SPACED_SEPARATOR}[0-9OoIl]){{3,40}}(?!\w)")
_SPACED_ELEMENT = regex.compile(rf"([0-9OoIl])({_SPACED_SEPARATOR})?")
# Fewer digits than a ZIP code identify nothing; dots alone below a phone number's length are
# more likely a version or an IP address ("1.2.3.4.5") than an obfuscated identifier.
_MIN_SPACED_DIGITS = 5
_MIN_DOTTED_DIGITS = 7

_WORD_DIGIT = "(?:zero|one|two|three|four|five|six|seven|eight|nine)"
# "oh" reads as zero only inside a run: "Oh, one more thing" must not start one.
_WORD_DIGIT_OR_OH = "(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
# Most specific first: the element scanner takes the first alternative that fits.
_WORD_SEPARATOR = r"(?:[ \t]?\bdash\b[ \t]?|[ \t]?[,.\-/][ \t]?|[ \t]{1,3})"
_SPELLED_RUN = regex.compile(
    rf"(?i)(?<!\w){_WORD_DIGIT}(?:{_WORD_SEPARATOR}{_WORD_DIGIT_OR_OH}){{3,31}}(?!\w)")
_SPELLED_ELEMENT = regex.compile(rf"(?i)({_WORD_DIGIT_OR_OH})({_WORD_SEPARATOR})?")
# "Identifier context": nobody spells five digits in a row in prose except to give a number,
# so a run of five words is context enough; a run of four needs a word that introduces a
# number ("ext", "pin", "zip") just before it.
_MIN_SPELLED_ALONE = 5
_SPELLED_CONTEXT = regex.compile(
    r"(?i)\b(?:number|no|num|call|phone|cell|mobile|text|fax|dial|reach|ext|extension|ssn|"
    r"social|security|mrn|record|chart|zip|zipcode|code|postal|account|acct|id|member|"
    r"policy|license|licence|plate|pin|dob|born)\b|#")
_CONTEXT_REACH = 24


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, for each of its characters, the original span it came from.

    Character `i` of `text` came from `original[starts[i]:ends[i]]`: one character for a folded
    or NFKC-expanded character, a whole word for a spelled-out digit. `starts` and `ends` are
    None when the text needed no change (the common case), which keeps normalisation free for
    plain posts.
    """

    original: str
    text: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of the normalized text to a span of the original."""
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]


def normalize(text: str, *, fold_digits: bool = True) -> Normalized:
    """Fold look-alikes to their plain forms and drop invisible characters, keeping the map.

    With `fold_digits=False` only Unicode folding is done: the view a language model reads.
    """
    base = _fold_unicode(text)
    if not fold_digits:
        return base
    edits = _digit_edits(base.text)
    if not edits:
        return base
    return _apply(base, edits)


# ---- step 1 --------------------------------------------------------------------------------------


def _fold_char(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _DASHES:
        return "-"
    if char in _SPACES:
        return "\n" if char in _LINE_BREAKS else " "
    return unicodedata.normalize("NFKC", char)


def _fold_unicode(text: str) -> Normalized:
    if text.isascii() or (
        _UNICODE_FOLDABLE.search(text) is None and unicodedata.is_normalized("NFKC", text)
    ):
        return Normalized(text, text)
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    position = 0
    # ASCII stretches are copied whole; only non-ASCII characters go through Python one by one.
    for match in _NON_ASCII.finditer(text):
        index = match.start()
        if index > position:
            out.append(text[position:index])
            starts.extend(range(position, index))
            ends.extend(range(position + 1, index + 1))
        folded = _fold_char(match.group())
        out.append(folded)
        starts.extend([index] * len(folded))
        ends.extend([index + 1] * len(folded))
        position = index + 1
    if position < len(text):
        out.append(text[position:])
        starts.extend(range(position, len(text)))
        ends.extend(range(position + 1, len(text) + 1))
    normalized = "".join(out)
    if normalized == text:
        return Normalized(text, text)
    return Normalized(text, normalized, starts, ends)


# ---- step 2 --------------------------------------------------------------------------------------

Edit = tuple[int, int, str]  # replace text[start:end] with the string


def _digit_edits(text: str) -> list[Edit]:
    """The replacements digit folding makes, sorted and non-overlapping."""
    edits: list[Edit] = []
    for match in _SPELLED_RUN.finditer(text):
        edits.extend(_spelled_edits(text, match))
    for match in _SPACED_RUN.finditer(text):
        edits.extend(_spaced_edits(match))
    for match in _LOOKALIKE_TOKEN.finditer(text):
        edits.extend(_lookalike_edits(match))
    if not edits:
        return edits
    edits.sort()
    kept = [edits[0]]
    for edit in edits[1:]:
        # The scanners match disjoint characters; this only guards the map against a future one.
        if edit[0] >= kept[-1][1]:
            kept.append(edit)
    return kept


def _lookalike_edits(match: regex.Match[str]) -> list[Edit]:
    token = match.group()
    digits = sum(ch.isdigit() for ch in token)
    lookalikes = len(token) - digits
    # "Otherwise numeric": at least as many real digits as look-alikes, so "l0l" stays a word.
    if lookalikes == 0 or digits < lookalikes:
        return []
    base = match.start()
    return [(base + i, base + i + 1, _LOOKALIKES[ch]) for i, ch in enumerate(token)
            if ch in _LOOKALIKES]


def _spaced_edits(match: regex.Match[str]) -> list[Edit]:
    elements = [(m.start(1), m.group(1), m.start(2), m.group(2))
                for m in _SPACED_ELEMENT.finditer(match.group())]
    # A lone "I" at either end is more likely the pronoun ("I 2 3 4 5") than a digit: trim it.
    while elements and elements[0][1] == "I":
        elements.pop(0)
    while elements and elements[-1][1] == "I":
        elements.pop()
    digits = sum(char.isdigit() for _, char, _, _ in elements)
    lookalikes = len(elements) - digits
    separators = [sep for _, _, _, sep in elements[:-1]]
    if digits < _MIN_SPACED_DIGITS or lookalikes > digits or not any(
        sep in (" ", ".") for sep in separators
    ):
        return []
    if all(sep == "." for sep in separators) and digits < _MIN_DOTTED_DIGITS:
        return []
    base = match.start()
    edits: list[Edit] = []
    for position, char, sep_position, sep in elements[:-1]:
        if char in _LOOKALIKES:
            edits.append((base + position, base + position + 1, _LOOKALIKES[char]))
        stripped = sep.strip()
        if sep != stripped or sep == ".":
            # "1 2 3" -> "123"; " - " -> "-": groups stay groups, spacing goes.
            replacement = "" if sep in (" ", ".") else stripped
            edits.append((base + sep_position, base + sep_position + len(sep), replacement))
    last_position, last_char, _, _ = elements[-1]
    if last_char in _LOOKALIKES:
        edits.append((base + last_position, base + last_position + 1, _LOOKALIKES[last_char]))
    return edits


def _spelled_edits(text: str, match: regex.Match[str]) -> list[Edit]:
    elements = [(m.start(1), m.group(1), m.start(2), m.group(2))
                for m in _SPELLED_ELEMENT.finditer(match.group())]
    if len(elements) < _MIN_SPELLED_ALONE:
        before = text[max(0, match.start() - _CONTEXT_REACH) : match.start()]
        if _SPELLED_CONTEXT.search(before) is None:
            return []
    base = match.start()
    edits: list[Edit] = []
    for index, (position, word, sep_position, sep) in enumerate(elements):
        edits.append((base + position, base + position + len(word), _DIGIT_WORDS[word.lower()]))
        if sep is None or index == len(elements) - 1:
            continue
        # Plain spaces join digits of one group; a comma, dash or "dash" starts a new group.
        stripped = sep.strip()
        replacement = "" if not stripped else ("/" if stripped == "/" else "-")
        edits.append((base + sep_position, base + sep_position + len(sep), replacement))
    return edits


def _apply(base: Normalized, edits: list[Edit]) -> Normalized:
    """Apply edits to base.text, composing the new map with base's map back to the original."""
    text = base.text
    base_starts = base.starts
    base_ends = base.ends
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    position = 0

    def copy(stop: int) -> None:
        out.append(text[position:stop])
        if base_starts is None or base_ends is None:
            starts.extend(range(position, stop))
            ends.extend(range(position + 1, stop + 1))
        else:
            starts.extend(base_starts[position:stop])
            ends.extend(base_ends[position:stop])

    for start, end, replacement in edits:
        copy(start)
        if replacement:
            origin_start = base_starts[start] if base_starts is not None else start
            origin_end = base_ends[end - 1] if base_ends is not None else end
            out.append(replacement)
            starts.extend([origin_start] * len(replacement))
            ends.extend([origin_end] * len(replacement))
        position = end
    copy(len(text))
    return Normalized(base.original, "".join(out), starts, ends)

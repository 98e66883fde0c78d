"""Text -> normalized text, with a map from every normalized character back to the original.

Detectors run on the normalized text so that a fullwidth digit, a zero-width space or a number
spelled out in words cannot walk an identifier past them; findings are mapped back so they point
at the original characters.

Two steps, each keeping the map:

1. The Unicode view (`fold_digits=False` stops here), what a reader sees:
   - character references decoded: HTML ("&#50;", "&#x32;", "&amp;") and percent escapes of
     printable ASCII ("%32"), as a browser or a link would show them;
   - display order (phiguard.bidi): a right-to-left override or mark shows "0134-56-782" as
     "287-65-4310", so the view holds what is displayed, and the bidi controls are recorded;
   - per character: NFKC (fullwidth digits and letters), every character that shows nothing
     removed by its Unicode properties (Default_Ignorable_Code_Point, format characters,
     combining marks, so variation selectors, tag characters and keycaps too), every character
     with a digit value to its ASCII digit ("➁", "٢"), circled and squared letters to letters,
     a pictograph next to a digit removed ("28🙂7"), every dash variant to "-", every non-ASCII
     space to " " (line separators to "\n"). Per character, not per string, so that one
     original character never merges with its neighbour and the map stays exact.
2. Digit folding, for the pattern layer only: look-alike letters in an otherwise numeric run
   ("4l5-555-O132" -> "415-555-0132"), single digits separated by single spaces or dots
   ("1 2 3 - 4 5 - 6 7 8 9" -> "123-45-6789"), spaces or a line break around a dash or slash
   between digits ("287 - 65 - 4310"), digits spelled out in words in identifier context
   ("five five five, zero one three two" -> "555-0132"), and a word spelled with a dot or a
   space between its letters ("J.o.h.n", "J o h n" -> "John").

A language model must see words as they were written, so the NER layer reads the step-1 view
(`Normalized.view`), where "five five five" is still three words; regexes read the step-2 view.

Both steps cost one C-speed scan for a plain post: ASCII text without "&" or "%" skips step 1,
and step 2 only does Python work where one of its patterns matched. The map of the display
order is not monotonic (a reversed run maps backwards), so a span maps to the smallest original
span that holds all its characters.
"""

from __future__ import annotations

import html.entities
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from phiguard import bidi

# Characters that show nothing, by property, not by a hand list: default-ignorable code points
# (zero-width spaces and joiners, variation selectors, tag characters, Hangul fillers), format
# characters (U+FFF9 annotation marks are Cf but not default-ignorable) and combining marks
# (U+0301 or U+20E3 after a digit; NFKC has already composed an accent with its letter).
_IGNORABLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}]")
# Dash variants folded to "-", so "555‒0132" reads like "555-0132".
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043")
# Every non-ASCII character for which str.isspace() is true; line separators become "\n".
_SPACES = frozenset(
    "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
    "\u2800"  # not a space to str.isspace(), but shown as one (a blank braille pattern)
)
_LINE_BREAKS = frozenset("\x85\u2028\u2029")
_PICTOGRAPH = r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}]"
# Any character step 1 changes other than by NFKC; with unicodedata.is_normalized this decides
# in C whether a non-ASCII text (an emoji, an accented name) needs the per-character pass at all.
_UNICODE_FOLDABLE = regex.compile(
    r"(?V1)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}[\p{N}--[0-9]]"
    r"\p{Block=Enclosed_Alphanumeric_Supplement}"
    + "".join(regex.escape(ch) for ch in sorted(_DASHES | _SPACES)) + "]"
    + rf"|\p{{N}}{_PICTOGRAPH}|{_PICTOGRAPH}\p{{N}}")
# A run of pictographs and what shows nothing between them: removed when it touches a number.
_PICTOGRAPH_RUN = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}"
    r"\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}]+")
_NUMBER = regex.compile(r"\p{N}")
_ENCLOSED_LETTER = regex.compile(
    r"(?:NEGATIVE |DOUBLE )?(?:CIRCLED|SQUARED|PARENTHESIZED) LATIN (CAPITAL|SMALL) LETTER ([A-Z])")
_NON_ASCII = regex.compile(r"[^\x00-\x7f]")

# HTML character references (numeric and named) and percent escapes. "[" and "]" stay encoded:
# decoded, they could forge a redaction tag ("[NAME]"), which detection skips.
_REFERENCE = regex.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?|%[2-7][0-9A-Fa-f]")
_NOT_DECODED = frozenset("[]")
# In a link, only what an escape may stand for without changing the link (RFC 3986 unreserved
# characters) is decoded: a decoded space or slash would end or split the link for detection.
_URL = regex.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]{0,15}://|\bwww\.)\S*")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

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
# Spaces or one line break around the dashes or slashes of one number: "287 - 65 - 4310",
# "14 / 03 / 1958". Groups of one number, one kind of separator, nothing numeric either side,
# so a range of dates ("8/2 - 8/10") or a list of lab values ("7.36/ 29/ 103") stays apart.
_BLANK = r"(?:[ \t]{1,3}|[ \t]{0,3}\r?\n[ \t]{0,3})"
_SPACED_JOIN = regex.compile(
    rf"(?<![\w/.:,-])\d{{1,5}}{_BLANK}?([-/]){_BLANK}?\d{{1,5}}(?:{_BLANK}?\1{_BLANK}?\d{{1,5}}){{0,3}}"
    r"(?![\w/.:]|[-,]\d)")
_BLANK_BY_SEPARATOR = (" -", "- ", " /", "/ ", "-\n", "/\n", "\n-", "\n/", "\t")
_SEPARATOR_WITH_BLANKS = regex.compile(rf"{_BLANK}?[-/]{_BLANK}?")
# A word with one dot (or hyphen, underscore, middle dot) between each of its letters, not an
# acronym: "J.o.h.n" and "s.m.i.t.h" are words, "U.S.A." and "R.S.V.P." stay as written.
_DOTTED_WORD = regex.compile(
    r"(?<![\w.\-\u00b7])\p{L}([.\-_\u00b7])\p{L}(?:\1\p{L}){1,30}(?!\w|\1\w)")
_DOTTED_HINT = regex.compile(r"[.\-_\u00b7]\p{L}[.\-_\u00b7]")  # a quick test that one may be there
# The same with single spaces, only in the shape of a name ("J o h n"): lowercase letters alone
# between spaces are not prose, but "A B C" may be a list.
_SPACED_WORD = regex.compile(r"(?<![\w.\-])\p{Lu}(?: \p{Ll}){2,30}(?!\w)")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, for each of its characters, the original span it came from.

    Character `i` of `text` came from `original[starts[i]:ends[i]]`: one character for a folded
    or NFKC-expanded character, a whole reference for a decoded "&#50;", a whole word for a
    spelled-out digit. `starts` and `ends` are None when the text needed no change (the common
    case), which keeps normalisation free for plain posts.

    The detection view (digits folded) keeps the Unicode view it was made from in `view`, with
    its own map into that view (`view_starts`, `view_ends`), so a span a language model found
    there maps here exactly. `controls` are the original offsets of bidi controls.
    """

    original: str
    text: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None
    view: Normalized | None = None
    view_starts: Sequence[int] | None = None
    view_ends: Sequence[int] | None = None
    controls: tuple[int, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of the normalized text to a span of the original.

        The smallest original span holding every character of the span: with display order a
        reversed run maps backwards, so the first character need not come from the first.
        """
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        if end - start == 1:
            return self.starts[start], self.ends[start]
        return min(self.starts[start:end]), max(self.ends[start:end])

    def from_view(self, start: int, end: int) -> tuple[int, int]:
        """A span of `view.text` (the Unicode view) as a span of this text."""
        if self.view_starts is None or self.view_ends is None:
            return start, end
        # Digit folding keeps order: the first character here whose source ends after `start`,
        # up to the first whose source starts at or after `end`.
        return bisect_left(self.view_ends, start + 1), bisect_left(self.view_starts, end)


def normalize(text: str, *, fold_digits: bool = True) -> Normalized:
    """Fold look-alikes to their plain forms and drop invisible characters, keeping the map.

    With `fold_digits=False` only the Unicode view is made: what a language model reads.
    """
    base = _unicode_view(text)
    if not fold_digits:
        return base
    edits = _digit_edits(base.text)
    if not edits:
        return base
    text_out, starts, ends = _edit(base.text, edits)
    full_starts, full_ends = _compose(base, starts, ends)
    return Normalized(base.original, text_out, full_starts, full_ends, view=base,
                      view_starts=starts, view_ends=ends, controls=base.controls)


def is_ignorable(char: str) -> bool:
    """Whether the Unicode view drops this character as showing nothing."""
    return _IGNORABLE.match(char) is not None


# ---- step 1 --------------------------------------------------------------------------------------


def _unicode_view(text: str) -> Normalized:
    view = Normalized(text, text)
    if ("&" in text or "%" in text) and (edits := _reference_edits(text)):
        view = _remap(view, *_edit(text, edits))
    if view.text.isascii():
        return view
    view = _display_order(view)
    return _fold_characters(view)


def _reference_edits(text: str) -> list[Edit]:
    edits: list[Edit] = []
    links = [m.span() for m in _URL.finditer(text)] if "/" in text or "www" in text else []
    link_starts = [start for start, _ in links]
    for match in _REFERENCE.finditer(text):
        decoded = _decode_reference(match.group())
        if decoded is None:
            continue
        if links and decoded not in _UNRESERVED and (decoded.isspace() or match.group()[0] == "%"):
            index = bisect_left(link_starts, match.start() + 1) - 1
            if index >= 0 and links[index][1] > match.start():
                continue
        edits.append((match.start(), match.end(), decoded))
    return edits


def _decode_reference(reference: str) -> str | None:
    if reference[0] == "%":
        char = chr(int(reference[1:], 16))
        return char if char.isprintable() and char not in _NOT_DECODED else None
    body = reference[1:]
    if body[0] == "#":
        number = int(body[2:].rstrip(";"), 16) if body[1] in "xX" else int(body[1:].rstrip(";"))
        if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            return None
        char = chr(number)
    else:
        # A browser reads "&amp;" and, for the legacy names, "&amp" without the semicolon.
        found = html.entities.html5.get(body)
        if found is None:
            return None
        char = found
    return None if char in _NOT_DECODED or not char else char


def _display_order(view: Normalized) -> Normalized:
    text = view.text
    controls = tuple(view.to_original(m.start(), m.end())[0]
                     for m in _BIDI_CONTROL.finditer(text))
    reordered = bidi.display_order(text)
    if reordered is None:
        return view if not controls else Normalized(
            view.original, text, view.starts, view.ends, controls=controls)
    shown, order = reordered
    starts = array("q", order)
    ends = array("q", (i + 1 for i in order))
    full_starts, full_ends = _compose(view, starts, ends)
    return Normalized(view.original, shown, full_starts, full_ends, controls=controls)


_BIDI_CONTROL = regex.compile(r"\p{Bidi_Control}")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if _IGNORABLE.match(char):
        return ""
    if char in _DASHES:
        return "-"
    if char in _SPACES:
        return "\n" if char in _LINE_BREAKS else " "
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1 or folded.isascii():
        return folded
    # A digit of another script or a dingbat ("٢", "➁", "❷"): its value.
    digit = unicodedata.digit(folded, None)
    if digit is not None:
        return str(digit)
    number = unicodedata.numeric(folded, None) if unicodedata.category(folded) == "No" else None
    if number is not None and number == int(number) and 0 <= number <= 20:
        return str(int(number))  # "❿"
    letter = _ENCLOSED_LETTER.fullmatch(unicodedata.name(folded, ""))
    if letter is not None:  # "🅐", "🅰"
        return str(letter[2] if letter[1] == "CAPITAL" else letter[2].lower())
    return folded


def _fold_characters(view: Normalized) -> Normalized:
    text = view.text
    if _UNICODE_FOLDABLE.search(text) is None and unicodedata.is_normalized("NFKC", text):
        return view
    dropped = _pictographs_by_numbers(text)
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
        folded = "" if index in dropped else _fold_char(match.group())
        out.append(folded)
        starts.extend([index] * len(folded))
        ends.extend([index + 1] * len(folded))
        position = index + 1
    if position < len(text):
        out.append(text[position:])
        starts.extend(range(position, len(text)))
        ends.extend(range(position + 1, len(text) + 1))
    normalized = "".join(out)
    if normalized == text and view.starts is None:
        return view
    return _remap(view, normalized, starts, ends)


def _pictographs_by_numbers(text: str) -> frozenset[int]:
    """Positions of pictographs in a run that touches a number: "28🙂7" reads "287"."""
    dropped: set[int] = set()
    for run in _PICTOGRAPH_RUN.finditer(text):
        start, end = run.span()
        if (start and _NUMBER.match(text, start - 1)) or _NUMBER.match(text, end):
            dropped.update(range(start, end))
    return frozenset(dropped)


def _remap(view: Normalized, text: str, starts: Sequence[int], ends: Sequence[int]) -> Normalized:
    """A new text whose map is given relative to `view.text`, as a Normalized of the original."""
    full_starts, full_ends = _compose(view, starts, ends)
    return Normalized(view.original, text, full_starts, full_ends, controls=view.controls)


def _compose(view: Normalized, starts: Sequence[int],
             ends: Sequence[int]) -> tuple[Sequence[int], Sequence[int]]:
    """Maps relative to `view.text`, made relative to the original through view's map."""
    if view.starts is None or view.ends is None:
        return starts, ends
    view_starts, view_ends = view.starts, view.ends
    out_starts = array("q")
    out_ends = array("q")
    for start, end in zip(starts, ends, strict=True):
        if end - start == 1:
            out_starts.append(view_starts[start])
            out_ends.append(view_ends[start])
        else:
            out_starts.append(min(view_starts[start:end]))
            out_ends.append(max(view_ends[start:end]))
    return out_starts, out_ends


# ---- step 2 --------------------------------------------------------------------------------------

Edit = tuple[int, int, str]  # replace text[start:end] with the string


def _digit_edits(text: str) -> list[Edit]:
    """The replacements digit folding makes, sorted and non-overlapping."""
    edits = sorted(edit for worth_scanning, pattern, edits_of in _DIGIT_SCANNERS
                   if worth_scanning(text)
                   for match in pattern.finditer(text)
                   for edit in edits_of(match))
    kept: list[Edit] = []
    for edit in edits:
        # The scanners match disjoint characters; this only guards the map against a future one.
        if not kept or edit[0] >= kept[-1][1]:
            kept.append(edit)
    return kept


def _always(text: str) -> bool:
    return True


def _blank_by_separator(text: str) -> bool:
    return any(pair in text for pair in _BLANK_BY_SEPARATOR)


def _dotted_hint(text: str) -> bool:
    return _DOTTED_HINT.search(text) is not None


def _join_edits(match: regex.Match[str]) -> list[Edit]:
    """Blanks around a separator between digits go: "12 - 34" is "12-34"."""
    base = match.start()
    return [(base + m.start(), base + m.end(), m.group().strip())
            for m in _SEPARATOR_WITH_BLANKS.finditer(match.group())
            if m.end() - m.start() > 1]


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


def _dotted_edits(match: regex.Match[str]) -> list[Edit]:
    word = match.group()
    if not any(char.islower() for char in word[1:]):
        return []  # an acronym
    base = match.start()
    return [(base + i, base + i + 1, "") for i in range(1, len(word), 2)]


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


def _spelled_edits(match: regex.Match[str]) -> list[Edit]:
    text = match.string
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


# Digit folding's scanners: a quick test on the whole text (in C where it can be) that must pass
# before the pattern runs at all, the pattern, and the edits one match makes.
_DIGIT_SCANNERS: tuple[tuple[Callable[[str], bool], regex.Pattern[str],
                             Callable[[regex.Match[str]], list[Edit]]], ...] = (
    (_always, _SPELLED_RUN, _spelled_edits),
    (_always, _SPACED_RUN, _spaced_edits),
    (_always, _LOOKALIKE_TOKEN, _lookalike_edits),
    (_blank_by_separator, _SPACED_JOIN, _join_edits),
    (_dotted_hint, _DOTTED_WORD, _dotted_edits),
    (_always, _SPACED_WORD, _dotted_edits),
)


def _edit(text: str, edits: list[Edit]) -> tuple[str, array[int], array[int]]:
    """Apply sorted, disjoint edits to text: the new text and its map back into `text`."""
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    position = 0
    for start, end, replacement in edits:
        out.append(text[position:start])
        starts.extend(range(position, start))
        ends.extend(range(position + 1, start + 1))
        out.append(replacement)
        starts.extend([start] * len(replacement))
        ends.extend([end] * len(replacement))
        position = end
    out.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return "".join(out), starts, ends

"""Literal gates: the words a pattern cannot match without, read from its own source at load.

Most patterns hold a keyword alternation (`(?i)\\b(?:room|rm|bed|bay)\\s?#?\\d...`, or
`...,?[ \\t]*(?:dob|born)` after a name), and on most fields none of those words occurs. Each
regex call with the safety timeout costs two CPU-clock reads on top of the scan, so running every
pattern on every field spent more than half the pattern layer on patterns that could not match.
A gate is the set of literal starts of one item that every match holds; the layer runs the
pattern only on fields holding one of them (as a word start where the source shows one).

The reading is conservative: it reads a pattern's items left to right and stops at anything it
does not understand (a backreference, a code point escape); a pattern with no readable required
item, or in verbose mode, has no gate and always runs. A gate is a speed device only: it never
changes what a pattern finds (tests/test_gates.py checks that on generated text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import regex

# Characters outside ASCII that the regex module's IGNORECASE matches to an ASCII letter (long s,
# dotted capital I, Kelvin sign); a test checks the list against the module. A field holding
# one is not gated, so lowercasing with str.lower() agrees with the pattern's case-folding.
FOLDS_TO_ASCII = frozenset("\u017f\u0130\u212a")
# Gate words are compared as word prefixes of at most this many characters (a shorter prefix of a
# required word is still required).
PREFIX = 6

_WORD = regex.compile(r"\w+")
_ASCII_WORD = regex.compile(r"[a-z0-9_]+")
_LEAD_FLAGS = regex.compile(r"\(\?([a-zA-Z-]+)\)")
_GROUP = regex.compile(r"\((?:\?:|\?[ims-]*:|\?P<\w+>|\?<\w+>|(?!\?))")
_ZERO_WIDTH = ("(?<!", "(?<=", "(?=", "(?!")
# A negative lookbehind on a class with \w: the match starts where a word starts.
_NOT_AFTER_WORD = regex.compile(r"\(\?<!(?:\\w|\[(?!\^)(?:[^\]\\]|\\.)*\\w(?:[^\]\\]|\\.)*\])\)")
_META = frozenset(".^$*+?{}[]()|\\")
_OPTIONAL = frozenset("?*{")


@dataclass(frozen=True)
class Gate:
    """One required item's literal starts: `words` start a word, `substrings` occur anywhere."""

    words: frozenset[str]
    substrings: tuple[str, ...]


class FieldWords:
    """What the gates of one field compare against, computed once per field."""

    __slots__ = ("lowered", "prefixes", "usable")

    def __init__(self, text: str) -> None:
        self.usable = text.isascii() or FOLDS_TO_ASCII.isdisjoint(text)
        self.lowered = text.lower()
        prefixes: set[str] = set()
        if self.usable:
            for word in set(_WORD.findall(self.lowered)):
                prefixes.update(word[:k] for k in range(1, min(len(word), PREFIX) + 1))
        self.prefixes = prefixes

    def passes(self, gate: Gate | None) -> bool:
        """False only when no opening of the gate is in the field (the pattern cannot match)."""
        if gate is None or not self.usable:
            return True
        return not gate.words.isdisjoint(self.prefixes) or any(
            map(self.lowered.__contains__, gate.substrings))


def gate_for(source: str, flags: int, lists: Mapping[str, Sequence[str]]) -> Gate | None:
    """The gate of one pattern, or None when its source does not show one."""
    if flags & regex.VERBOSE:
        return None
    lead = _LEAD_FLAGS.match(source)
    if lead:
        if set(lead.group(1)) - set("ims"):
            return None
        source = source[lead.end():]
    if _LEAD_FLAGS.search(source):  # a flag set mid-pattern may change how all of it reads
        return None
    openings = _alternatives(source, False, lists)
    return _gate(openings) if openings is not None else None


def _gate(openings: Openings) -> Gate | None:
    words: set[str] = set()
    substrings: set[str] = set()
    for text, at_word_start in openings:
        text = text.lower()
        word = _ASCII_WORD.match(text) if at_word_start else None
        if word is not None:
            words.add(word.group()[:PREFIX])
        else:
            ascii_part = text[:next((i for i, ch in enumerate(text) if not ch.isascii()),
                                    len(text))]
            if not ascii_part:
                return None
            substrings.add(ascii_part)
    return Gate(frozenset(words), tuple(sorted(substrings)))


Openings = set[tuple[str, bool]]


def _alternatives(source: str, word_start: bool,
                  lists: Mapping[str, Sequence[str]]) -> Openings | None:
    out: Openings = set()
    for alternative in _split(source):
        found = _sequence(alternative, word_start, lists)
        if found is None:
            return None
        out |= found
    return out


def _sequence(s: str, word_start: bool, lists: Mapping[str, Sequence[str]]) -> Openings | None:
    """Openings of one item every match of this alternative holds: the most selective one.

    Items are read left to right; reading stops at anything not understood, which is safe
    because each item kept so far is still in every match. `word_start` tracks whether the
    character before the current position cannot be a word character.
    """
    best: Openings | None = None
    best_rank = (-1, -1)
    i = 0
    while i < len(s):
        zero = _zero_width(s, i)
        if zero is not None:
            if zero[0] < 0:
                break
            end, word_start, openings = _read_zero_width(s, i, zero, word_start, lists)
        else:
            item = _item(s, i, word_start, lists)
            if item is None:
                break
            end, openings, non_word = item
            end, mandatory = _quantified(s, end)
            if not mandatory:
                openings = None
            word_start = non_word and (mandatory or word_start)
        if openings is not None and _rank(openings) > best_rank:
            best, best_rank = openings, _rank(openings)
        i = end
    return best


def _read_zero_width(s: str, i: int, zero: tuple[int, bool | None], word_start: bool,
                     lists: Mapping[str, Sequence[str]]) -> tuple[int, bool, Openings | None]:
    """(end, word start after it, openings it asserts) of the zero-width item at i."""
    end, boundary = zero
    asserted = None
    if s.startswith(("(?<=", "(?="), i):
        # What a positive lookaround asserts is in the field too: '(?<=\\blives in )'.
        inside = s[s.index("=", i) + 1:end - 1]
        asserted = _alternatives(inside, word_start and s[i + 2] == "=", lists)
    return end, word_start if boundary is None else boundary, asserted


def _quantified(s: str, end: int) -> tuple[int, bool]:
    """(end after any quantifier, whether the item must occur at least once)."""
    quantifier = _QUANTIFIER.match(s, end)
    if quantifier is None:
        return end, True
    mandatory = quantifier.group(1) is None or int(quantifier.group(1) or 0) >= 1
    if quantifier.group()[:1] in ("?", "*"):
        mandatory = False
    return quantifier.end(), mandatory


# A quantifier after an item: group 1 is the minimum count of a {m,n} form.
_QUANTIFIER = regex.compile(r"(?:[?*+]|\{(\d*)(?:,\d*)?\})[?+]?")


def _rank(openings: Openings) -> tuple[int, int]:
    """Prefer word starts (a set lookup) and longer openings (rarer); -1 if unusable."""
    gate = _gate(openings)
    if gate is None:
        return (-1, -1)
    shortest = min((len(t) for t in (*gate.words, *gate.substrings)), default=0)
    return (int(not gate.substrings), min(shortest, PREFIX))


def _zero_width(s: str, i: int) -> tuple[int, bool | None] | None:
    """(end, word start after it: True, False, or None for unchanged) for a zero-width item
    at i; end -1 if it cannot be read; None if the item at i is not zero-width."""
    if s.startswith(("\\b", "\\A", "\\m"), i):
        return i + 2, True
    if s.startswith(("\\B", "\\Z", "\\M", "\\G", "\\z"), i):
        return i + 2, False
    if s[i] == "^":
        return i + 1, True
    if s[i] == "$":
        return i + 1, False
    if s.startswith(_ZERO_WIDTH, i) or s.startswith("(?#", i):
        end = _close(s, i)
        if end is None or _QUANTIFIER.match(s, end + 1):
            return -1, None
        if _NOT_AFTER_WORD.fullmatch(s, i, end + 1):
            return end + 1, True
        return end + 1, None
    return None


def _item(s: str, i: int, word_start: bool, lists: Mapping[str, Sequence[str]],
          ) -> tuple[int, Openings | None, bool] | None:
    """(end, openings or None if unread, matches only non-word characters) of the item at i;
    None if the item cannot be delimited."""
    ch = s[i]
    if ch == "(":
        end = _close(s, i)
        if end is None:
            return None
        group = _GROUP.match(s, i)
        inner = _alternatives(s[group.end():end], word_start, lists) if group else None
        return end + 1, inner, False
    if ch == "[":
        end = _class_end(s, i)
        if end is None:
            return None
        return end, None, _non_word_class(s[i + 1:end - 1])
    if ch == ".":
        return i + 1, None, False
    if ch == "\\":
        return _escape_item(s, i, word_start, lists)
    return _literal(s, i, word_start)


def _escape_item(s: str, i: int, word_start: bool, lists: Mapping[str, Sequence[str]],
                 ) -> tuple[int, Openings | None, bool] | None:
    """An item starting with a backslash: a named list, a class, or an escaped literal."""
    if s.startswith("\\L<", i):
        end = s.find(">", i)
        terms = lists.get(s[i + 3:end]) if end > 0 else None
        if not terms or "" in terms:
            return None
        return end + 1, {(term, word_start) for term in terms}, False
    escaped = s[i + 1:i + 2]
    if escaped in ("p", "P", "N") and s.startswith("{", i + 2):
        end = s.find("}", i)
        return (end + 1, None, False) if end > 0 else None
    if escaped in ("d", "D", "w", "W", "s", "S", "h", "X"):
        return i + 2, None, escaped == "s"
    if not escaped or escaped.isalnum() or escaped.isspace():
        return None  # a backreference, a code point, a named character: not read
    return _literal(s, i, word_start)


def _literal(s: str, i: int, word_start: bool) -> tuple[int, Openings | None, bool] | None:
    """A run of literal characters; its last one stays out if a quantifier follows it."""
    run: list[str] = []
    ends: list[int] = []
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            escaped = s[i + 1:i + 2]
            if not escaped or escaped.isalnum() or escaped.isspace():
                break
            run.append(escaped)
            i += 2
        elif ch in _META:
            break
        else:
            run.append(ch)
            i += 1
        ends.append(i)
    if not run:
        return None  # a quantifier or brace where an item should start
    if len(run) > 1 and i < len(s) and (s[i] in _OPTIONAL or s[i] == "+"):
        run.pop()  # 'honou?r': the u is an item of its own, with its quantifier
        ends.pop()
    text = "".join(run)
    return ends[-1], {(text, word_start)}, all(_non_word_char(c) for c in text)


def _non_word_char(ch: str) -> bool:
    """ASCII and not a word character (outside ASCII, \\w also holds marks isalnum() denies)."""
    return ch.isascii() and not ch.isalnum() and ch != "_"


def _class_end(s: str, i: int) -> int | None:
    """Index after the ']' closing the class opened at s[i]."""
    j = i + 1
    if s.startswith("^", j):
        j += 1
    if s.startswith("]", j):
        j += 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s.startswith("[:", j):
            close = s.find(":]", j)
            j = close + 2 if close > 0 else j + 1
        elif s[j] == "]":
            return j + 1
        else:
            j += 1
    return None


def _non_word_class(body: str) -> bool:
    """True for a class that only holds blanks and punctuation, e.g. '[ \\t,]' or '[\\s-]'."""
    if body.startswith("^"):
        return False
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if body[i + 1:i + 2] not in ("s", "t", "n", "r", "-", ".", ",", "/", "'", "(", ")"):
                return False
            i += 2
        elif ch == "-" and 0 < i < len(body) - 1:
            return False  # a range
        elif not _non_word_char(ch) or ch == "[":
            return False
        else:
            i += 1
    return bool(body)


def _optional(s: str, i: int) -> bool:
    return i < len(s) and s[i] in _OPTIONAL


def _close(s: str, i: int) -> int | None:
    """Index of the parenthesis closing the one at s[i]."""
    depth = 0
    for j, ch in _tokens(s, i):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def _split(s: str) -> list[str]:
    """Top-level alternatives."""
    parts, depth, start = [], 0, 0
    for j, ch in _tokens(s, 0):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(s[start:j])
            start = j + 1
    parts.append(s[start:])
    return parts


def _tokens(s: str, i: int) -> list[tuple[int, str]]:
    """Structural characters from i on, skipping escapes and character classes."""
    out = []
    in_class = False
    n = len(s)
    while i < n:
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[" and s.startswith("[:", i):  # POSIX class inside a set
                end = s.find(":]", i)
                i = end + 2 if end > 0 else i + 1
                continue
        elif ch == "[":
            in_class = True
            i += 1
            if s.startswith("^", i):
                i += 1
            if s.startswith("]", i):
                i += 1
            continue
        elif ch in "()|":
            out.append((i, ch))
        i += 1
    return out

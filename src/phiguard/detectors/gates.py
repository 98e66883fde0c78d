"""Literal gates: the words a pattern cannot match without, read from its own source at load.

Most patterns open with a keyword alternation (`(?i)\\b(?:room|rm|bed|bay)\\s?#?\\d...`), and on
most fields none of those words occurs. Each regex call with the safety timeout costs two
CPU-clock reads on top of the scan, so running every pattern on every field spent more than half
the pattern layer on patterns that could not match. A gate is a set of literal openings, one of
which starts every match; the layer runs the pattern only when one of them is in the field.

The reading is conservative: anything it does not understand (a class, a quantified group, a
backreference, verbose mode) gives no gate, and the pattern always runs. A gate is a speed
device only: it never changes what a pattern finds.
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
_LEAD_FLAGS = regex.compile(r"\(\?([a-zA-Z]+)\)")
_GROUP = regex.compile(r"\((?:\?:|\?[ims-]*:|\?P<\w+>|\?<\w+>|(?!\?))")
_ZERO_WIDTH = ("(?<!", "(?<=", "(?=", "(?!")
# A negative lookbehind on a class with \w: the match starts where a word starts.
_NOT_AFTER_WORD = regex.compile(r"\(\?<!(?:\\w|\[(?!\^)(?:[^\]\\]|\\.)*\\w(?:[^\]\\]|\\.)*\])\)")
_META = frozenset(".^$*+?{}[]()|\\")
_OPTIONAL = frozenset("?*{")


@dataclass(frozen=True)
class Gate:
    """Literal openings of a pattern: `words` start a word, `substrings` occur anywhere."""

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
            s in self.lowered for s in gate.substrings)


def gate_for(source: str, flags: int, lists: Mapping[str, Sequence[str]]) -> Gate | None:
    """The gate of one pattern, or None when its source does not show one."""
    if flags & regex.VERBOSE:
        return None
    lead = _LEAD_FLAGS.match(source)
    if lead:
        if set(lead.group(1)) - set("ims"):
            return None
        source = source[lead.end():]
    openings = _alternatives(source, False, lists)
    if openings is None:
        return None
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
    """Openings of one alternative: after its zero-width prefix, a group, a list or a literal."""
    i = 0
    while True:  # zero-width items all hold at the position the first real item starts
        if s.startswith(("\\b", "\\A"), i):
            word_start, i = True, i + 2
        elif s.startswith("^", i):
            word_start, i = True, i + 1
        elif s.startswith(_ZERO_WIDTH, i):
            end = _close(s, i)
            if end is None or _optional(s, end + 1) or s[end + 1:end + 2] == "+":
                return None
            if _NOT_AFTER_WORD.fullmatch(s, i, end + 1):
                word_start = True
            i = end + 1
        else:
            break
    group = _GROUP.match(s, i)
    if group:
        end = _close(s, i)
        if end is None or _optional(s, end + 1):
            return None
        return _alternatives(s[group.end():end], word_start, lists)
    if s.startswith("\\L<", i):
        end = s.find(">", i)
        terms = lists.get(s[i + 3:end]) if end > 0 else None
        if not terms or "" in terms or _optional(s, end + 1):
            return None
        return {(term, word_start) for term in terms}
    run: list[str] = []
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
    if run and _optional(s, i):
        run.pop()  # 'honou?r': the u may be absent
    return {("".join(run), word_start)} if run else None


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

"""Logical order -> display order, for detection: what a reader sees, not what was typed.

A right-to-left override (U+202E) shows "0134-56-782" as "287-65-4310"; a right-to-left mark or
letter before "4310 65 287" shows its groups in reverse. A detector reading the logical order
misses both, so the detection view is put in display order first, with a map back.

This is the Unicode Bidirectional Algorithm (UAX #9), simplified where the simplification only
changes the display of right-to-left scripts themselves, never whether a run of Latin letters
and digits is shown forwards or backwards: explicit levels and overrides (X1-X10 without
isolating run sequences), weak and neutral types (W1-W7, N1-N2), implicit levels (I1-I2),
reordering (L2) and mirrored brackets (L4). Every step is linear in the text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import TypeVar

import regex

_T = TypeVar("_T")

# Anything that can make display order differ from logical order. Without one, no work at all.
NEEDS_REORDER = regex.compile(
    r"[\p{Bidi_Control}\p{Bidi_Class=R}\p{Bidi_Class=AL}]")
# Explicit formatting characters: removed from the display (X9), and suspicious in a post.
_EMBEDDINGS = {"\u202a": ("L", None), "\u202b": ("R", None), "\u202d": ("L", "L"),
               "\u202e": ("R", "R")}
_ISOLATES = {"\u2066": "L", "\u2067": "R", "\u2068": None}  # FSI: direction of its content
_PDF, _PDI = "\u202c", "\u2069"
_MAX_DEPTH = 125
# A directional status stack entry: (level, override type or None, is an isolate).
_Entry = tuple[int, str | None, bool]
_MIRRORED = dict(zip("()[]{}<>«»", ")(][}{><»«", strict=True))
# Boundary neutrals (control characters, joiners) are kept, not removed as X9 says: the views
# after this one drop what they must, and keeping them keeps this step a pure reordering.
_NEUTRAL = frozenset({"B", "S", "WS", "ON", "LRI", "RLI", "FSI", "PDI", "BN"})


def display_order(text: str) -> tuple[str, list[int]] | None:
    """The text as displayed left to right and, per character, its index in `text`.

    Explicit formatting characters are left out (they show nothing). None when the display
    order is the logical order and nothing was left out.
    """
    if NEEDS_REORDER.search(text) is None:
        return None
    order: list[int] = []
    chars: list[str] = []
    start = 0
    for match in regex.finditer(r"\p{Bidi_Class=B}", text):
        _paragraph(text, start, match.end(), order, chars)
        start = match.end()
    _paragraph(text, start, len(text), order, chars)
    if len(order) == len(text) and all(i == n for n, i in enumerate(order)):
        return None
    return "".join(chars), order


def _paragraph(text: str, begin: int, stop: int, order: list[int], chars: list[str]) -> None:
    base = _paragraph_level(text, begin, stop)
    indices, types, levels = _explicit(text, begin, stop, base)
    if not indices:
        return
    _resolve(types, levels, base)
    # L1: whitespace at the end of the line goes back to the paragraph level.
    for k in range(len(types) - 1, -1, -1):
        if unicodedata.bidirectional(text[indices[k]]) not in {"WS", "B", "S", "FSI", "LRI",
                                                                  "RLI", "PDI"}:
            break
        levels[k] = base
    # L2: from the highest level down to the lowest odd one, reverse every run at that level
    # or above.
    positions = list(range(len(indices)))
    highest = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        # Reversing a run keeps the same positions in it: the flags hold for the whole pass.
        for k, end in _runs([levels[p] >= level for p in positions], bool):
            positions[k:end] = positions[k:end][::-1]
    for k in positions:
        index = indices[k]
        char = text[index]
        if levels[k] % 2:
            char = _MIRRORED.get(char, char)  # L4: "(" shown at an odd level is ")"
        order.append(index)
        chars.append(char)


def _explicit(text: str, begin: int, stop: int,
              base: int) -> tuple[list[int], list[str], list[int]]:
    """X1-X9: the kept characters' indices, their bidi types (overrides applied), levels."""
    first_strong = _first_strong_after(text, begin, stop)
    stack: list[_Entry] = [(base, None, False)]
    indices: list[int] = []
    types: list[str] = []
    levels: list[int] = []
    for index in range(begin, stop):
        char = text[index]
        if char in _EMBEDDINGS:
            direction, override = _EMBEDDINGS[char]
            _push(stack, direction, override, isolate=False)
            continue
        if char == _PDF:
            if len(stack) > 1 and not stack[-1][2]:
                stack.pop()
            continue
        if char == _PDI:
            _close_isolate(stack)
        level, override, _ = stack[-1]
        indices.append(index)
        types.append(override or _type(char))
        levels.append(level)
        if char in _ISOLATES:
            strong = first_strong[index - begin]
            direction = _ISOLATES[char] or ("R" if strong in {"R", "AL"} else "L")
            _push(stack, direction, None, isolate=True)
    return indices, types, levels


def _push(stack: list[_Entry], direction: str, override: str | None, *, isolate: bool) -> None:
    """X2-X5: open an embedding, override or isolate, unless the stack is at its limit."""
    if len(stack) <= _MAX_DEPTH:
        stack.append((_next_level(stack[-1][0], direction), override, isolate))


def _close_isolate(stack: list[_Entry]) -> None:
    """X6a: a PDI closes the embeddings opened inside the isolate, then the isolate itself."""
    while len(stack) > 1 and not stack[-1][2]:
        stack.pop()
    if len(stack) > 1:
        stack.pop()


def _first_strong_after(text: str, begin: int, stop: int) -> list[str | None]:
    """For each position, the first strong type (L, R, AL) at or after it in the paragraph."""
    result: list[str | None] = [None] * (stop - begin + 1)
    current: str | None = None
    for index in range(stop - 1, begin - 1, -1):
        kind = _type(text[index])
        if kind in {"L", "R", "AL"}:
            current = kind
        result[index - begin] = current
    return result


def _type(char: str) -> str:
    # Arabic-Indic digits are read as European ones: a number is read in the order it was typed
    # ("٢٨٧-٦٥-٤٣١٠" is 287-65-4310), whatever a renderer does with the groups between them.
    # A character unassigned in this Python's Unicode data has no class: left to right.
    kind = unicodedata.bidirectional(char) or "L"
    return "EN" if kind == "AN" and char.isdecimal() else kind


def _level_of(strong: str | None) -> int:
    return 1 if strong in {"R", "AL"} else 0


def _next_level(level: int, direction: str) -> int:
    if direction == "R":
        return level + 1 if level % 2 == 0 else level + 2
    return level + 2 if level % 2 == 0 else level + 1


def _paragraph_level(text: str, begin: int, stop: int) -> int:
    """P2-P3: the first strong character outside an isolate decides."""
    depth = 0
    for index in range(begin, stop):
        kind = _type(text[index])
        if kind in {"LRI", "RLI", "FSI"}:
            depth += 1
        elif kind == "PDI" and depth:
            depth -= 1
        elif depth == 0 and kind in {"L", "R", "AL"}:
            return _level_of(kind)
    return 0


def _resolve(types: list[str], levels: list[int], base: int) -> None:
    """W1-W7, N1-N2 and I1-I2 over runs of one level, in place on `levels`."""
    explicit = list(levels)
    k = 0
    while k < len(types):
        end = k
        while end < len(types) and explicit[end] == explicit[k]:
            end += 1
        level = explicit[k]
        before = max(level, explicit[k - 1] if k else base)
        after = max(level, explicit[end] if end < len(types) else base)
        run = _weak(types[k:end], "R" if before % 2 else "L")
        _neutral(run, "R" if before % 2 else "L", "R" if after % 2 else "L",
                 "R" if level % 2 else "L")
        for offset, kind in enumerate(run):
            if level % 2 == 0:
                levels[k + offset] = level + (1 if kind == "R" else 2 if kind in {"AN", "EN"}
                                              else 0)
            elif kind in {"L", "EN", "AN"}:
                levels[k + offset] = level + 1
        k = end


def _weak(run: list[str], sos: str) -> list[str]:
    """W1-W7 over one level run; `sos` is the direction before it."""
    out = list(run)
    _nonspacing_and_arabic(out, sos)
    _separators(out)
    _terminators(out)
    _remaining_weak(out, sos)
    return out


def _nonspacing_and_arabic(out: list[str], sos: str) -> None:
    """W1-W3: a mark takes its base's type; a number after Arabic letters is Arabic; AL is R."""
    previous = sos
    last_strong = sos
    for i, kind in enumerate(out):
        if kind == "NSM":  # W1
            kind = out[i] = previous if previous not in {"LRI", "RLI", "FSI", "PDI"} else "ON"
        if kind == "EN" and last_strong == "AL":  # W2
            kind = out[i] = "AN"
        if kind in {"L", "R", "AL"}:
            last_strong = kind
        if kind == "AL":  # W3
            out[i] = "R"
        previous = kind


def _separators(out: list[str]) -> None:
    """W4: one separator between two numbers of the same kind joins them."""
    for i in range(1, len(out) - 1):
        if out[i] == "ES" and out[i - 1] == out[i + 1] == "EN":
            out[i] = "EN"
        elif out[i] == "CS" and out[i - 1] == out[i + 1] and out[i - 1] in {"EN", "AN"}:
            out[i] = out[i - 1]


def _terminators(out: list[str]) -> None:
    """W5: European terminators next to a European number are part of it."""
    for i, end in _runs(out, lambda kind: kind == "ET"):
        if (i and out[i - 1] == "EN") or (end < len(out) and out[end] == "EN"):
            out[i:end] = ["EN"] * (end - i)


def _remaining_weak(out: list[str], sos: str) -> None:
    """W6-W7: other separators are neutral; a European number after L text is L."""
    last_strong = sos
    for i, kind in enumerate(out):
        if kind in {"ES", "ET", "CS"}:  # W6
            out[i] = kind = "ON"
        if kind in {"L", "R"}:
            last_strong = kind
        elif kind == "EN" and last_strong == "L":  # W7
            out[i] = "L"


def _neutral(run: list[str], sos: str, eos: str, embedding: str) -> None:
    """N1-N2: a neutral run takes the direction on both sides if they agree, else the run's."""
    for i, end in _runs(run, lambda kind: kind in _NEUTRAL or kind == "NSM"):
        left = _strong_direction(run[i - 1]) if i else sos
        right = _strong_direction(run[end]) if end < len(run) else eos
        run[i:end] = [left if left == right else embedding] * (end - i)


def _strong_direction(kind: str) -> str:
    return "L" if kind == "L" else "R"


def _runs(items: list[_T], member: Callable[[_T], bool]) -> Iterator[tuple[int, int]]:
    """Each maximal run [start, end) of items that are members, left to right.

    The caller may rewrite a run's items before asking for the next run: the search resumes
    after it.
    """
    start = 0
    while start < len(items):
        if not member(items[start]):
            start += 1
            continue
        end = start
        while end < len(items) and member(items[end]):
            end += 1
        yield start, end
        start = end

"""Every copy of a redacted value: a value flagged once in a post is PHI wherever it appears.

A name is redacted word by word ("Rose Smith" flagged makes every "Rose" and every "Smith" of
the post go, in the text and in every caption, whatever the case and whether or not the word is
also a common one); any other identifier by its whole value ("3/14/1931"), a number whatever
its punctuation ("415-555-2671" and "415.555.2671"). The same tokens are
then looked for in the redacted post: a copy that survives means the redaction is not clean.

Copies are found by one pass over a field's words with dictionary look-ups, never by a pattern
built from the values: a post of thousands of distinct numbers stays linear.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence

import regex

from phiguard.models import Finding, Identifier, Post

# A word of a name: letters (with their marks), joined by an apostrophe or a hyphen.
_NAME_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*")
_POSSESSIVE = ("'s", "’s")
# Runs of letters and digits: where a copy may start and end.
_UNIT = regex.compile(r"[\p{L}\p{M}\p{N}]+")
# Shorter tokens (an initial, one digit) would rewrite half the post and identify nobody.
MIN_TOKEN_CHARS = 2
# A number this long is the same number whatever its punctuation: "415-555-2671" is
# "415.555.2671" and "(415) 555 2671"; shorter ones ("7/22") are matched as written.
MIN_CANONICAL_CHARS = 5
# How much punctuation or space may stand between two parts of a number written another way.
MAX_SEPARATOR_CHARS = 2

REPEAT_RULE = "redact-repeat"


def _canonical(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _is_canonical(key: str) -> bool:
    return (len(key) >= MIN_CANONICAL_CHARS and key.isalnum()
            and any(ch.isdigit() for ch in key))


def tokens_of(finding: Finding, value: str) -> list[str]:
    """The tokens of one finding's value whose every copy must go, as lookup keys: a name's
    words casefolded, another value casefolded or, for a number, its letters and digits."""
    if finding.identifier is Identifier.NAMES:
        words = (m.group() for m in _NAME_WORD.finditer(value))
        found = [w[:-2] if w.endswith(_POSSESSIVE) else w for w in words]
    else:
        canonical = _canonical(value)
        found = [canonical if _is_canonical(canonical) else _strip_edges(value)]
    return [t.casefold() for t in found
            if sum(ch.isalnum() for ch in t) >= MIN_TOKEN_CHARS]


def _strip_edges(value: str) -> str:
    """The value from its first to its last letter or digit: where a copy can be found."""
    units = list(_UNIT.finditer(value))
    return value[units[0].start() : units[-1].end()] if units else ""


def token_sources(post: Post, findings: Iterable[Finding]) -> dict[str, Finding]:
    """Each token of the findings' values -> the first finding it came from."""
    sources: dict[str, Finding] = {}
    for finding in findings:
        value = post.field_text(finding.field)[finding.start : finding.end]
        for token in tokens_of(finding, value):
            sources.setdefault(token, finding)
    return sources


def find_copies(text: str, sources: dict[str, Finding]) -> Iterator[tuple[int, int, Finding]]:
    """Whole-word copies of the tokens in `text`, leftmost-longest, not overlapping."""
    if not sources:
        return
    longest = max(len(key) for key in sources)
    units = [(m.start(), m.end()) for m in _UNIT.finditer(text)]
    index = 0
    while index < len(units):
        start = units[index][0]
        best: tuple[int, Finding] | None = None
        canonical = ""
        joined = True  # the units so far are one number written with short separators
        for last in range(index, len(units)):
            unit_start, end = units[last]
            if last > index:
                joined = joined and unit_start - units[last - 1][1] <= MAX_SEPARATOR_CHARS
            if end - start > longest and (not joined or len(canonical) > longest):
                break
            canonical += text[unit_start:end].casefold()
            source = sources.get(text[start:end].casefold())
            if source is None and joined and _is_canonical(canonical):
                source = sources.get(canonical)
            if source is not None:
                best = (end, source)
        if best is None:
            index += 1
            continue
        yield start, best[0], best[1]
        while index < len(units) and units[index][0] < best[0]:
            index += 1


def every_occurrence(post: Post, findings: Sequence[Finding]) -> list[Finding]:
    """Findings for the copies of the findings' tokens that no finding covers yet."""
    sources = token_sources(post, findings)
    by_field: dict[str, list[tuple[int, int]]] = {}
    for finding in findings:
        by_field.setdefault(finding.field, []).append((finding.start, finding.end))
    out = []
    for name, text in post.fields():
        covered = _Covered(by_field.get(name, []))
        for start, end, source in find_copies(text, sources):
            if covered.contains(start, end):
                continue
            out.append(source.model_copy(update={
                "field": name, "start": start, "end": end, "rule_id": REPEAT_RULE,
                "explanation": "another copy of a value flagged elsewhere in the post"}))
    return out


def copies(post: Post, sources: dict[str, Finding]) -> list[tuple[str, int, int, Finding]]:
    """(field, start, end, source) of every whole-word copy of the tokens in the post."""
    return [(name, start, end, source) for name, text in post.fields()
            for start, end, source in find_copies(text, sources)]


class _Covered:
    """Whether a span lies inside one of a set of spans, in log time (a post may hold
    thousands of findings)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _ in spans]
        self.reach: list[int] = []
        furthest = -1
        for _, end in spans:
            furthest = max(furthest, end)
            self.reach.append(furthest)

    def contains(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self.starts, start) - 1
        return index >= 0 and self.reach[index] >= end

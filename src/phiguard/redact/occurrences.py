"""Every copy of a redacted value: a value flagged once in a post is PHI wherever it appears.

A name is redacted word by word ("Rose Smith" flagged makes every "Rose" and every "Smith" of
the post go, in the text and in every caption, whatever the case and whether or not the word is
also a common one); any other identifier by its whole value ("3/14/1931"). The same tokens are
then looked for in the redacted post: a copy that survives means the redaction is not clean.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

import regex

from phiguard.models import Finding, Identifier, Post

# A word of a name: letters (with their marks), joined by an apostrophe or a hyphen.
_NAME_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*")
_POSSESSIVE = ("'s", "’s")
# Shorter tokens (an initial, one digit) would rewrite half the post and identify nobody.
MIN_TOKEN_CHARS = 2

REPEAT_RULE = "redact-repeat"


def tokens_of(finding: Finding, value: str) -> list[str]:
    """The tokens of one finding's value whose every copy must go, casefolded."""
    if finding.identifier is Identifier.NAMES:
        words = (m.group() for m in _NAME_WORD.finditer(value))
        found = [w[:-2] if w.endswith(_POSSESSIVE) else w for w in words]
    else:
        found = [value.strip()]
    return [t.casefold() for t in found
            if sum(ch.isalnum() for ch in t) >= MIN_TOKEN_CHARS]


def token_sources(post: Post, findings: Iterable[Finding]) -> dict[str, Finding]:
    """Each token of the findings' values -> the first finding it came from."""
    sources: dict[str, Finding] = {}
    for finding in findings:
        value = post.field_text(finding.field)[finding.start : finding.end]
        for token in tokens_of(finding, value):
            sources.setdefault(token, finding)
    return sources


def token_pattern(tokens: Iterable[str]) -> regex.Pattern[str] | None:
    """One pattern for whole-word copies of any of the tokens, any case; None for no tokens."""
    ordered = sorted(set(tokens), key=len, reverse=True)
    if not ordered:
        return None
    alternation = "|".join(regex.escape(t) for t in ordered)
    return regex.compile(rf"(?<![\w])(?:{alternation})(?![\w])", regex.IGNORECASE | regex.V1)


def every_occurrence(post: Post, findings: Sequence[Finding]) -> list[Finding]:
    """Findings for the copies of the findings' tokens that no finding covers yet."""
    sources = token_sources(post, findings)
    pattern = token_pattern(sources)
    if pattern is None:
        return []
    by_field: dict[str, list[tuple[int, int]]] = {}
    for finding in findings:
        by_field.setdefault(finding.field, []).append((finding.start, finding.end))
    out = []
    for name, text in post.fields():
        covered = _Covered(by_field.get(name, []))
        for match in pattern.finditer(text):
            start, end = match.span()
            source = sources.get(match.group().casefold())
            if source is None or covered.contains(start, end):
                continue  # already a finding's (or a casefold that differs, in rare scripts)
            out.append(source.model_copy(update={
                "field": name, "start": start, "end": end, "rule_id": REPEAT_RULE,
                "explanation": "another copy of a value flagged elsewhere in the post"}))
    return out


def copies(post: Post, tokens: Iterable[str]) -> list[tuple[str, int, int]]:
    """(field, start, end) of every whole-word copy of the tokens in the post."""
    pattern = token_pattern(tokens)
    if pattern is None:
        return []
    return [(name, m.start(), m.end()) for name, text in post.fields()
            for m in pattern.finditer(text)]


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

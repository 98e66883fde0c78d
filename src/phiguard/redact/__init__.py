"""Redaction: the same post with its flagged findings rewritten, by one of five strategies.

    redact(post)                                  # "Call [PHONE_NUMBER]"      (tag, the default)
    redact(post, strategy="mask")                 # "Call ***-***-****", "J*** D**"
    redact(post, strategy="hash", key=secret)     # "[NAME:9f2c61d0a4b7e3f8]" (HMAC-SHA256)
    redact(post, strategy="surrogate", key=k)     # "Call (555) 555-0142", "Mary Jones"
    redact(post, strategy="safe-harbor")          # dates -> year, ages -> "90+", ZIP -> 3 digits
    redact_with_report(post).needs_human          # findings rewriting words cannot fix

How it works: every copy of a flagged value, in any field, is a finding too. For each field the
flagged findings that rewriting can fix are grouped into clusters of overlapping spans; each
cluster is replaced once, as a whole (so nothing is replaced twice and nothing of a partly
overlapping span survives), in the treatment of its best finding
(longest, then highest-scoring). Replacements are spliced in left to right, recording old and new
offsets, so offsets never drift. The redacted post is then checked again: a finding that the
rewriting itself exposed (a year left by a date that, after "born", implies 90+; a number whose
context word was in the tag) is mapped back to the original text and the post redacted again, at
most `MAX_ROUNDS` times. Each replacement is made by a presidio-anonymizer operator ("replace"
for fixed values, "custom" for computed ones).

Findings that rewriting cannot fix (`needs_human`) are left in place and returned in
`RedactionResult.needs_human`; they are never dropped.

The package, one job per module: `tables` (what is known by entity), `settings` (one call's
strategy, key and pack data), `strategies` (what a cluster becomes), `occurrences` (every copy
of a flagged value), `planning` (clusters of one field, spliced in), `recheck` (rounds over one
post), `results` and `api` (the public functions).

`phiguard.redact` is this package; calling it calls `redact`, so `phiguard.redact(post)` and
`import phiguard.redact as m` both work.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from phiguard.redact.api import redact, redact_many, redact_with_report
from phiguard.redact.results import RedactionResult, Replacement
from phiguard.redact.tables import (
    MAX_ROUNDS,
    MIN_KEY_BYTES,
    MIN_KEY_DISTINCT_BYTES,
    NEEDS_HUMAN_ENTITIES,
    NEEDS_HUMAN_IDENTIFIERS,
    SAFE_HARBOR_TREATMENTS,
    STRATEGIES,
    SURROGATE_KINDS,
    US_STATES,
    Strategy,
    needs_human,
    tag_for,
)
from phiguard.tags import ENTITY_TAGS, IDENTIFIER_TAGS

__all__ = [
    "ENTITY_TAGS",
    "IDENTIFIER_TAGS",
    "MAX_ROUNDS",
    "MIN_KEY_BYTES",
    "MIN_KEY_DISTINCT_BYTES",
    "NEEDS_HUMAN_ENTITIES",
    "NEEDS_HUMAN_IDENTIFIERS",
    "SAFE_HARBOR_TREATMENTS",
    "STRATEGIES",
    "SURROGATE_KINDS",
    "US_STATES",
    "RedactionResult",
    "Replacement",
    "Strategy",
    "needs_human",
    "redact",
    "redact_many",
    "redact_with_report",
    "tag_for",
]


class _CallableModule(types.ModuleType):
    # `phiguard.redact(post)` was the function before this was a package; keep it working.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return redact(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

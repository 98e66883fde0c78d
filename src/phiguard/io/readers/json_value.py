"""One record's JSON text -> a value, refusing what would be read wrongly or crash later.

Refused, each with a message that names a position or key and never a value:
  bytes that are not UTF-8 or a NUL byte (see decode.untrusted)
  nesting deeper than MAX_DEPTH: json and every walk over the value recurse, and a post needs
    a handful of levels; without a bound 1,000 levels crash the whole run
  a key given twice in one object: json keeps the last, so the first value would go unchecked
"""

from __future__ import annotations

import json
import re
from typing import Any

from phiguard.io.readers.decode import untrusted

MAX_DEPTH = 64
# A string (to skip, even unterminated) or a bracket: enough to measure nesting in one pass.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


class BadJson(ValueError):
    """A record's JSON cannot be read; the message is safe to print."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text`, strings skipped; linear time."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BadJson(f"the key {key!r} appears twice in one object (only one would be "
                          "checked)")
        out[key] = value
    return out


def parse(text: str) -> Any:
    """The value of one record's JSON text; raises BadJson, or json.JSONDecodeError."""
    reason = untrusted(text)
    if reason is not None:
        raise BadJson(f"record {reason}")
    # Counting brackets is cheap; only a record with enough of them to nest deeply is scanned.
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise BadJson(f"record nests arrays or objects more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise BadJson("record nests arrays or objects too deeply") from None

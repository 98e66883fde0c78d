"""Which format an input is in: from its file name first, then from its first bytes."""

from __future__ import annotations

import json
import re

from phiguard.io.records import CAPTION_NAMES, TEXT_NAMES, normalise_key

FORMATS = ("jsonl", "json", "tweets", "csv", "text")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv",
              ".tsv": "csv", ".js": "tweets", ".txt": "text"}
# Read when named, never picked up from a folder, where a .txt is as often a README.
_NAMED_ONLY = (".txt",)
_TWEETS_PREFIX = re.compile(rb"^\s*[\w.$\[\]\"']+\s*=")
_BLANK = b"\xef\xbb\xbf \t\r\n"


def sniff(head: bytes, suffix: str | None) -> str:
    """The format of an input whose first bytes are `head` and whose file suffix is `suffix`."""
    if suffix in EXTENSIONS:
        if suffix == ".js" and head.lstrip(_BLANK)[:1] in (b"[", b"{"):
            return "json"
        return EXTENSIONS[suffix]
    stripped = head.lstrip(_BLANK)
    if _TWEETS_PREFIX.match(stripped):
        return "tweets"
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        first_line = stripped.split(b"\n", 1)[0]
        try:
            json.loads(first_line)
        except ValueError:
            return "json"
        return "jsonl"
    first = stripped.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if any(sep in first for sep in ",;\t") or normalise_key(first) in (*TEXT_NAMES,
                                                                         *CAPTION_NAMES):
        return "csv"
    return "text"  # no delimiter and no column name: prose, whose first post is no header


def is_export_file(name: str, suffix: str) -> bool:
    """Whether a file found in a folder is read as an export."""
    if suffix == ".js":  # in a directory, only an archive's tweets.js, never other JavaScript
        return name.lower().startswith("tweet")
    return suffix in EXTENSIONS and suffix not in _NAMED_ONLY

"""Bytes -> decoded text pieces that know their line number; which text cannot be trusted.

Every format reader works on these pieces, so a reader never sees raw bytes and one bad byte
is pinned on the line (and so the record) that holds it.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

CHUNK = 1 << 16


@dataclass
class Progress:
    """Bytes read so far, for a progress bar; `total` is None when unknown (stdin)."""

    done: int = 0
    total: int | None = 0
    records: int = 0


@dataclass
class Chunk:
    """At most 64 KiB of decoded text, knowing the line it starts on."""

    text: str
    line: int
    ends_line: bool


# Bytes that are not UTF-8 are decoded as lone surrogates (U+DC80..U+DCFF, which valid UTF-8
# never yields), so the one record holding them is found and refused, and no record is checked
# with U+FFFD in place of what it really says. A NUL byte is kept, for the same reason.
_UNTRUSTED = re.compile("[\x00\udc80-\udcff]")
_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b",
                 b"7z\xbc\xaf", b"BZh", b"\x7fELF", b"SQLite format")


def untrusted(text: str) -> str | None:
    """Why a record's own text cannot be checked (bad UTF-8 or a NUL byte), or None."""
    found = _UNTRUSTED.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains binary data (a NUL byte)"
    return "is not valid UTF-8 text; save the export as UTF-8"


def binary_reason(head: bytes) -> str | None:
    """Why a whole file is not an export (UTF-16, or a binary format), from its first bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "is UTF-16 text; save the export as UTF-8"
    sample = head[:8192].decode("utf-8", "surrogateescape")
    odd = sum(1 for ch in sample if ch in _CONTROLS or "\udc80" <= ch <= "\udcff")
    if head.startswith(_BINARY_MAGIC) or (sample and odd > len(sample) * 0.3):
        return "is a binary file, not an export (JSONL, JSON, CSV, text or tweets.js)"
    return None


_CONTROLS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f"}


def chunks(head: bytes, handle: IO[bytes], progress: Progress) -> Iterator[Chunk]:
    """Decoded pieces of at most 64 KiB, each knowing its line."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    line = 1
    head_io = io.BytesIO(head.removeprefix(codecs.BOM_UTF8))
    progress.done += len(head) - len(head_io.getbuffer())

    def pieces() -> Iterator[bytes]:
        yield from iter(lambda: head_io.readline(CHUNK), b"")
        yield from iter(lambda: handle.readline(CHUNK), b"")

    for raw in pieces():
        progress.done += len(raw)
        ends = raw.endswith(b"\n")
        yield Chunk(decoder.decode(raw), line, ends)
        if ends:
            line += 1
    tail = decoder.decode(b"", final=True)  # an unfinished character: surrogates, see above
    if tail:
        yield Chunk(tail, line, True)


def lines(pieces: Iterable[Chunk]) -> Iterator[tuple[int, str]]:
    """Whole lines: (line number, text)."""
    parts: list[str] = []
    line = 1
    for chunk in pieces:
        parts.append(chunk.text)
        line = chunk.line
        if chunk.ends_line:
            yield line, "".join(parts)
            parts = []
    if parts:
        yield line, "".join(parts)

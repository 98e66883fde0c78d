"""Bytes -> decoded text pieces that know their line number and whether their bytes were bad.

Every format reader works on these pieces, so a reader never sees raw bytes and one bad byte
is pinned on the line (and so the record) that holds it.
"""

from __future__ import annotations

import codecs
import io
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
    """At most 64 KiB of decoded text; `bad` says why its bytes could not be trusted."""

    text: str
    line: int
    ends_line: bool
    bad: str | None


def chunks(head: bytes, handle: IO[bytes], progress: Progress) -> Iterator[Chunk]:
    """Decoded pieces of at most 64 KiB, each knowing its line and whether its bytes were bad."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    first = True

    head_io = io.BytesIO(head)

    def pieces() -> Iterator[bytes]:
        yield from iter(lambda: head_io.readline(CHUNK), b"")
        yield from iter(lambda: handle.readline(CHUNK), b"")

    for raw in pieces():
        progress.done += len(raw)
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        bad = None
        if b"\x00" in raw:
            bad = "contains binary data (a NUL byte)"
            text = raw.replace(b"\x00", b"").decode("utf-8", "replace")
            decoder.reset()
        else:
            try:
                text = decoder.decode(raw)
            except UnicodeDecodeError:
                bad = "is not valid UTF-8 text; save the export as UTF-8"
                decoder.reset()
                text = raw.decode("utf-8", "replace")
        ends = raw.endswith(b"\n")
        yield Chunk(text, line, ends, bad)
        if ends:
            line += 1
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        yield Chunk("", line, True, "ends inside a UTF-8 character")
    else:
        if tail:
            yield Chunk(tail, line, True, None)


def lines(pieces: Iterable[Chunk]) -> Iterator[tuple[int, str, str | None]]:
    """Whole lines: (line number, text, why its bytes were bad or None)."""
    parts: list[str] = []
    bad: str | None = None
    line = 1
    for chunk in pieces:
        parts.append(chunk.text)
        bad = bad or chunk.bad
        line = chunk.line
        if chunk.ends_line:
            yield line, "".join(parts), bad
            parts, bad = [], None
    if parts:
        yield line, "".join(parts), bad

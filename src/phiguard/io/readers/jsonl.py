"""JSON Lines: one JSON object per line; a bad line is an error record and the next is read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from phiguard.io.readers.decode import Chunk, lines
from phiguard.io.readers.platforms import to_record
from phiguard.io.records import FieldOptions, Record, Source


def jsonl_records(chunks: Iterable[Chunk], source: Source,
                  options: FieldOptions) -> Iterator[Record]:
    """Every non-blank line as a Record."""
    number = 0
    for line, text, bad in lines(chunks):
        if not text.strip():
            continue
        number += 1
        if bad:
            yield Record(source, line, number, error=f"line {bad}")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(source, line, number, error=f"invalid JSON at column {exc.colno}: "
                         f"{exc.msg}")
            continue
        yield to_record(value, source, line, number, options)

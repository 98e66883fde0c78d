"""JSON Lines: one JSON object per line; a bad line is an error record and the next is read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from phiguard.io.readers.decode import Chunk, lines
from phiguard.io.readers.json_value import BadJson, parse
from phiguard.io.readers.platforms import to_record
from phiguard.io.records import FieldOptions, Record, Source


def jsonl_records(chunks: Iterable[Chunk], source: Source,
                  options: FieldOptions) -> Iterator[Record]:
    """Every non-blank line as a Record."""
    number = 0
    for line, text in lines(chunks):
        if not text.strip():
            continue
        number += 1
        try:
            value = parse(text)
        except BadJson as exc:
            yield Record(source, line, number, error=str(exc).replace("record ", "line ", 1))
            continue
        except json.JSONDecodeError as exc:
            yield Record(source, line, number, error=f"invalid JSON at column {exc.colno}: "
                         f"{exc.msg}")
            continue
        yield to_record(value, source, line, number, options)

"""CSV and TSV: a header row, then one post per row (`,` `;` or tab, guessed from the header)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from phiguard.io.readers.decode import Chunk, lines
from phiguard.io.readers.platforms import to_record
from phiguard.io.records import (
    CAPTION_NAMES,
    TEXT_NAMES,
    FieldOptions,
    Record,
    Source,
    normalise_key,
)


def csv_records(chunks: Iterable[Chunk], source: Source, options: FieldOptions,
                tab: bool) -> Iterator[Record]:
    """Every row after the header as a Record."""
    bad_lines: dict[int, str] = {}
    first_line: list[str] = []

    def row_lines() -> Iterator[str]:
        for line, text, bad in lines(chunks):
            if bad:
                bad_lines[line] = bad
            if not first_line:
                first_line.append(text)
            yield text

    line_iter = row_lines()
    peeked = next(line_iter, None)
    if peeked is None:
        return
    delimiter = "\t" if tab else max(",;\t", key=peeked.count)
    source.csv_dialect = delimiter
    # Posts are short, but a single field may legitimately exceed csv's 128 KiB default.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
    reader = csv.reader(_chain_one(peeked, line_iter), delimiter=delimiter)
    header: list[str] | None = None
    has_text = False
    previous = 0
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, previous = previous + 1, reader.line_num
            number += 1
            yield Record(source, start, number, error=f"invalid CSV: {exc}")
            continue
        start, previous = previous + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        bad = [bad_lines.pop(n) for n in range(start, previous + 1) if n in bad_lines]
        if header is None:
            if bad:
                yield Record(source, start, 1, error=f"header row {bad[0]}")
                return
            header = [cell.strip() for cell in row]
            source.csv_header = header
            has_text = _csv_has_text(header, options)
            continue
        number += 1
        if bad:
            yield Record(source, start, number, error=f"row {bad[0]}")
        elif not has_text:
            yield Record(source, start, number,
                         error="no column for the post's text (looked for text, message, post, "
                               "body, caption, alt text, ...); name it with --text-field")
        elif len(row) != len(header):
            yield Record(source, start, number, error=f"row has {len(row)} fields but the "
                         f"header has {len(header)} (a quote or delimiter out of place?)")
        else:
            yield to_record(dict(zip(header, row, strict=True)), source, start, number, options)


def _chain_one(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _csv_has_text(header: list[str], options: FieldOptions) -> bool:
    if options.text or options.captions:
        return True
    names = {normalise_key(cell) for cell in header}
    return bool(names & (set(TEXT_NAMES) | set(CAPTION_NAMES)))

"""CSV and TSV: a header row, then one post per row (`,` `;` or tab, guessed from the header)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from phiguard.io.readers.decode import Chunk, lines, untrusted
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
    header: list[str] | None = None
    has_text = False
    number = 0
    for start, row, problem, raw_lines in _rows(chunks, source, tab):
        if header is None:  # the first row that is not blank
            problem = problem or _header_problem(row)
            if problem:
                yield Record(source, start, 1, error=problem)
                return
            header = [cell.strip() for cell in row]
            source.csv_header = header
            has_text = _has_text(header, options)
            continue
        number += 1
        problem = problem or _row_problem(row, header, raw_lines, str(source.csv_dialect))
        if not has_text:
            problem = ("no column for the post's text (looked for text, message, post, body, "
                       "caption, alt text, ...); name it with --text-field")
        if problem:
            yield Record(source, start, number, error=problem)
        else:
            yield to_record(dict(zip(header, row, strict=True)), source, start, number, options)


def _rows(chunks: Iterable[Chunk], source: Source,
          tab: bool) -> Iterator[tuple[int, list[str], str | None, list[str]]]:
    """(first line, cells, why the row cannot be read or None, its physical lines) of every
    row that is not blank. The delimiter is guessed from the first line."""
    raw_lines: list[str] = []  # the physical lines of the row being read

    def row_lines() -> Iterator[str]:
        for _, text in lines(chunks):
            raw_lines.append(text)
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
    previous = 0
    while True:
        del raw_lines[: -1 if reader.line_num == 0 else None]  # the peeked line is the header's
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, previous = previous + 1, reader.line_num
            yield start, [], f"invalid CSV: {exc}", []
            continue
        start, previous = previous + 1, reader.line_num
        if row and (len(row) > 1 or row[0].strip()):
            bad = untrusted("".join(raw_lines))
            yield start, row, bad and f"row {bad}", list(raw_lines)


def _header_problem(row: list[str]) -> str | None:
    names = [normalise_key(cell) for cell in row]
    twice = sorted({name for name in names if names.count(name) > 1 and name})
    if twice:
        return (f"header row names the column {twice[0]!r} twice (only one would be checked); "
                "rename one")
    return None


def _has_text(header: list[str], options: FieldOptions) -> bool:
    names = {normalise_key(cell) for cell in header}
    return bool(options.text or options.captions or names & {*TEXT_NAMES, *CAPTION_NAMES})


def _row_problem(row: list[str], header: list[str], raw_lines: list[str],
                 delimiter: str) -> str | None:
    if len(row) != len(header):
        return (f"row has {len(row)} fields but the header has {len(header)} (a quote or "
                "delimiter out of place?)")
    # A quote left open swallows the rows after it into one cell until the next quote. A line
    # inside a quoted cell that reads as a whole row of this file, starting with a value shaped
    # like this row's first ("2" after "1", "p-8" after "p-7"), is taken as that mistake; a
    # post's own line with a comma in it ("Doors open at 9, coffee at 10") is not.
    for offset, line in enumerate(raw_lines[1:], start=1):
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(header) > 1 and len(cells) == len(header) and _shape(cells[0]) == _shape(row[0]):
            return (f"a quote opened on this row is not closed before its line {offset + 1}, "
                    "which reads as a row of its own; rows were merged")
    return None


def _shape(cell: str) -> str:
    """A value's outline: runs of digits -> 9, of letters -> a ("p-17" -> "a-9")."""
    return re.sub(r"[^\W\d_]+", "a", re.sub(r"\d+", "9", cell.strip()))


def _chain_one(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest

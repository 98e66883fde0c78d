"""Inputs -> Records: which files a path names, opening each, and handing it to its format."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from phiguard.io.readers.csv_table import csv_records
from phiguard.io.readers.decode import Progress, chunks
from phiguard.io.readers.json_stream import json_records
from phiguard.io.readers.jsonl import jsonl_records
from phiguard.io.readers.sniff import is_export_file, sniff
from phiguard.io.records import FieldOptions, Record, Source

STDIN = "-"


def expand_paths(paths: Iterable[Path | str]) -> list[Path | str]:
    """Files as given, directories walked (sorted, hidden entries skipped), `-` for stdin."""
    out: list[Path | str] = []
    for path in paths:
        if str(path) == STDIN:
            out.append(STDIN)
            continue
        path = Path(path)
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and is_export_file(p.name, p.suffix.lower())
        )
        out.extend(found if found else [path])
    return out


def total_bytes(paths: Iterable[Path | str]) -> int | None:
    """The size of every input, or None if one is stdin."""
    total = 0
    for path in paths:
        if str(path) == STDIN:
            return None
        try:
            total += Path(path).stat().st_size
        except OSError:
            continue
    return total


def read_records(
    paths: Iterable[Path | str], *, fmt: str | None = None,
    options: FieldOptions | None = None, progress: Progress | None = None,
    stdin: IO[bytes] | None = None,
) -> Iterator[Record]:
    """Every record of every input, in order. Inputs come from `expand_paths`."""
    options = options or FieldOptions()
    progress = progress or Progress()
    for path in paths:
        if str(path) == STDIN:
            handle = stdin if stdin is not None else sys.stdin.buffer
            yield from _read_handle(handle, "<stdin>", None, fmt, options, progress)
            continue
        path = Path(path)
        name = str(path)
        if path.is_dir():
            yield _file_error(name, "no exports found in this directory (.jsonl, .json, .csv, "
                              "tweets.js)")
            continue
        try:
            handle = path.open("rb")
        except OSError as exc:
            yield _file_error(name, f"cannot be read ({exc.strerror})")
            continue
        with handle:
            yield from _read_handle(handle, name, path.suffix.lower(), fmt, options, progress)


def _file_error(name: str, message: str, fmt: str = "jsonl") -> Record:
    source = Source(name, fmt, errors=1)
    return Record(source, line=1, number=1, error=message)


def _read_handle(handle: IO[bytes], name: str, suffix: str | None, fmt: str | None,
                 options: FieldOptions, progress: Progress) -> Iterator[Record]:
    # The first line (and a little more) decides the format; it is replayed to the reader.
    head = handle.readline(1 << 20)
    head += handle.read(8192) if head.endswith(b"\n") else b""
    if b"\x00" in head[:8192]:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            yield _file_error(name, "is UTF-16 text; save the export as UTF-8")
        else:
            yield _file_error(name, "is a binary file, not an export (JSONL, JSON, CSV or "
                              "tweets.js)")
        return
    fmt = fmt or sniff(head, suffix)
    source = Source(name, fmt)
    pieces = chunks(head, handle, progress)
    if fmt == "jsonl":
        records = jsonl_records(pieces, source, options)
    elif fmt == "csv":
        records = csv_records(pieces, source, options, tab=suffix == ".tsv")
    else:
        records = json_records(pieces, source, options)
    for record in records:
        source.records += 1
        source.errors += record.error is not None
        progress.records += 1
        yield record

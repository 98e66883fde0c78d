"""Inputs -> Records: which files a path names, opening each, and handing it to its format."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from phiguard.errors import InputError
from phiguard.io.readers.csv_table import csv_records
from phiguard.io.readers.decode import Chunk, Progress, binary_reason, chunks
from phiguard.io.readers.json_stream import json_records
from phiguard.io.readers.jsonl import jsonl_records
from phiguard.io.readers.sniff import is_export_file, sniff
from phiguard.io.readers.text import text_records
from phiguard.io.records import FieldOptions, Record, Source

STDIN = "-"
_HEAD = 8192


@dataclass(frozen=True)
class Unreadable:
    """A path met while walking a folder that cannot be read: it becomes an error record."""

    path: Path
    reason: str


Input = Path | str | Unreadable


def expand_paths(paths: Iterable[Path | str]) -> list[Input]:
    """Files as given, folders walked (sorted, hidden entries skipped), `-` for stdin.

    A path named here that cannot be read as a whole (missing, not a file or folder, empty,
    binary, a folder with no exports) raises InputError: nothing is checked and nothing is
    written. Inside a folder each such path becomes an Unreadable, reported as an error record
    while the rest of the folder is still checked. Linked folders are followed once; a link
    back to a folder being walked is reported, not followed.
    """
    out: list[Input] = []
    for path in paths:
        if str(path) == STDIN:
            out.append(STDIN)
            continue
        path = Path(path)
        try:
            status = path.stat()
        except OSError as exc:
            raise InputError(f"{path}: {_os_reason(exc)}") from None
        if stat.S_ISDIR(status.st_mode):
            found = list(_walk(path, set(), {(status.st_dev, status.st_ino)}))
            if not found:
                raise InputError(f"{path}: no exports found in this folder (.jsonl, .json, "
                                 ".csv, tweets.js)")
            out.extend(found)
            continue
        problem = file_problem(path, status)
        if problem is not None:
            raise InputError(f"{path}: {problem}")
        out.append(path)
    return out


def file_problem(path: Path, status: os.stat_result) -> str | None:
    """Why a file cannot be read as an export as a whole, or None."""
    if not stat.S_ISREG(status.st_mode):
        # A FIFO or a device would block or never end: refused before it is opened.
        return NOT_REGULAR
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        return _os_reason(exc)
    if not head.strip(b"\xef\xbb\xbf \t\r\n") and status.st_size <= _HEAD:
        return EMPTY
    return binary_reason(head)


NOT_REGULAR = "is not a regular file (a pipe, device or socket); pass its contents with '-'"
EMPTY = "is empty: an export with no bytes (or only blank lines) is never taken as clean"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or folder"
    return f"cannot be read ({exc.strerror})"


def _walk(folder: Path, seen: set[tuple[int, int]],
          ancestors: set[tuple[int, int]]) -> Iterator[Input]:
    seen |= ancestors
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        yield Unreadable(folder, f"folder {_os_reason(exc)}; its files were not checked")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        wanted = is_export_file(entry.name, path.suffix.lower())
        try:
            status = entry.stat()  # follows links
        except OSError as exc:
            if wanted or entry.is_symlink():
                reason = ("is a link to nothing" if isinstance(exc, FileNotFoundError)
                          else _os_reason(exc))
                yield Unreadable(path, reason)
            continue
        if stat.S_ISDIR(status.st_mode):
            key = (status.st_dev, status.st_ino)
            if key in ancestors:
                yield Unreadable(path, "links back to a folder that holds it (a loop); "
                                       "not followed")
            elif key not in seen:
                seen.add(key)
                yield from _walk(path, seen, ancestors | {key})
        elif wanted:
            problem = file_problem(path, status)
            yield path if problem is None else Unreadable(path, problem)


def total_bytes(paths: Iterable[Input]) -> int | None:
    """The size of every input, or None if one is stdin."""
    total = 0
    for path in paths:
        if str(path) == STDIN:
            return None
        if isinstance(path, Unreadable):
            continue
        try:
            total += Path(path).stat().st_size
        except OSError:
            continue
    return total


def read_records(
    paths: Iterable[Input], *, fmt: str | None = None,
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
        if isinstance(path, Unreadable):
            yield _file_error(str(path.path), path.reason)
            continue
        path = Path(path)
        name = str(path)
        try:
            # O_NONBLOCK: opening a FIFO that no writer holds must not hang (see file_problem).
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            yield _file_error(name, _os_reason(exc))
            continue
        handle = os.fdopen(fd, "rb")
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            handle.close()
            yield _file_error(name, NOT_REGULAR)
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
    head += handle.read(_HEAD) if head.endswith(b"\n") else b""
    problem = binary_reason(head)
    if problem is not None:
        yield _file_error(name, problem)
        return
    fmt = fmt or sniff(head, suffix)
    source = Source(name, fmt)
    blank = [True]
    pieces = _noting_text(chunks(head, handle, progress), blank)
    if fmt == "jsonl":
        records = jsonl_records(pieces, source, options)
    elif fmt == "csv":
        records = csv_records(pieces, source, options, tab=suffix == ".tsv")
    elif fmt == "text":
        records = text_records(pieces, source, options)
    else:
        records = json_records(pieces, source, options)
    for record in records:
        source.records += 1
        source.errors += record.error is not None
        progress.records += 1
        yield record
    if blank[0] and not source.records:
        yield _file_error(name, EMPTY, fmt)


def _noting_text(pieces: Iterator[Chunk], blank: list[bool]) -> Iterator[Chunk]:
    """The pieces unchanged; blank[0] stays True while they hold only whitespace."""
    for piece in pieces:
        if blank[0] and piece.text.strip():
            blank[0] = False
        yield piece

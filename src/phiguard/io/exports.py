"""Write records back in their input's format, with new field values (for `phiguard redact`).

Every record of the input is written, in order. A record that could not be read cannot be
redacted, and copying it through would publish whatever it holds, so its place is taken by a
placeholder that says why (`{"phiguard_error": ...}`, or a CSV row whose text cell says so).
"""

from __future__ import annotations

import csv
import json
import textwrap
from typing import Any, TextIO

from phiguard.io.records import KeyPath, Record, Source
from phiguard.models import Post

UNREADABLE = "[phiguard: this record could not be read, so it was not redacted: {error}]"


def _set(raw: Any, path: KeyPath, value: str) -> None:
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def updated_raw(record: Record, post: Post) -> Any:
    """The record as read, with each checked field replaced by the post's new text."""
    raw = record.raw
    if "text" in record.paths:
        _set(raw, record.paths["text"], post.text)
    for index, caption in enumerate(post.captions):
        path = record.paths.get(f"captions[{index}]")
        if path is not None:
            _set(raw, path, caption)
    return raw


class ExportWriter:
    """Writes one source's records in its own format: jsonl, json, tweets.js or csv."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.source: Source | None = None
        self.count = 0
        self._csv: Any = None
        # The text before and after a JSON list of posts, with its strings rewritten.
        self._prefix: str | None = None
        self._suffix: str | None = None

    def write(self, record: Record, post: Post | None) -> None:
        """Write one record: the redacted post, or a placeholder for an unreadable record."""
        source = record.source
        if record.beside_list:  # the strings before or after a JSON list of posts
            part, spans = record.raw
            rewritten = _rewritten(getattr(source, part), spans, post)
            if part == "prefix":
                self._prefix = rewritten
            else:
                self._suffix = rewritten
        if self.source is None:
            self.source = source
            self._start(source)
        if record.beside_list:
            return
        fmt = source.format
        if fmt == "csv":
            self._write_csv(record, post)
        elif fmt == "text":
            text = post.text if post is not None and record.post is not None else \
                UNREADABLE.format(error=record.error)
            self.out.write((source.separator if self.count else "") + text)
        elif fmt == "jsonl":
            self.out.write(json.dumps(self._value(record, post), ensure_ascii=False) + "\n")
        else:
            text = json.dumps(self._value(record, post), ensure_ascii=False,
                              indent=source.indent)
            if source.indent:
                text = textwrap.indent(text, " " * source.indent)
            self.out.write((",\n" if self.count else "\n") + text)
        self.count += 1

    def _value(self, record: Record, post: Post | None) -> Any:
        if post is None or record.post is None:
            return {"phiguard_error": f"record {record.number} (line {record.line}) could not be "
                                      f"read, so it was not redacted: {record.error}"}
        return updated_raw(record, post)

    def _start(self, source: Source) -> None:
        if source.format in ("json", "tweets"):
            self.out.write((self._prefix or source.prefix).rstrip())
        elif source.format == "csv" and source.csv_header is not None:
            self._csv = csv.writer(self.out, delimiter=source.csv_dialect or ",",
                                   lineterminator="\n")
            self._csv.writerow(source.csv_header)

    def _write_csv(self, record: Record, post: Post | None) -> None:
        source = record.source
        header = source.csv_header or []
        if self._csv is None:  # the header itself was unreadable
            return
        if post is None or record.post is None:
            row = [""] * len(header)
            if header:
                row[_text_column(record, header)] = UNREADABLE.format(error=record.error)
            self._csv.writerow(row)
            return
        raw = updated_raw(record, post)
        self._csv.writerow([raw.get(name, "") for name in header])

    def finish(self) -> None:
        """Close a JSON list with whatever followed it in the input."""
        source = self.source
        if source is not None and source.format == "text" and self.count:
            self.out.write("\n")
        if source is not None and source.format in ("json", "tweets"):
            suffix = source.suffix if self._suffix is None else self._suffix
            self.out.write("\n" + suffix if self.count else suffix)


def _rewritten(text: str, spans: list[tuple[int, int]], post: Post | None) -> str:
    """`text` (JSON beside the list of posts) with the string literals at `spans` replaced by
    the post's fields, in order: text, then captions."""
    if post is None:
        return text
    values = [post.text, *post.captions]
    for (start, end), value in sorted(zip(spans, values, strict=True), reverse=True):
        text = text[:start] + json.dumps(value, ensure_ascii=False) + text[end:]
    return text


def _text_column(record: Record, header: list[str]) -> int:
    path = record.paths.get("text")
    if path and path[0] in header:
        return header.index(str(path[0]))
    from phiguard.io.records import TEXT_NAMES, normalise_key

    for index, name in enumerate(header):
        if normalise_key(name) in TEXT_NAMES:
            return index
    return 0

"""Readers: files, directories or stdin -> Records, streamed in input order.

Formats, detected from the file name and then from the first bytes:
  jsonl   one JSON object per line (`.jsonl`, `.ndjson`)
  json    an array of objects, or an object holding one (`.json`); read element by element
  tweets  an X/Twitter archive `tweets.js`: `window.YTD.tweets.part0 = [ {"tweet": {...}} ]`
  csv     a header row, then one post per row (`.csv`, `.tsv`; `,` `;` or tab)
Inside JSON, each element's shape is recognised too: an archived tweet, a Facebook or
Instagram "download your information" post, or a plain object whose fields are found by name.

Nothing here loads a whole export: JSON is cut into elements by a bracket scanner that works
chunk by chunk, so memory follows the largest record, not the number of records.

A record that cannot be read becomes a Record with `error` set and its file and line, and the
next record is read: one bad line never hides the others. Messages never quote the input.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from phiguard.io.records import (
    CAPTION_NAMES,
    TEXT_NAMES,
    FieldOptions,
    KeyPath,
    Record,
    RecordError,
    Source,
    map_record,
    normalise_key,
    parse_date,
)

FORMATS = ("jsonl", "json", "tweets", "csv")
_CHUNK = 1 << 16
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv",
               ".tsv": "csv", ".js": "tweets"}
_TWEETS_PREFIX = re.compile(rb"^\s*[\w.$\[\]\"']+\s*=")
_SPECIAL = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[\s,\]}]")
_STDIN = "-"


@dataclass
class Progress:
    """Bytes read so far, for a progress bar; `total` is None when unknown (stdin)."""

    done: int = 0
    total: int | None = 0
    records: int = 0


@dataclass
class _Chunk:
    text: str
    line: int
    ends_line: bool
    bad: str | None


def expand_paths(paths: Iterable[Path | str]) -> list[Path | str]:
    """Files as given, directories walked (sorted, hidden entries skipped), `-` for stdin."""
    out: list[Path | str] = []
    for path in paths:
        if str(path) == _STDIN:
            out.append(_STDIN)
            continue
        path = Path(path)
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and _export_file(p)
        )
        out.extend(found if found else [path])
    return out


def _export_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".js":  # in a directory, only an archive's tweets.js, never other JavaScript
        return path.name.lower().startswith("tweet")
    return suffix in _EXTENSIONS


def total_bytes(paths: Iterable[Path | str]) -> int | None:
    """The size of every input, or None if one is stdin."""
    total = 0
    for path in paths:
        if str(path) == _STDIN:
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
        if str(path) == _STDIN:
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
    fmt = fmt or _sniff(head, suffix)
    source = Source(name, fmt)
    chunks = _chunks(head, handle, progress)
    if fmt == "jsonl":
        records = _jsonl_records(chunks, source, options)
    elif fmt == "csv":
        records = _csv_records(chunks, source, options, tab=suffix == ".tsv")
    else:
        records = _json_records(chunks, source, options)
    for record in records:
        source.records += 1
        source.errors += record.error is not None
        progress.records += 1
        yield record


def _sniff(head: bytes, suffix: str | None) -> str:
    if suffix in _EXTENSIONS:
        if suffix == ".js" and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
            return "json"
        return _EXTENSIONS[suffix]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
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
    return "csv"


def _chunks(head: bytes, handle: IO[bytes], progress: Progress) -> Iterator[_Chunk]:
    """Decoded pieces of at most 64 KiB, each knowing its line and whether its bytes were bad."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    first = True

    head_io = io.BytesIO(head)

    def pieces() -> Iterator[bytes]:
        yield from iter(lambda: head_io.readline(_CHUNK), b"")
        yield from iter(lambda: handle.readline(_CHUNK), b"")

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
        yield _Chunk(text, line, ends, bad)
        if ends:
            line += 1
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        yield _Chunk("", line, True, "ends inside a UTF-8 character")
    else:
        if tail:
            yield _Chunk(tail, line, True, None)


def _lines(chunks: Iterable[_Chunk]) -> Iterator[tuple[int, str, str | None]]:
    """Whole lines: (line number, text, why its bytes were bad or None)."""
    parts: list[str] = []
    bad: str | None = None
    line = 1
    for chunk in chunks:
        parts.append(chunk.text)
        bad = bad or chunk.bad
        line = chunk.line
        if chunk.ends_line:
            yield line, "".join(parts), bad
            parts, bad = [], None
    if parts:
        yield line, "".join(parts), bad


# ---- JSONL ---------------------------------------------------------------------------------


def _jsonl_records(chunks: Iterable[_Chunk], source: Source,
                   options: FieldOptions) -> Iterator[Record]:
    number = 0
    for line, text, bad in _lines(chunks):
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
        yield _record(value, source, line, number, options)


# ---- JSON, streamed element by element ------------------------------------------------------


class _JsonText:
    """JSON text arriving chunk by chunk, cut into values without parsing them."""

    def __init__(self, chunks: Iterable[_Chunk]) -> None:
        self._chunks = iter(chunks)
        self.buf = ""
        self.pos = 0
        self.line = 1  # the line of buf[0]
        self.bad: list[tuple[int, str]] = []

    def fill(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        if chunk.bad:
            self.bad.append((chunk.line, chunk.bad))
        self.buf += chunk.text
        return True

    def peek(self) -> str | None:
        """The next character that is not whitespace, without taking it; None at the end."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return None

    def line_at(self, pos: int) -> int:
        return self.line + self.buf.count("\n", 0, pos)

    def drop(self) -> None:
        """Forget what has been read, so the buffer holds about one record."""
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :]
        self.pos = 0

    def value_end(self) -> int:
        """Where the value starting at `pos` ends (exclusive); -1 if the text ends first."""
        buf_len = len(self.buf)
        i = self.pos
        first = self.buf[i]
        depth = 0
        in_string = False
        if first == '"':
            in_string, i = True, i + 1
        elif first not in "{[":
            # The first character belongs to the value, even a stray "}": without this a "}"
            # ends where it starts and the caller reads the same empty record forever.
            i += 1
            while True:
                m = _SCALAR_END.search(self.buf, i)
                if m is not None:
                    return m.start()
                i = len(self.buf)
                if not self.fill():
                    return len(self.buf)
        while True:
            buf_len = len(self.buf)
            pattern = _IN_STRING if in_string else _SPECIAL
            m = pattern.search(self.buf, i) if i < buf_len else None
            if m is None:
                i = max(i, buf_len)
                if not self.fill():
                    return -1
                continue
            char, i = m.group(), m.end()
            if in_string:
                if char == "\\":
                    i += 1  # skip the escaped character, which may be in the next chunk
                    continue
                in_string = False
                if depth == 0:
                    return i
            elif char == '"':
                in_string = True
            elif char in "{[":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return i

    def rest(self) -> str:
        """Everything not yet read, to the end of the input."""
        parts = [self.buf[self.pos :]]
        for chunk in self._chunks:
            parts.append(chunk.text)
        self.buf, self.pos = "", 0
        return "".join(parts)


def _json_records(chunks: Iterable[_Chunk], source: Source,
                  options: FieldOptions) -> Iterator[Record]:
    text = _JsonText(chunks)
    where = _find_list(text, source)
    if isinstance(where, str):
        yield Record(source, text.line_at(text.pos), 1, error=where)
        return
    source.prefix = text.buf[: text.pos]
    if text.peek() is not None:  # a pretty-printed list starts its first record on a new line
        opened = text.buf.rfind("[", 0, text.pos)
        source.indent = 2 if "\n" in text.buf[opened : text.pos] else None
    text.drop()
    number = 0
    while True:
        char = text.peek()
        if char is None:
            number += 1
            yield Record(source, text.line_at(text.pos), number,
                         error="the file ends before the list of posts is closed with ']'")
            return
        if char == "]":
            break
        if char == ",":  # lenient about commas: each element is parsed on its own anyway
            text.pos += 1
            continue
        start_line = text.line_at(text.pos)
        end = text.value_end()
        value_text = text.buf[text.pos :] if end < 0 else text.buf[text.pos : end]
        text.pos = len(text.buf) if end < 0 else end
        end_line = text.line_at(text.pos)
        number += 1
        bad = [reason for line, reason in text.bad if start_line <= line <= end_line]
        text.bad = [(line, reason) for line, reason in text.bad if line > end_line]
        if bad:
            yield Record(source, start_line, number, error=f"record {bad[0]}")
        elif end < 0:
            yield Record(source, start_line, number,
                         error="the file ends inside this record (invalid JSON)")
            return
        else:
            try:
                value = json.loads(value_text)
            except json.JSONDecodeError as exc:
                yield Record(source, start_line, number,
                             error=f"invalid JSON at line {start_line + exc.lineno - 1}: "
                                   f"{exc.msg}")
            else:
                yield _record(value, source, start_line, number, options)
        text.drop()
    # Everything after the list, kept verbatim so `redact` can write the file back.
    source.suffix = text.rest()


def _find_list(text: _JsonText, source: Source) -> str | None:
    """Move to just after the '[' of the list of posts; return an error message if none."""
    if source.format == "tweets":
        while "=" not in text.buf:
            if not text.fill():
                return "not an X/Twitter archive file: no 'window.YTD... =' assignment"
        text.pos = text.buf.index("=") + 1
    char = text.peek()
    if char == "[":
        text.pos += 1
        return None
    if char != "{":
        return "not a JSON array of posts or an object holding one"
    # An object: the first key whose value is a list of objects holds the posts.
    text.pos += 1
    while True:
        char = text.peek()
        if char == ",":
            text.pos += 1
            continue
        if char != '"':
            return "no list of posts found in this JSON object"
        end = text.value_end()
        if end < 0:
            return "invalid JSON: the file ends inside an object key"
        text.pos = end
        if text.peek() != ":":
            return f"invalid JSON at line {text.line_at(text.pos)}: expected ':'"
        text.pos += 1
        if text.peek() == "[":
            mark = text.pos
            text.pos += 1
            if text.peek() in ("{", "]"):
                return None
            text.pos = mark
        if text.peek() is None:
            return "invalid JSON: the file ends inside an object"
        end = text.value_end()
        if end < 0:
            return "invalid JSON: the file ends inside an object"
        text.pos = end


# ---- CSV -----------------------------------------------------------------------------------


def _csv_records(chunks: Iterable[_Chunk], source: Source, options: FieldOptions,
                 tab: bool) -> Iterator[Record]:
    bad_lines: dict[int, str] = {}
    first_line: list[str] = []

    def lines() -> Iterator[str]:
        for line, text, bad in _lines(chunks):
            if bad:
                bad_lines[line] = bad
            if not first_line:
                first_line.append(text)
            yield text

    line_iter = lines()
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
            yield _record(dict(zip(header, row, strict=True)), source, start, number, options)


def _chain_one(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _csv_has_text(header: list[str], options: FieldOptions) -> bool:
    if options.text or options.captions:
        return True
    names = {normalise_key(cell) for cell in header}
    return bool(names & (set(TEXT_NAMES) | set(CAPTION_NAMES)))


# ---- One parsed record -> Record ----------------------------------------------------------


def _record(value: Any, source: Source, line: int, number: int,
            options: FieldOptions) -> Record:
    if not isinstance(value, dict):
        return Record(source, line, number,
                      error=f"a record must be a JSON object, not {_json_type(value)}")
    try:
        mapped = _map(value, source, options)
    except RecordError as exc:
        return Record(source, line, number, error=str(exc), raw=value)
    return Record(source, line, number, post=mapped.post, raw=value, paths=mapped.paths,
                  allow=mapped.allow)


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _map(value: dict[str, Any], source: Source, options: FieldOptions) -> Any:
    tweet = value.get("tweet")
    if isinstance(tweet, dict):
        return _map_tweet(value, tweet, ("tweet",), options)
    if source.format == "tweets" and ("full_text" in value or "id_str" in value):
        return _map_tweet(value, value, (), options)
    data, attachments = value.get("data"), value.get("attachments")
    if (isinstance(data, list) and any(isinstance(d, dict) and "post" in d for d in data)) or (
            "timestamp" in value and (isinstance(attachments, list) or isinstance(data, list))):
        return _map_facebook(value, options)
    media = value.get("media")
    if isinstance(media, list) and media and all(
            isinstance(m, dict) and "uri" in m for m in media):
        return _map_instagram(value, options)
    return map_record(value, options)


def _map_tweet(value: dict[str, Any], tweet: Mapping[str, Any], prefix: KeyPath,
               options: FieldOptions) -> Any:
    key = "full_text" if "full_text" in tweet else "text"
    text_value = tweet.get(key)
    text = ((*prefix, key), text_value) if isinstance(text_value, str) else None
    captions: list[tuple[KeyPath, str]] = []
    for entities in ("extended_entities", "entities"):
        media = tweet.get(entities, {}).get("media") if isinstance(
            tweet.get(entities), dict) else None
        for index, item in enumerate(media if isinstance(media, list) else []):
            alt = item.get("ext_alt_text") if isinstance(item, dict) else None
            if isinstance(alt, str) and alt:
                captions.append(((*prefix, entities, "media", index, "ext_alt_text"), alt))
        if captions:
            break
    reply = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
    defaults = {
        "id": str(tweet.get("id_str") or tweet.get("id") or "") or None,
        "posted_at": parse_date(tweet.get("created_at")),
        "channel": "x",
        "kind": "reply" if reply else "post",
    }
    return map_record(value, options, text=text, captions=captions, defaults=defaults,
                      platform=True)


def _unmojibake(text: str) -> str:
    """Facebook's exports write UTF-8 bytes as \\u00XX escapes ("cafÃ©"); undo that."""
    if not any("\x80" <= ch <= "\xff" for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _fix_strings(value: Any) -> Any:
    if isinstance(value, str):
        return _unmojibake(value)
    if isinstance(value, list):
        return [_fix_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _fix_strings(v) for k, v in value.items()}
    return value


def _map_facebook(value: dict[str, Any], options: FieldOptions) -> Any:
    value.update(_fix_strings(value))
    texts: list[tuple[KeyPath, str]] = []
    for index, item in enumerate(value.get("data") or []):
        if isinstance(item, dict) and isinstance(item.get("post"), str):
            texts.append((("data", index, "post"), item["post"]))
    captions = texts[1:]
    for a_index, attachment in enumerate(value.get("attachments") or []):
        items = attachment.get("data") if isinstance(attachment, dict) else None
        for d_index, item in enumerate(items if isinstance(items, list) else []):
            media = item.get("media") if isinstance(item, dict) else None
            if isinstance(media, dict) and isinstance(media.get("description"), str):
                captions.append((("attachments", a_index, "data", d_index, "media",
                                  "description"), media["description"]))
    timestamp = value.get("timestamp")
    defaults = {
        "id": f"fb-{timestamp}" if isinstance(timestamp, int) else None,
        "posted_at": parse_date(timestamp),
        "channel": "facebook",
    }
    return map_record(value, options, text=texts[0] if texts else None, captions=captions,
                      defaults=defaults, platform=True)


def _map_instagram(value: dict[str, Any], options: FieldOptions) -> Any:
    value.update(_fix_strings(value))
    text: tuple[KeyPath, str] | None = None
    if isinstance(value.get("title"), str) and value["title"]:
        text = (("title",), value["title"])
    captions: list[tuple[KeyPath, str]] = []
    for index, item in enumerate(value["media"]):
        title = item.get("title")
        if not isinstance(title, str) or not title:
            continue
        if text is None:
            text = (("media", index, "title"), title)
        elif title != text[1]:
            captions.append((("media", index, "title"), title))
    timestamp = value.get("creation_timestamp") or value["media"][0].get("creation_timestamp")
    defaults = {
        "id": f"ig-{timestamp}" if isinstance(timestamp, int) else None,
        "posted_at": parse_date(timestamp),
        "channel": "instagram",
    }
    return map_record(value, options, text=text, captions=captions, defaults=defaults,
                      platform=True)

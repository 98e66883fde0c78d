"""JSON: an array of posts, or an object holding one, read element by element.

Nothing loads the whole document: it is cut into elements by a bracket scanner that works
chunk by chunk, so memory follows the largest record, not the number of records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from phiguard.io.readers.decode import Chunk
from phiguard.io.readers.json_value import BadJson, parse
from phiguard.io.readers.platforms import beside_record, to_record
from phiguard.io.records import FieldOptions, Record, Source

_SPECIAL = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[\s,\]}]")
_DEPTH = {"{": 1, "[": 1, "}": -1, "]": -1}
_STRING_OR_KEY = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?')


@dataclass
class _ListState:
    number: int = 0  # records so far
    closed: bool = False  # the last list read ended with its ']'


class _JsonText:
    """JSON text arriving chunk by chunk, cut into values without parsing them."""

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self._chunks = iter(chunks)
        self.buf = ""
        self.pos = 0
        self.line = 1  # the line of buf[0]

    def fill(self) -> bool:
        """Read more input into the buffer; False at the end.

        The buffer at least doubles when it grows, so one huge value costs a linear number of
        copies in all, not one copy of the whole buffer per chunk (which was quadratic)."""
        parts: list[str] = []
        added, wanted = 0, max(1, len(self.buf) - self.pos)
        for chunk in self._chunks:
            parts.append(chunk.text)
            added += len(chunk.text)
            if added >= wanted:
                break
        if not parts:
            return False
        self.buf = "".join([self.buf, *parts])
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
        if self.buf[self.pos] in '"{[':
            return self._bracketed_end()
        # The first character belongs to the value, even a stray "}": without this a "}" ends
        # where it starts and the caller reads the same empty record forever.
        m = self._search(_SCALAR_END, self.pos + 1)
        return len(self.buf) if m is None else m.start()

    def _bracketed_end(self) -> int:
        """The end of the string, object or array at `pos`: its closing quote or bracket."""
        i, depth, in_string = self.pos, 0, False
        while (m := self._search(_IN_STRING if in_string else _SPECIAL, i)) is not None:
            char, i = m.group(), m.end()
            if char == "\\":
                i += 1  # skip the escaped character, which may be in the next chunk
            elif char == '"':
                in_string = not in_string
            else:
                depth += _DEPTH[char]
            if depth == 0 and not in_string:
                return i
        return -1

    def _search(self, pattern: re.Pattern[str], i: int) -> re.Match[str] | None:
        """The first match at or after `i`, reading more input until one appears or it ends."""
        while True:
            m = pattern.search(self.buf, i) if i < len(self.buf) else None
            if m is not None:
                return m
            i = max(i, len(self.buf))
            if not self.fill():
                return None

    def rest(self) -> str:
        """Everything not yet read, to the end of the input."""
        parts = [self.buf[self.pos :]]
        for chunk in self._chunks:
            parts.append(chunk.text)
        self.buf, self.pos = "", 0
        return "".join(parts)


def json_records(chunks: Iterable[Chunk], source: Source,
                 options: FieldOptions) -> Iterator[Record]:
    """Every element of the list of posts as a Record, then the text beside the list."""
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
    state = _ListState()
    before = _beside_record(source, "prefix", 1, 1)
    if before is not None:
        state.number += 1
        yield before
    yield from _elements(text, source, options, state)
    bare = source.prefix.lstrip("\ufeff \t\r\n") == "["
    while state.closed:
        mark = text.pos
        text.pos += 1  # past the ']'
        if not (bare and text.peek() == "["):
            text.pos = mark
            break
        # `[...][...]` is not one JSON document; its second list's posts are still checked.
        state.number += 1
        yield Record(source, text.line_at(text.pos), state.number,
                     error="a second top-level list follows the first: not one JSON document")
        text.pos += 1
        text.drop()
        yield from _elements(text, source, options, state)
    # Everything after the list, kept verbatim so `redact` can write the file back.
    source.suffix = text.rest()
    if not state.closed:
        return
    line = text.line_at(0)
    if not _valid_around_the_list(source):
        state.number += 1
        yield Record(source, line, state.number,
                     error="the text after the list of posts is not valid JSON; it was not "
                           "checked")
        return
    after = _beside_record(source, "suffix", line, state.number + 1)
    if after is not None:
        yield after


def _elements(text: _JsonText, source: Source, options: FieldOptions,
              state: _ListState) -> Iterator[Record]:
    """The elements of one list, from just after its '[' to just after its ']'."""
    state.closed = False
    while True:
        char = text.peek()
        if char is None:
            state.number += 1
            yield Record(source, text.line_at(text.pos), state.number,
                         error="the file ends before the list of posts is closed with ']'")
            return
        if char == "]":
            state.closed = True
            return
        if char == ",":  # lenient about commas: each element is parsed on its own anyway
            text.pos += 1
            continue
        start_line = text.line_at(text.pos)
        end = text.value_end()
        value_text = text.buf[text.pos :] if end < 0 else text.buf[text.pos : end]
        text.pos = len(text.buf) if end < 0 else end
        state.number += 1
        number = state.number
        try:
            value = parse(value_text)
        except BadJson as exc:
            yield Record(source, start_line, number, error=str(exc))
        except json.JSONDecodeError as exc:
            yield Record(source, start_line, number,
                         error="the file ends inside this record (invalid JSON)" if end < 0
                         else f"invalid JSON at line {start_line + exc.lineno - 1}: {exc.msg}")
        else:
            yield to_record(value, source, start_line, number, options)
        if end < 0:
            return
        text.drop()


def _valid_around_the_list(source: Source) -> bool:
    """Whether the text before and after the list of posts makes one JSON document with it."""
    start = source.prefix.find("=") + 1 if source.format == "tweets" else 0
    try:
        parse(source.prefix[start:] + source.suffix.rstrip().removesuffix(";"))
    except (BadJson, json.JSONDecodeError):
        return False
    return True


def _beside_record(source: Source, part: str, line: int, number: int) -> Record | None:
    """The strings of the object that holds the list of posts (`{"note": "...", "posts":
    [...]}`), before it (`part` "prefix") or after it ("suffix"): they are published with the
    posts, so they are checked as a record of their own, which `redact` writes back in place.
    None when there are none."""
    strings = value_strings(getattr(source, part))
    if not strings:
        return None
    named = [((key or "<beside the list of posts>",), value) for _, _, value, key in strings]
    return beside_record(named, source, line, number,
                         (part, [(start, end) for start, end, _, _ in strings]))


def value_strings(text: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, value, the key it is under) of each string value in a piece of JSON text;
    keys themselves and blank strings are left out."""
    out: list[tuple[int, int, str, str | None]] = []
    key: str | None = None
    for match in _STRING_OR_KEY.finditer(text):
        literal = match.group(1)
        try:
            value = json.loads(literal)
        except ValueError:
            continue
        if match.group(2):
            key = value
        elif isinstance(value, str) and value.strip():
            out.append((match.start(1), match.end(1), value, key))
    return out


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
        problem = _skip_key(text)
        if problem is not None:
            return problem
        if _enter_list_of_objects(text):
            return None
        end = text.value_end() if text.peek() is not None else -1
        if end < 0:
            return "invalid JSON: the file ends inside an object"
        text.pos = end


def _skip_key(text: _JsonText) -> str | None:
    """Move past the next `"key":` of an object (and a comma before it); or say what is wrong."""
    while text.peek() == ",":
        text.pos += 1
    if text.peek() != '"':
        return "no list of posts found in this JSON object"
    end = text.value_end()
    if end < 0:
        return "invalid JSON: the file ends inside an object key"
    text.pos = end
    if text.peek() != ":":
        return f"invalid JSON at line {text.line_at(text.pos)}: expected ':'"
    text.pos += 1
    return None


def _enter_list_of_objects(text: _JsonText) -> bool:
    """If the next value is a list of objects (or an empty list), move inside it."""
    if text.peek() != "[":
        return False
    mark = text.pos
    text.pos += 1
    if text.peek() in ("{", "]"):
        return True
    text.pos = mark
    return False

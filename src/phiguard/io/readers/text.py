"""Plain text (`.txt`): one post per paragraph (blank lines between), or per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from phiguard.io.readers.decode import Chunk, lines, untrusted
from phiguard.io.records import FieldOptions, Record, Source
from phiguard.models import Post


def text_records(chunks: Iterable[Chunk], source: Source,
                 options: FieldOptions) -> Iterator[Record]:
    """Each paragraph (or, with `options.lines`, each non-blank line) as a post."""
    source.separator = "\n" if options.lines else "\n\n"
    for number, (line, text) in enumerate(_posts(chunks, options.lines), start=1):
        bad = untrusted(text)
        if bad:
            yield Record(source, line, number, error=f"post {bad}")
        else:
            yield Record(source, line, number, post=Post(text=text), paths={"text": ()})


def _posts(chunks: Iterable[Chunk], per_line: bool) -> Iterator[tuple[int, str]]:
    start = 0
    paragraph: list[str] = []
    for number, text in lines(chunks):
        content = text.rstrip("\r\n")
        if per_line:
            if content.strip():
                yield number, content
            continue
        if content.strip():
            start = start or number
            paragraph.append(content)
        elif paragraph:
            yield start, "\n".join(paragraph)
            start, paragraph = 0, []
    if paragraph:
        yield start, "\n".join(paragraph)

"""Build benchmarks/data/posts.jsonl from the marked-up posts in posts_source.txt.

    python benchmarks/data/build_posts.py

Markup, one post per line (blank lines and lines starting with '#' are skipped):

    [kind[ <in_reply_to text>]:] text [## caption]...
    spans: [[the words|LABEL]] or [[the words|LABEL:ENTITY]]

`kind` is post (the default), reply or comment; LABEL is a Safe Harbor letter (A-R), ENTITY an
optional finer name (RARE_DIAGNOSIS, PATIENT_STATUS, ...). Offsets are computed here, so they are
exact by construction; tests/test_posts_corpus.py checks them again.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "posts_source.txt"
OUTPUT = HERE / "posts.jsonl"
_SPAN = re.compile(r"\[\[(?P<text>[^|\]]+)\|(?P<label>[A-R])(?::(?P<entity>[A-Z_]+))?\]\]")
_HEAD = re.compile(r"^(?P<kind>reply|comment)(?:\s*<(?P<to>[^>]*)>)?:\s*")
_CHANNELS = ("facebook", "instagram", "x", "linkedin", "google", "tiktok")


def parse_field(marked: str, field: str) -> tuple[str, list[dict[str, object]]]:
    """Strip the markup of one field; return its text and spans."""
    out: list[str] = []
    spans: list[dict[str, object]] = []
    position = 0
    length = 0
    for match in _SPAN.finditer(marked):
        before = marked[position : match.start()]
        out.append(before)
        length += len(before)
        value = match.group("text")
        span: dict[str, object] = {"field": field, "start": length, "end": length + len(value),
                                   "text": value, "label": match.group("label")}
        if match.group("entity"):
            span["entity"] = match.group("entity")
        spans.append(span)
        out.append(value)
        length += len(value)
        position = match.end()
    out.append(marked[position:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise ValueError(f"unclosed markup in {marked[:40]!r}")
    return text, spans


def parse_line(line: str, number: int) -> dict[str, object]:
    """One source line -> one JSONL record."""
    record: dict[str, object] = {"id": f"own-{number:03d}"}
    head = _HEAD.match(line)
    if head:
        record["kind"] = head.group("kind")
        if head.group("to"):
            record["in_reply_to"] = head.group("to")
        line = line[head.end():]
    parts = [p.strip() for p in line.split(" ## ")]
    text, phi = parse_field(parts[0], "text")
    captions = []
    for index, marked in enumerate(parts[1:]):
        caption, spans = parse_field(marked, f"captions[{index}]")
        captions.append(caption)
        phi.extend(spans)
    record.update(text=text, captions=captions, phi=phi,
                  channel=_CHANNELS[number % len(_CHANNELS)])
    if record.get("kind") in ("reply", "comment"):
        record["channel"] = "google" if record["kind"] == "reply" else "facebook"
    return record


def build(source: Path = SOURCE) -> list[dict[str, object]]:
    """All records of the source file, numbered in order."""
    records = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        records.append(parse_line(line, len(records) + 1))
    return records


def main() -> int:
    """Write posts.jsonl."""
    records = build()
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    phi = sum(1 for r in records if r["phi"])
    print(f"{len(records)} posts: {phi} with PHI, {len(records) - phi} clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())

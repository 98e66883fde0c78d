"""Shipped examples and training sentences are our own words, never a line of a corpus.

The corpora in ../shared/data are for measuring (PhysioNet's notes are GPL-2.0, and a rule written
from one of their lines measures nothing). Every example in rules/*.examples.txt, every comment in
rules/*.yaml and every training sentence under models/ must share no run of ten words with any
of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks import shared_data_dir

ROOT = Path(__file__).resolve().parents[1]
RUN = 10
_WORD = re.compile(r"\w+")


def _runs(text: str) -> Iterator[str]:
    words = _WORD.findall(text.lower())
    for i in range(len(words) - RUN + 1):
        yield " ".join(words[i:i + RUN])


def _corpus_texts(data: Path) -> Iterator[str]:
    with (data / "physionet-deid-dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)["text"]
    with (data / "social-dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            yield record["text"]
            yield from record.get("captions") or []
            yield record.get("in_reply_to") or ""
    for record in json.loads((data / "presidio-synth-v2.json").read_text(encoding="utf-8")):
        yield record["full_text"]


def _shipped_lines() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "rules").glob("*.examples.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{path.name}:{number}", line
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                yield f"{path.name}:{number}", line
    for path in sorted((ROOT / "models").rglob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{path.relative_to(ROOT)}:{number}", line


def test_no_shipped_line_repeats_a_corpus_line() -> None:
    data = shared_data_dir()
    if not (data / "physionet-deid-dev.jsonl").is_file():
        pytest.skip(f"{data} holds the shared corpora (PhysioNet, social-dev, Presidio's "
                    "sentences); CI runs with ../shared beside the project")
    runs = {run for text in _corpus_texts(data) for run in _runs(text)}
    copied = [where for where, line in _shipped_lines() if any(r in runs for r in _runs(line))]
    # Where, never what: the corpus text itself stays out of the test's output.
    assert copied == [], f"lines that repeat ten words of a corpus: {copied}"

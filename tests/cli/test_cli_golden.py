"""Golden files: each output format of `scan`, and each platform shape read by its reader.

The inputs mix good records with malformed ones, so the goldens pin down both the findings
and how an unreadable record is reported (with its line, in its place, in every format).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from phiguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "tests" / "cli" / "fixtures" / "patterns-policy.yaml")

Golden = Callable[[str, str], None]


@pytest.mark.parametrize("fmt", ["table", "compact", "json", "jsonl", "sarif"])
def test_each_output_format_matches_its_golden_file(
        fmt: str, in_fixtures: Path, golden: Golden, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "mixed.jsonl", "--policy", POLICY, "--format", fmt])
    out = capsys.readouterr().out
    assert code == 2  # two unreadable records; the other four are still checked
    golden(f"scan-mixed.{fmt if fmt != 'sarif' else 'sarif.json'}", out)
    if fmt in ("json", "sarif"):
        json.loads(out)  # a whole, valid document
    if fmt == "jsonl":
        lines = [json.loads(line) for line in out.splitlines()]
        assert [r["line"] for r in lines] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("name", "input_path"), [
    ("tweets", ROOT / "examples" / "tweets.js"),
    ("facebook", ROOT / "examples" / "facebook-posts.json"),
    ("social-tool", ROOT / "examples" / "social-tool-export.csv"),
    ("json-object", "posts.json"),
    ("csv-semicolon", "export.csv"),
])
def test_each_platform_shape_matches_its_golden_file(
        name: str, input_path: Path | str, in_fixtures: Path, golden: Golden,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(input_path, Path):
        monkeypatch.chdir(ROOT)
        input_path = str(input_path.relative_to(ROOT))
    main(["scan", str(input_path), "--policy", POLICY, "--format", "jsonl"])
    golden(f"read-{name}.jsonl", capsys.readouterr().out)

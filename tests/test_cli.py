"""CLI skeleton: help, check, scan, rules test, and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from phiguard.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    # main(argv) returns argparse's exit code instead of raising SystemExit.
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Safe Harbor" in out and "Exit codes" in out


def test_check_masks_phi_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "SSN 219-09-9998"]) == 1
    out = capsys.readouterr().out
    assert "BLOCK" in out and "219-09-9998" not in out and "***-**-****" in out
    assert main(["check", "SSN 219-09-9998", "--show-phi"]) == 1
    assert "219-09-9998" in capsys.readouterr().out


def test_check_clean_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "Flu clinic Saturday in the lobby."]) == 0


def test_scan_example_export_as_readme_says(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--policy", str(ROOT / "examples" / "policy.yaml"),
                 str(ROOT / "examples" / "posts.jsonl")])
    out = capsys.readouterr().out
    verdicts = {post: verdict for verdict, post in
                re.findall(r"^(PASS|REVIEW|BLOCK)\s+(ex-\d)", out, re.MULTILINE)}
    # The hospital's own phone, address and email, and an awareness post, pass; the patient's
    # birthday, the fundraiser with a relative's phone and the confirming review reply block.
    assert verdicts == {"ex-1": "PASS", "ex-2": "BLOCK", "ex-3": "PASS", "ex-4": "BLOCK",
                        "ex-5": "BLOCK", "ex-6": "PASS"}
    assert code == 1


def test_scan_bad_record_is_reported_and_others_scanned(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "hello"}) + "\n{not json\n"
                    + json.dumps({"id": "c", "text": "hi"}) + "\n", encoding="utf-8")
    assert main(["scan", str(path)]) == 2
    captured = capsys.readouterr()
    assert "posts.jsonl:2" in captured.err
    assert " a " in captured.out and " c " in captured.out


def test_bad_policy_exits_three(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("thresholds: {review: 2}\n", encoding="utf-8")
    assert main(["check", "hello", "--policy", str(policy)]) == 3
    assert "thresholds.review" in capsys.readouterr().err


def test_rules_test_runs_shipped_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test"]) == 0
    assert " passed, 0 failed" in capsys.readouterr().out

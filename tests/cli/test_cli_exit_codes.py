"""One test per exit code and per way of reaching it: 0 clean, 1 found, 2 bad input or usage,
3 bad configuration, 4 internal error. A detector that crashes or times out never passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phiguard import cli
from phiguard.cli import main
from phiguard.detectors.patterns import PatternDetector

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICY = str(FIXTURES / "patterns-policy.yaml")


def _jsonl(tmp_path: Path, *records: dict[str, object], name: str = "posts.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


CLEAN = {"id": "c", "text": "Flu clinic Saturday in the main lobby."}
REVIEW = {"id": "r", "text": "Call the family at 415-555-2671"}  # phone: review (0.65)
BLOCK = {"id": "b", "text": "Her SSN 219-09-9998 was on the form."}


def test_exit_0_when_nothing_is_at_or_above_the_threshold(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", _jsonl(tmp_path, CLEAN), "--policy", POLICY]) == 0
    assert "Exit 0" in capsys.readouterr().err


def test_exit_1_for_review_with_the_default_fail_on(tmp_path: Path) -> None:
    assert main(["scan", _jsonl(tmp_path, CLEAN, REVIEW), "--policy", POLICY]) == 1


def test_fail_on_block_lets_review_pass_but_not_block(tmp_path: Path) -> None:
    assert main(["scan", _jsonl(tmp_path, REVIEW), "--policy", POLICY,
                 "--fail-on", "block"]) == 0
    assert main(["scan", _jsonl(tmp_path, REVIEW, BLOCK), "--policy", POLICY,
                 "--fail-on", "block"]) == 1


def test_exit_2_for_a_malformed_record_naming_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps(CLEAN) + "\n{oops\n" + json.dumps(BLOCK) + "\n", encoding="utf-8")
    assert main(["scan", str(path), "--policy", POLICY]) == 2
    captured = capsys.readouterr()
    assert f"{path}:2: invalid JSON" in captured.err
    # Bad input outranks findings, but the findings are still reported.
    assert "BLOCK    b" in captured.out and "PASS     c" in captured.out


def test_a_missing_file_is_a_file_level_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _jsonl(tmp_path, BLOCK)
    report = tmp_path / "report.json"
    assert main(["scan", str(tmp_path / "nope.jsonl"), good, "--policy", POLICY,
                 "-o", str(report)]) == 2
    captured = capsys.readouterr()
    assert "nope.jsonl: no such file or folder" in captured.err and captured.out == ""
    assert not report.exists()


def test_exit_2_for_a_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(FIXTURES / "archive.bin"), "--policy", POLICY]) == 2
    assert "archive.bin: is a binary file" in capsys.readouterr().err


def test_exit_2_for_invalid_utf8_with_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(FIXTURES / "badutf8.jsonl"), "--policy", POLICY]) == 2
    captured = capsys.readouterr()
    assert "badutf8.jsonl:2: line is not valid UTF-8" in captured.err
    assert "u1" in captured.out and "u3" in captured.out


def test_exit_2_for_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan"]) == 2
    assert main(["scan", "x.jsonl", "--format", "yaml"]) == 2
    assert main(["scan", "x.jsonl", "--jobs", "0"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--help"]) == 0
    assert "--fail-on" in capsys.readouterr().out


def test_exit_3_for_a_broken_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("layers: [patterns]\nthresholds: {review: 2}\n", encoding="utf-8")
    assert main(["scan", _jsonl(tmp_path, CLEAN), "--policy", str(policy)]) == 3
    assert "thresholds.review" in capsys.readouterr().err


def test_exit_3_for_a_broken_rule_pack_in_rules_dir(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "my-org.yaml").write_text(
        "pack: my-org\nrules:\n  - id: badge\n    identifier: K\n    entity: BADGE\n"
        "    message: staff badge\n    patterns:\n      - regex: 'BADGE-(\\d{4}'\n"
        "        score: 0.9\n", encoding="utf-8")
    assert main(["scan", _jsonl(tmp_path, CLEAN), "--policy", POLICY, "--rules",
                 str(rules)]) == 3
    err = capsys.readouterr().err
    assert "my-org.yaml" in err and "'badge'" in err


def test_rules_dir_adds_an_organisations_own_pack(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "my-org.yaml").write_text(
        "pack: my-org\nrules:\n  - id: badge\n    identifier: K\n    entity: BADGE\n"
        "    message: staff badge\n    patterns:\n      - regex: '\\bBADGE-\\d{4}\\b'\n"
        "        score: 0.9\n", encoding="utf-8")
    (rules / "my-org.examples.txt").write_text(
        "# expect: badge\nBADGE-1234\n# ok: badge\nno badge\n", encoding="utf-8")
    posts = _jsonl(tmp_path, {"id": "x", "text": "Visitor pass BADGE-4821 found"})
    assert main(["scan", posts, "--policy", POLICY]) == 0
    assert main(["scan", posts, "--policy", POLICY, "--rules", str(rules)]) == 1
    assert "rule badge" in capsys.readouterr().out


def test_exit_3_for_a_missing_rules_dir_or_broken_baseline(tmp_path: Path) -> None:
    posts = _jsonl(tmp_path, CLEAN)
    assert main(["scan", posts, "--policy", POLICY, "--rules", str(tmp_path / "no")]) == 3
    bad = tmp_path / "baseline.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["scan", posts, "--policy", POLICY, "--baseline", str(bad)]) == 3


@pytest.mark.parametrize("error", [RuntimeError, TimeoutError])
def test_exit_4_when_a_detector_crashes_or_times_out_and_the_post_is_blocked(
        error: type[Exception], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: PatternDetector, fields: object) -> object:
        raise error("boom: 219-09-9998")

    monkeypatch.setattr(PatternDetector, "detect", broken)
    path = _jsonl(tmp_path, CLEAN)
    for fail_on in ("review", "block"):
        assert main(["scan", path, "--policy", POLICY, "--fail-on", fail_on]) == 4
    captured = capsys.readouterr()
    assert "BLOCK    c" in captured.out and "DETECTOR_ERROR" in captured.out
    assert error.__name__ in captured.out and "could not be fully checked" in captured.err
    assert "219-09-9998" not in captured.out + captured.err  # the exception text never shows


def test_exit_4_for_an_internal_error_without_its_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> object:
        raise ValueError("text of a post: Jane Doe 219-09-9998")

    monkeypatch.setattr(cli, "acknowledge", explode)
    assert main(["scan", _jsonl(tmp_path, BLOCK), "--policy", POLICY]) == 4
    err = capsys.readouterr().err
    assert "internal error (ValueError)" in err and "Jane" not in err


def test_check_command_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "Flu clinic Saturday.", "--policy", POLICY]) == 0
    assert main(["check", "SSN 219-09-9998", "--policy", POLICY]) == 1

"""Baselines (reviewed findings are not reported again) and inline `phiguard_allow`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phiguard.baseline import KEY_ENV
from phiguard.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICY = str(FIXTURES / "patterns-policy.yaml")

EMAIL = {"id": "e1", "text": "Write to advocate@examplehealth.org"}
SSN = {"id": "s1", "text": "Her SSN 219-09-9998 was on the form."}
PHONE = {"id": "p1", "text": "Call the family at 415-555-2671"}
CLEAN = {"id": "c1", "text": "Flu clinic Saturday."}


def _write(path: Path, *records: dict[str, object]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_baselined_findings_are_not_reported_again_but_new_ones_are(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts.jsonl"
    baseline = str(tmp_path / "baseline.json")
    _write(posts, EMAIL, SSN)
    assert main(["baseline", str(posts), "--policy", POLICY, "--out", baseline]) == 0
    assert main(["scan", str(posts), "--policy", POLICY, "--baseline", baseline]) == 0
    out = capsys.readouterr()
    assert "PASS     e1" in out.out and "PASS     s1" in out.out and "acknowledged" in out.err
    # Records move (new lines above them) and a new finding appears: only it is reported.
    _write(posts, CLEAN, PHONE, SSN, EMAIL)
    assert main(["scan", str(posts), "--policy", POLICY, "--baseline", baseline]) == 1
    out = capsys.readouterr().out
    assert "REVIEW   p1" in out and "PASS     s1" in out and "PASS     e1" in out


def test_a_changed_match_is_a_new_finding(tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    baseline = str(tmp_path / "baseline.json")
    _write(posts, EMAIL)
    main(["baseline", str(posts), "--policy", POLICY, "--out", baseline])
    _write(posts, {"id": "e1", "text": "Write to privacy@examplehealth.org"})
    assert main(["scan", str(posts), "--policy", POLICY, "--baseline", baseline]) == 1


def test_baseline_has_fingerprints_only_and_is_stable(tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    out = tmp_path / "baseline.json"
    _write(posts, EMAIL, SSN)
    main(["baseline", str(posts), "--policy", POLICY, "--out", str(out)])
    first = out.read_text(encoding="utf-8")
    document = json.loads(first)
    assert set(document) == {"version", "tool", "salt", "keyed", "entries"}
    assert [set(e) for e in document["entries"]] == [
        {"post_id", "field", "rule", "fingerprint"}] * 2
    # The hex of the salt and the fingerprints can hold any digit run by chance: look elsewhere.
    readable = json.dumps({**document, "salt": None, "entries": [
        {**entry, "fingerprint": None} for entry in document["entries"]]})
    assert all(len(entry["fingerprint"]) == 64 for entry in document["entries"])
    assert "line" not in readable and "advocate" not in readable and "9998" not in readable
    # Re-running, even with the records in another order, writes the same bytes.
    _write(posts, CLEAN, SSN, EMAIL)
    main(["baseline", str(posts), "--policy", POLICY, "--out", str(out)])
    assert out.read_text(encoding="utf-8") == first


def test_keyed_baseline_needs_its_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    posts = _write(tmp_path / "posts.jsonl", SSN)
    baseline = str(tmp_path / "baseline.json")
    monkeypatch.setenv(KEY_ENV, "a CI secret of some length")
    main(["baseline", posts, "--policy", POLICY, "--out", baseline])
    assert main(["scan", posts, "--policy", POLICY, "--baseline", baseline]) == 0
    monkeypatch.setenv(KEY_ENV, "another secret")
    assert main(["scan", posts, "--policy", POLICY, "--baseline", baseline]) == 1
    monkeypatch.delenv(KEY_ENV)
    assert main(["scan", posts, "--policy", POLICY, "--baseline", baseline]) == 3
    assert KEY_ENV in capsys.readouterr().err


def test_detector_errors_are_never_baselined(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phiguard.detectors.patterns import PatternDetector

    def broken(self: PatternDetector, fields: object) -> object:
        raise RuntimeError("boom")

    posts = _write(tmp_path / "posts.jsonl", CLEAN)
    baseline = tmp_path / "baseline.json"
    monkeypatch.setattr(PatternDetector, "detect", broken)
    assert main(["baseline", posts, "--policy", POLICY, "--out", str(baseline)]) == 4
    assert json.loads(baseline.read_text(encoding="utf-8"))["entries"] == []
    assert main(["scan", posts, "--policy", POLICY, "--baseline", str(baseline)]) == 4


def test_inline_allow_acknowledges_a_review_finding_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = _write(tmp_path / "posts.jsonl",
                   {**PHONE, "phiguard_allow": "phone"},
                   {**SSN, "phiguard_allow": ["ssn"]})
    assert main(["scan", posts, "--policy", POLICY, "--format", "jsonl"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["verdict"] == "pass"
    assert rows[0]["findings"][0]["status"] == "suppressed"
    assert rows[1]["verdict"] == "block"  # block-level findings cannot be allowed inline
    assert rows[1]["findings"][0]["status"] == "flagged"
    assert "cannot be acknowledged inline" in rows[1]["findings"][0]["explanation"]


def test_inline_allow_in_a_csv_column(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,text,phiguard_allow\na,Call 415-555-2671,phone\n", encoding="utf-8")
    assert main(["scan", str(path), "--policy", POLICY]) == 0


def test_sarif_marks_acknowledged_findings_as_suppressed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = _write(tmp_path / "posts.jsonl", EMAIL, {**PHONE, "phiguard_allow": "phone"})
    baseline = str(tmp_path / "baseline.json")
    _write(tmp_path / "reviewed.jsonl", EMAIL)
    main(["baseline", str(tmp_path / "reviewed.jsonl"), "--policy", POLICY, "--out", baseline])
    capsys.readouterr()
    assert main(["scan", posts, "--policy", POLICY, "--baseline", baseline, "-f", "sarif"]) == 0
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    kinds = {r["ruleId"]: r["suppressions"][0]["kind"] for r in results}
    assert kinds == {"email": "external", "phone": "inSource"}

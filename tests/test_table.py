"""The table report reads on its own: a header, the field in words, why and what to change for
each finding, a legend for the letters; `--format compact` keeps one line per finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phiguard import Identifier
from phiguard.advice import BY_IDENTIFIER, advice_for
from phiguard.cli import main
from phiguard.models import Finding

POLICY = str(Path(__file__).parent / "cli" / "fixtures" / "patterns-policy.yaml")


def test_every_identifier_has_advice() -> None:
    assert set(BY_IDENTIFIER) == set(Identifier)
    finding = Finding(field="text", start=0, end=3, identifier=Identifier.DATES,
                      entity="AGE_OVER_89", score=0.9, rule_id="r", layer="patterns",
                      explanation="x")
    assert advice_for(finding).what == "an age over 89"
    assert advice_for(finding.model_copy(update={"entity": "DATE"})).what == \
        BY_IDENTIFIER[Identifier.DATES].what


def test_table_names_the_field_says_why_and_what_to_change(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "Thanks for coming!", "--caption", "Our new lobby",
                 "--caption", "Call 415-555-2671", "--policy", POLICY])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["VERDICT", "POST", "WHERE", "(file:line)"]
    assert "a phone number" in out and "in caption 2: '***-***-****'" in out
    assert "why: " in out and "change: remove it" in out
    assert "  D  telephone numbers" in out and "  A  names" not in out  # only letters seen
    assert "415-555-2671" not in out


def test_compact_keeps_one_line_per_finding(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "Call 415-555-2671", "--format", "compact", "--policy", POLICY])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].split()[:2] == ["REVIEW", "-"]
    assert "PHONE_NUMBER" in lines[1] and "rule phone" in lines[1]


def test_a_misspelt_phiguard_allow_is_named_with_the_nearest_rule(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts.jsonl"
    text = "Questions? Call our front desk at 415-555-0123"
    posts.write_text(json.dumps({"id": "a", "text": text, "phiguard_allow": "phone"}) + "\n"
                     + json.dumps({"id": "b", "text": text, "phiguard_allow": "phnoe"}) + "\n",
                     encoding="utf-8")
    assert main(["scan", str(posts), "--policy", POLICY, "--format", "compact"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].split()[:2] == ["PASS", "a"]
    assert "posts.jsonl:2: phiguard_allow names 'phnoe'" in captured.err
    assert "did you mean 'phone'?" in captured.err and "'phone'," not in captured.err

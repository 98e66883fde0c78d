"""The project's own labelled posts (benchmarks/data/posts.jsonl): exact offsets, coverage, and
the gate figures with the example organisation pack.

Floors are the figures measured when the set was written (see benchmarks/data/README.md); they
guard against regressions. The NER layer and its context stages are in the default policy, so
the gate figures depend on them too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import phiguard
from phiguard import Policy

ROOT = Path(__file__).resolve().parents[1]
POSTS = ROOT / "benchmarks" / "data" / "posts.jsonl"
ORG_PACK = ROOT / "rules" / "examples" / "org-example.yaml"
RECORDS = [json.loads(line) for line in POSTS.read_text(encoding="utf-8").splitlines()]
LETTERS = set("ABCDEFGHIJKLMNOPQR")


def _field(record: dict[str, object], name: str) -> str:
    if name == "text":
        return str(record["text"])
    captions = record["captions"]
    assert isinstance(captions, list)
    return str(captions[int(name[len("captions[") : -1])])


def test_the_set_is_regenerated_from_its_source() -> None:
    from benchmarks.data.build_posts import build

    assert build() == RECORDS, "run: python benchmarks/data/build_posts.py"


def test_every_span_matches_its_text() -> None:
    for record in RECORDS:
        for span in record["phi"]:
            assert _field(record, span["field"])[span["start"] : span["end"]] == span["text"], (
                record["id"], span)


def test_size_coverage_and_clean_share() -> None:
    assert len(RECORDS) >= 300
    labels = {span["label"] for r in RECORDS for span in r["phi"]}
    assert labels == LETTERS
    entities = {span.get("entity") for r in RECORDS for span in r["phi"]}
    assert {"RARE_DIAGNOSIS", "PATIENT_STATUS", "IMAGE_IDENTIFIER", "DISTINCTIVE_MARK",
            "BIOMETRIC"} <= entities
    clean = [r for r in RECORDS if not r["phi"]]
    assert len(clean) * 3 >= len(RECORDS)
    assert any(r.get("kind") == "reply" for r in clean)
    assert any(r["captions"] for r in clean)


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[bool, str]]:
    policy = Policy(packs=[str(ORG_PACK)])
    posts = [{k: v for k, v in r.items() if k != "phi"} for r in RECORDS]
    return [(bool(r["phi"]), report.verdict)
            for r, report in zip(RECORDS, phiguard.check_many(posts, policy=policy), strict=True)]


@pytest.mark.evaluation
def test_gate_recall_and_clean_pass_rate(verdicts: list[tuple[bool, str]]) -> None:
    phi = [v for has_phi, v in verdicts if has_phi]
    clean = [v for has_phi, v in verdicts if not has_phi]
    recall = sum(v != "pass" for v in phi) / len(phi)
    clean_pass = sum(v == "pass" for v in clean) / len(clean)
    # An evaluation gate on data the rules were tuned on (pytest -m evaluation): a ratchet, not
    # a unit test. Measured 0.990 and 0.992 after the owner stage took back the organisation's
    # contact details (two posts whose only identifier is a doctor's or agency's fax).
    assert recall >= 0.98
    assert clean_pass >= 0.95


@pytest.mark.evaluation
def test_characteristics_posts_all_gated(verdicts: list[tuple[bool, str]]) -> None:
    characteristic = {"RARE_DIAGNOSIS", "PATIENT_STATUS", "IMAGE_IDENTIFIER", "DISTINCTIVE_MARK",
                      "BIOMETRIC"}
    missed = [r["id"] for r, (_, v) in zip(RECORDS, verdicts, strict=True)
              if v == "pass" and ({s.get("entity") for s in r["phi"]} & characteristic
                                  or any(s["label"] == "Q" for s in r["phi"]))]
    assert missed == []

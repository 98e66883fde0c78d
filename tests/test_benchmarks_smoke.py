"""Smoke tests of the benchmark harness: each command on a tiny input, and the scoring rules on
hand-made examples. They assert what was measured and how it was scored, never how fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a top-level folder, not part of the package
    sys.path.insert(0, str(ROOT))

from benchmarks import datasets, generator, labels, metrics, report  # noqa: E402
from benchmarks.__main__ import main  # noqa: E402
from benchmarks.datasets import LabelledPost, Span  # noqa: E402


def _post(text: str, *gold: tuple[int, int, str, str | None]) -> LabelledPost:
    spans = tuple(Span("text", s, e, label, letter) for s, e, label, letter in gold)
    return LabelledPost("p", text, (), spans)


def test_span_metrics_count_typed_hits_any_hits_and_ignore_neutral_spans() -> None:
    #        0         1         2         3         4
    #        01234567890123456789012345678901234567890123
    text = "Rose Smith went home 3/14, call 415-555-2671"
    post = _post(text, (0, 10, "PTName", "A"), (21, 25, "Date", "C"), (32, 44, "Phone", "D"),
                 (15, 19, "DateYear", None))
    predicted = [
        Span("text", 0, 4, "PERSON", "A"),          # overlaps the name: a typed hit, not exact
        Span("text", 21, 25, "DATE", "C"),          # exact
        Span("text", 32, 44, "FAX_NUMBER", "E"),    # right place, wrong letter
        Span("text", 15, 19, "DATE", "C"),          # only neutral gold: not counted
        Span("text", 11, 14, "PERSON", "A"),        # on no gold at all: a false positive
    ]
    scored = metrics.score([post], [predicted])
    span = scored["letters"]["span"]
    assert (span["A"].gold, span["A"].found, span["A"].predicted, span["A"].correct) == (1, 1, 2, 1)
    assert (span["D"].found, span["E"].predicted, span["E"].correct) == (0, 1, 0)
    # "any" ignores letters: the fax prediction still catches the phone number.
    assert (span["any"].gold, span["any"].found) == (3, 3)
    assert (span["any"].predicted, span["any"].correct) == (4, 3)
    exact = scored["letters"]["exact"]
    assert (exact["A"].found, exact["C"].found) == (0, 1)
    assert "DateYear" not in scored["letters"]["span"]
    # Neutral labels get recall for information, never precision.
    assert scored["labels"]["span"]["DateYear"].found == 1
    assert scored["labels"]["span"]["DateYear"].predicted == 0
    # Tokens: "Rose" found, "Smith" missed by the typed A prediction.
    token = scored["letters"]["token"]
    assert (token["A"].gold, token["A"].found) == (2, 1)
    assert span["A"].recall == 1.0 and span["A"].precision == 0.5
    assert span["A"].f2 == pytest.approx(5 * 0.5 * 1.0 / (4 * 0.5 + 1.0))


def test_label_precision_leaves_sibling_labels_of_the_same_letter_alone() -> None:
    post = _post("Rose and her son Tom visited", (0, 4, "PTName", "A"),
                 (17, 20, "RelativeProxyName", "A"))
    scored = metrics.score([post], [[Span("text", 17, 20, "PERSON", "A"),
                                     Span("text", 21, 28, "PERSON", "A")]])
    labels_span = scored["labels"]["span"]
    assert (labels_span["PTName"].found, labels_span["PTName"].predicted) == (0, 1)
    assert (labels_span["RelativeProxyName"].found,
            labels_span["RelativeProxyName"].correct) == (1, 1)
    assert labels_span["RelativeProxyName"].predicted == 2


def test_a_label_with_counted_and_neutral_spans_reports_them_on_separate_rows() -> None:
    posts = [_post("Rose, 97, and Tom, 53", (6, 8, "AGE", "C"), (18, 20, "AGE", None))]
    scored = metrics.score(posts, [[Span("text", 6, 8, "AGE_OVER_89", "C"),
                                    Span("text", 18, 20, "AGE", "C")]])
    by_label = scored["labels"]["span"]
    assert (by_label["AGE"].gold, by_label["AGE"].found, by_label["AGE"].correct) == (1, 1, 1)
    assert (by_label["AGE (neutral)"].gold, by_label["AGE (neutral)"].predicted) == (1, 0)


def test_safe_harbor_value_rules_in_label_maps() -> None:
    letter = labels.label_mapper(labels.PRESIDIO_SYNTH)
    assert letter("AGE", "97") == "C" and letter("AGE", "53") is None
    assert letter("DATE_TIME", "2014") is None and letter("DATE_TIME", "2/10/1985") == "C"
    assert letter("GPE", "Austria") is None
    own = labels.label_mapper(None)
    assert own("B", "Riverton") == "B" and own("SSN", "219-09-9999") == "G"
    assert own("NAMES", "Rose") == "A"


def test_generator_is_seeded_and_its_spans_match_their_text() -> None:
    first = list(generator.generate(40, seed=3, length=2))
    assert first == list(generator.generate(40, seed=3, length=2))
    assert first != list(generator.generate(40, seed=4, length=2))
    for post in first:
        for span in post["phi"]:
            field = post["text"] if span["field"] == "text" else post["captions"][0]
            assert field[span["start"]:span["end"]] == span["text"]
    assert {s["label"] for p in first for s in p["phi"]} >= {"A", "C"}


def test_jsonl_loader_rejects_a_span_whose_text_does_not_match(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "Call Rose", "captions": [], "phi": [
        {"field": "text", "start": 5, "end": 9, "text": "Ros", "label": "A"}]}) + "\n")
    with pytest.raises(ValueError, match="does not match"):
        datasets.read_jsonl(path)


def _tiny_shared_data(folder: Path) -> None:
    folder.mkdir()
    note = "Pt Rose Smith seen 7/22 by Dr Lee; daughter at 415-555-2671."
    # One note in each half of the split (patients 1 and 3).
    (folder / "physionet-deid-dev.jsonl").write_text("".join(json.dumps({
        "id": f"p{patient}-n1", "text": note, "captions": [], "phi": [
            {"field": "text", "start": 3, "end": 13, "text": "Rose Smith", "label": "PTName"},
            {"field": "text", "start": 19, "end": 23, "text": "7/22", "label": "Date"},
            {"field": "text", "start": 30, "end": 33, "text": "Lee", "label": "HCPName"},
            {"field": "text", "start": 47, "end": 59, "text": "415-555-2671", "label": "Phone"},
        ]}) + "\n" for patient in (1, 3)))
    # social-dev's shape: one post per half, with its group and verdict label.
    (folder / "social-dev.jsonl").write_text("".join(json.dumps({
        "id": f"sd-000{i}", "kind": "post", "text": text, "captions": [], "group": "names",
        "should_block": bool(phi), "phi": phi}) + "\n" for i, text, phi in (
            (1, "Our patient Rose Smith went home today.",
             [{"field": "text", "start": 12, "end": 22, "text": "Rose Smith", "label": "A"}]),
            (2, "Flu shots are free for everyone this Saturday.", []))))
    sentence = "Email rose@example.com before March 3, 2024."
    (folder / "presidio-synth-v2.json").write_text(json.dumps([{
        "full_text": sentence, "spans": [
            {"entity_type": "EMAIL_ADDRESS", "entity_value": "rose@example.com",
             "start_position": 6, "end_position": 22},
            {"entity_type": "DATE_TIME", "entity_value": "March 3, 2024",
             "start_position": 30, "end_position": 43}]}]))


def test_accuracy_command_scores_each_dataset_and_says_what_it_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "shared"
    _tiny_shared_data(data)
    monkeypatch.setattr(datasets, "own_posts_path", lambda: tmp_path / "absent" / "posts.jsonl")
    fresh = tmp_path / "fresh-measure-z.jsonl"
    generator.write_jsonl(fresh.open("w"), generator.generate(3, seed=2))
    monkeypatch.setattr(datasets, "fresh_measure_paths", lambda: [fresh])
    mine = tmp_path / "mine.jsonl"
    generator.write_jsonl(mine.open("w"), generator.generate(5, seed=1))
    out = tmp_path / "results"
    assert main(["accuracy", "--data", str(data), "--dataset", str(mine), "--out", str(out),
                 "--systems", "phiguard-patterns,presidio"]) == 0
    results = json.loads((out / "accuracy.json").read_text())
    assert "posts.jsonl not found" in results["skipped"]["posts"]
    assert "not found" in capsys.readouterr().err
    assert set(results["datasets"]) >= {"physionet:tune", "physionet:measure",
                                        "social-dev:tune", "social-dev:measure",
                                        "fresh-measure-z", "presidio-synth", "mine"}
    # Each half's gate figures, per group, beside the span scores.
    assert results["datasets"]["social-dev:tune"]["gate"]["presidio"]["names"]["phi"] == 1
    measure_gate = results["datasets"]["social-dev:measure"]["gate"]
    assert measure_gate["phiguard-patterns"]["all"]["clean"] == 1
    synth = results["datasets"]["presidio-synth"]["results"]
    assert set(synth) >= {"phiguard-patterns", "presidio"}
    # Both identifiers are plain patterns: the pattern layer finds the email.
    assert synth["phiguard-patterns"]["letters"]["span"]["F"]["found"] == 1
    physionet = results["datasets"]["physionet:tune"]
    # HCPName is neutral by default: 3 counted spans of 4.
    assert (physionet["gold_spans"], physionet["counted_spans"]) == (4, 3)
    assert (out / "accuracy.md").read_text().startswith("*posts: skipped")
    assert "The honest loop" in (out / "accuracy.md").read_text()
    # `report` writes the saved tables between the markers of the docs page, and nothing else.
    docs = tmp_path / "benchmarks.md"
    docs.write_text("intro\n<!-- BEGIN accuracy -->\nSTALE TABLE\n<!-- END accuracy -->\noutro\n")
    monkeypatch.setattr(report, "DOCS", docs)
    assert main(["report", "--out", str(out)]) == 0
    text = docs.read_text()
    assert text.startswith("intro\n<!-- BEGIN accuracy -->\n*posts: skipped")
    assert "| presidio-synth | phiguard-patterns |" in text and "STALE TABLE" not in text
    assert text.endswith("<!-- END accuracy -->\noutro\n")


def test_accuracy_command_skips_shared_datasets_when_the_folder_is_absent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "own_posts_path", lambda: tmp_path / "posts.jsonl")
    monkeypatch.setattr(datasets, "fresh_measure_paths", lambda: [])
    out = tmp_path / "results"
    assert main(["accuracy", "--data", str(tmp_path / "nowhere"), "--out", str(out),
                 "--systems", "phiguard-patterns"]) == 0
    results = json.loads((out / "accuracy.json").read_text())
    assert set(results["skipped"]) == {"posts", "social-dev:tune", "social-dev:measure",
                                       "physionet:tune", "physionet:measure", "presidio-synth"}
    assert results["datasets"] == {}


def test_accuracy_refuses_to_update_the_docs_from_a_partial_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("<!-- BEGIN accuracy -->\nKEEP\n<!-- END accuracy -->\n")
    monkeypatch.setattr(report, "DOCS", docs)
    monkeypatch.setattr(datasets, "own_posts_path", lambda: tmp_path / "posts.jsonl")
    monkeypatch.setattr(datasets, "fresh_measure_paths", lambda: [])
    with pytest.raises(SystemExit, match="refusing --update-docs: datasets were skipped"):
        main(["accuracy", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r"),
              "--systems", "phiguard-patterns", "--update-docs"])
    assert "KEEP" in docs.read_text()


def test_speed_command_measures_every_system_in_one_run(tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert main(["speed", "--quick", "--systems", "phiguard-patterns,presidio,spacy",
                 "--out", str(out)]) == 0
    results = json.loads((out / "speed.json").read_text())
    assert results["failed"] == {}
    assert list(results["systems"]) == ["phiguard-patterns", "presidio", "spacy"]
    for entry in results["systems"].values():
        assert entry["check"]["posts_per_s"] > 0 and entry["check_many"]["posts_per_s"] > 0
        assert entry["cold"]["peak_rss_mb"] > 0
        assert list(entry["lengths"]) == ["1x", "3x"]
    assert set(results["systems"]["phiguard-patterns"]["n_process"]) == {
        "n_process=1", "n_process=2"}
    assert "check_many posts/s" in (out / "speed.md").read_text()


def test_the_fresh_measuring_sets_are_built_in() -> None:
    names = set(datasets.builtin())
    assert {path.stem for path in datasets.fresh_measure_paths()} <= names
    assert {"fresh-measure-a", "fresh-measure-b", "fresh-measure-c"} <= names

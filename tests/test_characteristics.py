"""Unique identifying characteristics, each positive and negative, with the default policy."""

from __future__ import annotations

from typing import Any

import pytest

import phiguard
from phiguard import Policy
from phiguard.errors import RulePackError
from phiguard.rulepacks.loader import load_rulepack


def _flagged(post: Any, policy: Policy | None = None) -> tuple[str, set[str]]:
    report = phiguard.check(post, policy=policy)
    return report.verdict, {f.entity for f in report.flagged}


def _reply(text: str, review: str = "Not happy with my visit.") -> dict[str, str]:
    return {"kind": "reply", "in_reply_to": review, "text": text}


@pytest.mark.parametrize("text", [
    "Rare Disease Day: learn about Fabry disease and Marfan syndrome at our genetics fair.",
    "Huntington’s disease support group meets the first Tuesday of the month.",
    "Our patients with sickle cell disease can now get infusions closer to home.",
    "Did you know? MELAS is a mitochondrial disorder; our clinic treats adults and children.",
])
def test_rare_diagnosis_alone_is_an_awareness_post(text: str) -> None:
    assert _flagged(text) == ("pass", set())


def test_rare_diagnosis_tied_to_a_patient_is_reviewed() -> None:
    verdict, entities = _flagged("Our patient with Fabry disease ran the hospital 5K!")
    assert verdict == "review"
    assert "RARE_DIAGNOSIS" in entities


def test_rare_diagnosis_town_and_age_block_and_are_reported() -> None:
    report = phiguard.check(
        "A 4-year-old from the town of Hollis Creek has Niemann-Pick disease type C.")
    assert report.verdict == "block"
    assert {"RARE_DIAGNOSIS", "AGE", "PLACE"} <= {f.entity for f in report.flagged}
    (combination,) = report.combinations
    assert combination.verdict == "block"
    assert {"RARE_DIAGNOSIS", "PLACE", "AGE"} <= set(combination.entities)


def test_score_rises_with_each_quasi_identifier() -> None:
    def score(text: str) -> float:
        return max(f.score for f in phiguard.check(text).flagged
                   if f.entity == "RARE_DIAGNOSIS")

    one = score("Our patient has Moebius syndrome.")
    two = score("Our patient, 34, has Moebius syndrome.")
    assert one < two


def test_short_forms_and_acronyms_match_but_not_in_lower_case() -> None:
    assert "RARE_DIAGNOSIS" in _flagged("My son has DMD and loves the therapy pool.")[1]
    assert "RARE_DIAGNOSIS" in _flagged("My daughter has progeria; she is our hero.")[1]
    assert "RARE_DIAGNOSIS" not in _flagged("My son and his pals dmd each other all day.")[1]


@pytest.mark.parametrize("written", [
    "Treacher Collins syndrome",    # the list spells it "Treacher-Collins"
    "sindrome de Rett",             # an eponym the Spanish way, without its accent
    "Guillain-Barre syndrome",      # the list spells it with "é"
])
def test_a_disease_matches_however_its_hyphens_and_accents_are_written(written: str) -> None:
    assert "RARE_DIAGNOSIS" in _flagged(f"Meet Lucia, who has {written}.")[1]


def test_one_of_our_patients_refers_to_one_patient() -> None:
    verdict, flagged = _flagged("Say hi to Gus, one of our longtime Fabry disease patients.")
    assert verdict == "block"
    assert {"RARE_DIAGNOSIS", "PATIENT_REF"} <= flagged


def test_eponymous_disease_is_not_a_name() -> None:
    assert _flagged("Learn about Gaucher disease at our clinic.") == ("pass", set())


def test_consent_statement_clears_a_patient_story() -> None:
    story = "Our patient with cystic fibrosis, a 12-year-old, shared her story"
    assert phiguard.check(story + ".").verdict == "block"
    assert phiguard.check(story + " with her family's permission.").verdict == "pass"


# ---- patient status: replies to reviews --------------------------------------------------------
@pytest.mark.parametrize("text", [
    "We're sorry your root canal was uncomfortable.",
    "As our records show, you missed your appointment on the 14th.",
    "Thanks for trusting us with your knee replacement! Enjoy those walks.",
    "We hope your mom's recovery is going well after her stay.",
    "Dr. Lee loved treating you and says keep up the stretches!",
    "You were seen by our busiest doctor that day.",
])
def test_reply_confirming_the_reviewer_was_a_patient_blocks_without_a_name(text: str) -> None:
    report = phiguard.check(_reply(text))
    assert report.verdict == "block"
    assert "PATIENT_STATUS" in {f.entity for f in report.flagged}


@pytest.mark.parametrize("text", [
    "We're sorry to hear about your experience. Please call our patient advocate at 555-0100.",
    "To protect your privacy we cannot discuss your care online; please contact us.",
    "Thank you for the kind words! We will share them with our team.",
    "Thanks for your feedback; please email our patient relations team.",
])
def test_generic_replies_pass(text: str) -> None:
    assert "PATIENT_STATUS" not in _flagged(_reply(text))[1]


def test_same_words_outside_a_reply_are_not_a_disclosure() -> None:
    assert _flagged("Book your appointment online or schedule your mammogram in the app.") == (
        "pass", set())


def test_top_level_post_to_a_handle_is_a_disclosure() -> None:
    verdict, entities = _flagged("@kaylee_runs thank you for trusting us with your surgery!")
    assert verdict == "block"
    assert "PATIENT_STATUS" in entities


# ---- images described in captions and alt text ------------------------------------------------
@pytest.mark.parametrize(("caption", "entity", "letter"), [
    ("Smiling patient with a birthday cake", "PATIENT_PICTURED", "Q"),
    ("Close-up of our NICU grad, face clearly visible", "FACE_IN_IMAGE", "Q"),
    ("Nurses at the station, whiteboard visible behind them", "IMAGE_IDENTIFIER", "R"),
    ("Thumbs up, wristband showing her name and date of birth", "IMAGE_IDENTIFIER", "R"),
    ("Patient flexing, his dragon tattoo visible on his arm", "DISTINCTIVE_MARK", "R"),
])
def test_identifying_image_descriptions(caption: str, entity: str, letter: str) -> None:
    report = phiguard.check({"text": "Great day!", "captions": [caption]})
    assert report.verdict != "pass"
    assert (entity, letter) in {(f.entity, f.identifier.value) for f in report.flagged}


@pytest.mark.parametrize("caption", [
    "Patient photographed from behind, walking with her nurse",
    "Baby's face blurred for privacy, tiny cap and gown",
    "Five nurses posing in the break room, staff only",
    "Nurses at the station; the whiteboard is blurred",
    "A demo wristband showing a name and date of birth, used in training",
    "Kids at the temporary tattoo and face painting booth",
    "Our radiology techs next to the new scanner",
])
def test_safe_image_descriptions_pass(caption: str) -> None:
    assert _flagged({"text": "Great day!", "captions": [caption]}) == ("pass", set())


def test_patient_in_text_is_not_a_pictured_patient() -> None:
    assert _flagged({"text": "Our patients love the garden.", "captions": ["Roses in bloom"]}) == (
        "pass", set())


def test_consent_on_file_clears_a_pictured_patient() -> None:
    caption = "Patient ringing the bell"
    assert phiguard.check({"text": "Bell day!", "captions": [caption]}).verdict == "review"
    assert phiguard.check({"text": "Bell day!", "captions": [caption + ", consent on file"]}
                          ).verdict == "pass"
    assert phiguard.check({"text": "Bell day! Photo shared with permission.",
                           "captions": [caption]}).verdict == "pass"


def test_voice_recording_and_fingerprint_of_a_patient_are_biometric() -> None:
    report = phiguard.check("Listen to the voice recording of her first words after surgery.")
    assert ("BIOMETRIC", "P") in {(f.entity, f.identifier.value) for f in report.flagged}
    assert _flagged("Staff: the new fingerprint time clock is live.") == ("pass", set())


def test_cues_are_inert_without_the_stage() -> None:
    policy = Policy(layers=["patterns"])
    assert _flagged(_reply("We're sorry your root canal hurt."), policy) == ("pass", set())


def test_only_in_with_an_unknown_field_is_a_pack_error(tmp_path: Any) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(
        "pack: bad\nrules:\n  - id: x\n    identifier: R\n    entity: X\n    message: x\n"
        "    lists: {only_in: [alt]}\n    patterns: [{regex: 'x', score: 0.5}]\n",
        encoding="utf-8")
    load_rulepack(pack)
    with pytest.raises(RulePackError, match="only_in"):
        phiguard.check("x", policy=Policy(packs=[str(pack)]))


# ---- the lexicon layer -------------------------------------------------------------------------
def _lexicon_terms(text: str) -> list[str]:
    report = phiguard.check(f"Our patient with {text} is home.")
    post_text = f"Our patient with {text} is home."
    return [post_text[f.start : f.end] for f in report.flagged if f.entity == "RARE_DIAGNOSIS"]


@pytest.mark.parametrize(("text", "expected"), [
    ("HUTCHINSON-GILFORD PROGERIA SYNDROME", "HUTCHINSON-GILFORD PROGERIA SYNDROME"),
    ("Niemann-Pick disease type C", "Niemann-Pick disease type C"),  # longest term wins
    ("two neuroblastomas", "neuroblastomas"),  # plural
    ("Down’s syndrome", "Down’s syndrome"),  # typographic apostrophe
])
def test_lexicon_matches_case_insensitively_longest_first(text: str, expected: str) -> None:
    assert _lexicon_terms(text) == [expected]


@pytest.mark.parametrize("text", ["pre-Fabry changes", "Fabryville", "a plague of flies"])
def test_lexicon_needs_whole_words_and_skips_the_stoplist(text: str) -> None:
    assert _lexicon_terms(text) == []


def test_lexicon_finds_every_occurrence_of_a_long_repeated_input() -> None:
    from datetime import date

    from phiguard.detectors.base import FieldText
    from phiguard.detectors.lexicon import LexiconDetector
    from phiguard.models import Post
    from phiguard.normalize import normalize

    text = "fabry disease " * 1400
    field = FieldText(Post(text=text), 0, "text", normalize(text), date(2025, 1, 1))
    (found,) = LexiconDetector(load_rulepack("unique-characteristics")).detect([field])
    assert len(found) == 1400
    assert {text[c.start : c.end] for c in found} == {"fabry disease"}
    assert phiguard.check(text).verdict == "pass"  # a diagnosis alone, however often


def test_a_weaker_reading_of_the_same_words_joins_no_combination() -> None:
    # "Lusk" is a town (gazetteer) and, to the model, a person: a face in the caption must
    # not raise the person reading of the town over the place.
    text = "Our patient rode the parade float through Lusk today."
    report = phiguard.check(phiguard.Post(text=text,
                                          captions=["A boy waves to the camera from the float."]))
    town = [f.identifier.value for f in report.flagged
            if f.field == "text" and text[f.start:f.end] == "Lusk"]
    assert town == ["B"]

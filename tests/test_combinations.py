"""Combined risk: matching rules, configuration in the policy, and the verdict following it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import phiguard
from phiguard import Policy, Post
from phiguard.combinations import DEFAULT_QUASI_IDENTIFIERS as QUASI
from phiguard.combinations import CombinationSpec, Signal, match_combinations


def _names(signals: list[Signal], post: Post | None = None) -> list[str]:
    post = post or Post(text="x")
    return [m.spec.name for m in match_combinations(
        signals, post, Policy().combinations, QUASI)]


def test_letters_and_entities_both_make_groups() -> None:
    signals = [Signal("RARE_DIAGNOSIS", "R", "text", 0, 5), Signal("PERSON", "A", "text", 10, 14)]
    assert _names(signals) == ["rare diagnosis + name"]


def test_two_quasi_identifiers_beat_one_and_the_weaker_is_not_repeated() -> None:
    signals = [Signal("RARE_DIAGNOSIS", "R", "text", 0, 5), Signal("AGE", "R", "text", 10, 12),
               Signal("PLACE", "B", "text", 20, 28)]
    assert _names(signals) == ["rare diagnosis + two quasi-identifiers"]
    assert _names(signals[:2]) == ["rare diagnosis tied to a person"]
    assert _names(signals[:1]) == []


def test_overlapping_signals_count_once_the_longest() -> None:
    # A name model reading "Hutchinson" inside the disease name adds no name.
    signals = [Signal("RARE_DIAGNOSIS", "R", "text", 0, 36), Signal("PERSON", "A", "text", 0, 10)]
    assert _names(signals) == []


def test_reply_is_a_virtual_group() -> None:
    spec = CombinationSpec(name="handle in a reply", all_of=["NAME", "REPLY"], verdict="review")
    handle = [Signal("HANDLE", "R", "text", 0, 5)]
    assert match_combinations(handle, Post(text="x"), [spec], QUASI) == []
    reply = Post(text="x", kind="reply", in_reply_to="bad visit")
    assert [m.spec.name for m in match_combinations(handle, reply, [spec], QUASI)] == [
        "handle in a reply"]


def test_caption_combination_needs_its_subject_in_a_caption() -> None:
    in_text = [Signal("PATIENT_PICTURED", "Q", "text", 0, 7)]
    in_caption = [Signal("PATIENT_PICTURED", "Q", "captions[0]", 0, 7)]
    assert _names(in_text) == []
    assert _names(in_caption) == ["patient pictured"]


def test_a_policy_can_add_a_combination_and_the_verdict_follows() -> None:
    text = "Our patient, a 34-year-old, finished treatment."
    # The patient model alone would send this story to review: off, to see the combination.
    assert phiguard.check(text, policy=Policy(patient_model=False)).verdict == "pass"
    policy = Policy(patient_model=False, combinations=[CombinationSpec(
        name="patient + age", all_of=["PATIENT", "AGE"], verdict="block")])
    report = phiguard.check(text, policy=policy)
    assert report.verdict == "block"
    assert [c.name for c in report.combinations] == ["patient + age"]
    assert {"PATIENT_REF", "AGE"} <= {f.entity for f in report.flagged}


def test_a_policy_can_turn_combinations_off() -> None:
    post = "Our patient with Fabry disease, a 34-year-old, is doing well."
    assert phiguard.check(post).verdict == "block"
    # Without the combinations nothing here blocks (the patient model alone still asks for a
    # look at a post it is sure is about a patient, so it is off here).
    off = Policy(combinations=[], patient_model=False)
    assert phiguard.check(post, policy=off).verdict == "pass"
    assert phiguard.check(post, policy=Policy(combinations=[])).verdict != "block"


def test_policy_groups_are_configurable() -> None:
    text = "Our patient with Fabry disease, a 34-year-old, is doing well."
    policy = Policy(quasi_identifiers={**QUASI, "AGE": []})
    assert phiguard.check(text).verdict == "block"
    assert phiguard.check(text, policy=policy).verdict == "review"


def test_unreachable_combination_is_a_config_error() -> None:
    with pytest.raises(ValidationError):
        CombinationSpec(name="x", all_of=["A"], any_of=["B"], at_least=2, verdict="block")


def test_combinations_from_a_policy_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "policy.yaml"
    path.write_text(
        "combinations:\n  - name: patient + date\n    all_of: [PATIENT, DATE]\n"
        "    verdict: review\n", encoding="utf-8")
    policy = Policy.from_file(path)
    assert [c.name for c in policy.combinations] == ["patient + date"]


def test_a_named_person_with_a_readable_wristband_blocks() -> None:
    image = phiguard.check({"text": "Meet Jake, who beat his cancer.",
                            "captions": ["Jake in his hospital bed, wristband visible"]})
    alone = phiguard.check({"text": "Meet Jake, who beat his cancer.",
                            "captions": ["A hospital bed by a sunny window"]})
    assert image.verdict == "block"
    assert "readable identifier in image + name" in [c.name for c in image.combinations]
    assert alone.verdict == "review"


def test_the_clinical_profile_weighs_no_subject_cues() -> None:
    # In a chart every line is about its patient: "her son" is no cue, the town is PHI alone.
    note = "SOCIAL: LIVES WITH HER SON IN ROCKVILLE. THE PATIENT IS ALERT."
    clinical = phiguard.check(note, policy=Policy.clinical())
    flagged = {note[f.start:f.end] for f in clinical.flagged}
    assert "ROCKVILLE" in flagged
    assert not {"HER SON", "THE PATIENT"} & flagged
    social = phiguard.check(note)
    assert "patient + place" in {c.name for c in social.combinations}

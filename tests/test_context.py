"""Places and dates in context: PHI when tied to a person, not in announcements."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiguard import ConfigError, Policy, check


def _by_text(text: str, identifier: str, policy: Policy | None = None) -> dict[str, str]:
    report = check(text, policy=policy)
    return {text[f.start:f.end]: f.status for f in report.findings
            if f.identifier == identifier}


def test_event_date_in_an_announcement_is_not_phi() -> None:
    text = "Flu clinic Saturday 9-1 in the main lobby. Join us on March 3!"
    report = check(text)
    assert report.verdict == "pass"
    dates = [f for f in report.findings if f.identifier == "C"]
    assert dates and all(f.status == "suppressed" for f in dates)
    assert any("event date" in f.explanation for f in dates)


def test_patient_date_is_phi_and_says_why() -> None:
    text = "Our patient Rosa was admitted on March 3 and discharged yesterday."
    report = check(text)
    dates = {text[f.start:f.end]: f for f in report.flagged if f.identifier == "C"}
    assert set(dates) >= {"March 3", "yesterday"}
    assert "individual's event" in dates["March 3"].explanation
    assert report.verdict == "block"


def test_relative_day_without_a_person_is_not_phi() -> None:
    assert _by_text("We are closed this weekend for the holiday.", "C") in (
        {}, {"this weekend": "suppressed"})


def test_place_named_with_a_person_is_phi_states_are_not() -> None:
    text = "Our patient Jaxon Miller is back home in Springfield, Illinois."
    places = _by_text(text, "B")
    assert places.get("Springfield") == "flagged"
    assert "Illinois" not in places


def test_place_without_a_person_is_not_phi() -> None:
    assert _by_text("Our new clinic in Springfield opens Monday.", "B") == {
        "Springfield": "suppressed"}


@pytest.mark.parametrize("text", [
    "Steel is up on our new patient tower in Springfield, opening next spring.",
    "Patient Relations has moved to the Springfield clinic, first floor.",
])
def test_patient_before_a_building_or_department_word_describes_no_person(text: str) -> None:
    assert _by_text(text, "B") == {"Springfield": "suppressed"}


def test_organisation_campus_is_allowlisted() -> None:
    text = "Our patient Jaxon Miller is visiting our Oak Park campus garden."
    assert _by_text(text, "B") == {"Oak Park": "flagged"}
    policy = Policy(allow_terms=["Oak Park campus, 1 Main Street"])
    places = _by_text(text, "B", policy)
    assert places and set(places.values()) == {"suppressed"}


def test_clinical_profile_counts_every_date() -> None:
    text = "CXR done 7/22. Repeat labs 7/23."
    social = _by_text(text, "C")
    clinical = _by_text(text, "C", Policy.clinical())
    assert clinical == {"7/22": "flagged", "7/23": "flagged"}
    assert set(social) == {"7/22", "7/23"}


def test_places_from_transfer_and_facility_cues_in_a_chart() -> None:
    text = "pt sent to lakeview from fairview regional. lives in brookdale. back to lakeview."
    report = check(text, policy=Policy.clinical())
    places = [text[f.start:f.end] for f in report.flagged if f.identifier == "B"]
    assert {"lakeview", "fairview regional", "brookdale"} <= set(places)
    assert places.count("lakeview") == 2


def test_unit_names_and_acronyms_are_not_places() -> None:
    text = "Pt transferred to the MICU from the floor. Babies born early do well in NICUs."
    assert {k: v for k, v in _by_text(text, "B", Policy.clinical()).items()
            if v == "flagged"} == {}


def test_patient_history_date_is_not_an_event_date() -> None:
    text = "Our patient has come to dialysis every Tuesday since June 2, 2018."
    assert _by_text(text, "C").get("June 2, 2018") == "flagged"


def test_a_bare_number_the_model_calls_a_date_is_no_date() -> None:
    # en_core_web_sm tags "54" and "2130" here as DATE; they are a lab value and a clock time.
    text = "Our patient Maria Lopez had a glucose of 54 at 2130 and went home."
    report = check(text)
    assert "Maria Lopez" in [text[f.start:f.end] for f in report.flagged]
    assert [f for f in report.findings if f.identifier == "C"] == []


def test_a_room_or_an_age_the_model_calls_a_date_is_no_date() -> None:
    # en_core_web_sm tags "Room 12" and "age 7" here as DATE: a room (R) and an age under 90.
    text = ("This year's champion isn't staff at all: it's Sophie in Room 12, age 7, who "
            "turned her door into a gingerbread house.")
    found = {text[f.start:f.end]: f.identifier for f in check(text).flagged}
    assert found.get("Room 12") == "R"
    assert "age 7" not in found


def test_explanations_do_not_change_with_the_hash_seed() -> None:
    # Cue lists may be built from sets; the explanation names the cue nearest the span, so two
    # runs of one post give one text (a golden file or a SARIF diff would flap otherwise).
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json, phiguard\n"
        "posts = ['Mia was delivered on 3/14/2024 and went home with her mom the next day.',\n"
        "         'Register now for the 5K and support group conference on June 3, 2025.']\n"
        "print(json.dumps([[f.explanation for f in phiguard.check(p).findings] for p in posts]))\n")
    runs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, check=True).stdout
        runs.append(json.loads(out))
    assert runs[0] == runs[1] == runs[2]
    assert any("'delivered'" in e or "'went home'" in e for e in runs[0][0])


def test_a_policy_of_fewer_packs_keeps_the_stages_vocabulary() -> None:
    # The context stages declare the word lists they need; a policy without the names pack
    # gets them from it rather than deciding with empty lists (a state flagged as a place, a
    # public figure flagged as a patient).
    text = "Baby Emma went home to Texas with her mom. Barack Obama sent a card."
    default = _by_text(text, "B") | _by_text(text, "A")
    fewer = Policy(packs=["safe-harbor"])
    alone = _by_text(text, "B", fewer) | _by_text(text, "A", fewer)
    assert "Texas" not in default and "Texas" not in alone
    assert default.get("Barack Obama") == alone.get("Barack Obama") == "suppressed"


def test_a_stage_whose_lists_no_pack_defines_is_an_error(tmp_path: Path) -> None:
    from phiguard.detectors.vocabulary import stage_lists
    from phiguard.rulepacks.loader import load_rulepack

    home = tmp_path / "home.yaml"
    home.write_text("pack: home\nlists:\n  relations: [son]\n", encoding="utf-8")
    pack = load_rulepack("safe-harbor")
    lists = stage_lists("name-context", ["relations"], Policy(), pack, home=str(home))
    assert lists["relations"] == frozenset({"son"})
    with pytest.raises(ConfigError, match="name-context layer needs the word lists "
                                          "public_figures"):
        stage_lists("name-context", ["relations", "public_figures"], Policy(), pack,
                    home=str(home))


def test_a_patients_employer_is_a_name() -> None:
    text = ("Our pre-auth team resubmitted your husband's surgery request through his employer "
            "plan with Hanover Steel.")
    assert _by_text(text, "A").get("Hanover Steel") == "flagged"


def test_workers_compensation_makes_the_organisation_an_employer() -> None:
    # A workers' comp claim is filed with the injured person's employer.
    text = ("Your workers' comp forms for Hanover Steel went out today, and your hand x-ray "
            "is in the portal.")
    assert _by_text(text, "A").get("Hanover Steel") == "flagged"


def test_an_organisation_with_no_word_of_employment_is_no_employer() -> None:
    text = "Our pre-auth team resubmitted your husband's surgery request to Hanover Steel."
    assert "Hanover Steel" not in _by_text(text, "A")

"""The owner stage: whose identifier it is, one named filter at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiguard import ConfigError, Policy, Post, check


def _flagged(text: str, policy: Policy | None = None) -> set[str]:
    return {f.entity for f in check(text, policy=policy).flagged}



def _found(post: Post | str, letter: str) -> list[str]:
    """The flagged texts of one Safe Harbor letter in a post."""
    post = Post(text=post) if isinstance(post, str) else post
    return [post.text[f.start:f.end] for f in check(post).flagged if f.identifier == letter]

def test_the_organisations_own_contact_details_pass() -> None:
    text = ("Questions about your bill? Call our billing office at (415) 555-0142 or write to "
            "billing@harborviewhealth.org.")
    report = check(text)
    assert report.verdict == "pass"
    assert {f.entity for f in report.findings} >= {"PHONE_NUMBER", "EMAIL_ADDRESS"}
    assert all("organisation's own contact details" in f.explanation for f in report.findings
               if f.entity in ("PHONE_NUMBER", "EMAIL_ADDRESS"))


def test_a_persons_contact_details_are_flagged() -> None:
    assert "PHONE_NUMBER" in _flagged("Our patient Ana went home today; her cell is "
                                      "(415) 555-0199.")
    assert "EMAIL_ADDRESS" in _flagged("Send well-wishes to the family at "
                                       "ana.reyes.family@gmail.com and we will print them.")


@pytest.mark.parametrize(("text", "number"), [
    ("So sorry! Our nurse will call you back later this afternoon at 608-555-0131 about "
     "your results.", "608-555-0131"),
    ("Glad she's home! The social worker will phone your son tomorrow at 608-555-0132.",
     "608-555-0132"),
    ("Lo sentimos. Nuestra enfermera la llamó tres veces ayer al 608-555-0133 por sus "
     "resultados.", "608-555-0133"),
    # The organisation reaching a number with no person word: "we left a voicemail at".
    ("Sorry for the wait! Your results are in, and we left a voicemail at 608-555-0134 this "
     "morning.", "608-555-0134"),
    ("So sorry about the bill. A billing rep will call 608-555-0135 with the itemized "
     "statement.", "608-555-0135"),
])
def test_where_we_reach_a_person_is_their_number(text: str, number: str) -> None:
    reply = Post(text=text, kind="reply", in_reply_to="Still waiting on a call about my results.")
    assert number in _found(reply, "D")


@pytest.mark.parametrize("text", [
    "So sorry! Please call us back this afternoon at 608-555-0100 about your question.",
    "Lo sentimos. Por favor llame a nuestra oficina mañana al 608-555-0100.",
    # "la" after the verb is an article, not the person reached.
    "Lo sentimos. Puede llamar a la farmacia al 608-555-0100 antes de venir.",
    # "them" after words of ours is our team; an office between them and the number is ours.
    "Our financial counselors can check your coverage first; reach them at 608-555-0100.",
    "Our chaplains are here for every faith. Reach them through the operator at 608-555-0100.",
    # A word of a web address is no cue ("/mobile" is not a mobile number).
    "The full schedule is at example-health.org/mobile or call 608-555-0100.",
])
def test_where_a_person_reaches_us_is_our_number(text: str) -> None:
    reply = Post(text=text, kind="reply", in_reply_to="Still waiting on a call about my results.")
    assert "608-555-0100" not in _found(reply, "D")


def test_a_post_about_no_patient_discloses_no_patients_details() -> None:
    text = "Congrats to Tamsin Okoro, winner of our Greenest Commute challenge this March!"
    report = check(text)
    assert report.verdict == "pass"
    # Taken back by `no-patient`, or by `patient-model` when the model is sure of it.
    assert any("no patient" in f.explanation for f in report.findings)


def test_the_same_name_in_a_patients_post_is_flagged() -> None:
    assert "PERSON" in _flagged("Congrats to Tamsin Okoro, who walked out of our ICU today "
                                "after six weeks!")


def test_a_staff_members_birthday_is_no_patients() -> None:
    assert check("Happy 91st birthday to Dr. Stanley Vukovich, who still teaches grand rounds "
                 "every Thursday!").verdict == "pass"
    assert check("Happy 97th birthday, Rose Alvarez!").verdict == "block"


def test_patient_name_and_patient_date_raise_cues_in_a_patients_post() -> None:
    text = ("Bartholomew completed a full lap of the hallway today, three weeks after his hip "
            "surgery.")
    report = check(text)
    raised = {f.rule_id for f in report.flagged}
    assert {"name-capitalised", "relative-date"} <= raised
    # ... and the same words in a schedule raise nothing.
    assert check("Bartholomew Park hosts our summer concert today at noon.").verdict == "pass"


def test_a_schedule_word_beside_a_named_person_dates_their_care() -> None:
    # "clinic" and "visit" are a schedule's words, but the visit is hers.
    text = "We can't wait to see Marisol at her clinic visit next month, cast off and all!"
    dates = [text[f.start:f.end] for f in check(text).flagged if f.identifier == "C"]
    assert dates == ["next month"]
    assert check("Our walk-in clinic opens on Saturdays next month for flu shots.").verdict \
        == "pass"


def test_a_filter_can_be_switched_off_and_a_misspelt_one_is_refused() -> None:
    text = "Call our front desk at (415) 555-0142 with any questions."
    assert check(text).verdict == "pass"
    policy = Policy(disabled_filters=["organisation-contact", "no-patient", "patient-model"])
    assert check(text, policy=policy).verdict != "pass"
    with pytest.raises(ConfigError, match="unknown filters"):
        check(text, policy=Policy(disabled_filters=["no-patients"]))


def test_a_contact_beside_a_patients_name_is_theirs() -> None:
    text = ("The oncology reminder list on the screen shows Philippa Drummond-Oyelowo "
            "(208) 555-0172 for her chemo visit.")
    assert "PHONE_NUMBER" in {f.entity for f in check(text).flagged}
    # The same number after the organisation's routing words, and no one named: the hospital's.
    assert "PHONE_NUMBER" not in {f.entity for f in check(
        "Questions about your chemo visit? Our oncology desk is at (208) 555-0172.").flagged}


def test_the_fields_of_one_record_are_one_persons() -> None:
    # "·" parts the fields of a screen's record, not two sentences: the number is the named
    # patient's.
    post = Post(text="Philippa went home today after her hip surgery!", captions=[
        "The discharge board reads 'Philippa Drummond-Oyelowo · (208) 555-0172 · ride at 3'."])
    assert "(208) 555-0172" in [post.captions[0][f.start:f.end] for f in check(post).flagged
                                if f.identifier == "D"]


def test_the_patient_model_outweighs_words_of_care_in_a_post_about_staff() -> None:
    text = ("Volunteer of the year: Marguerite Olsen, 93, a retired nurse, has knitted caps for "
            "our NICU babies every week since 2011. Want to join her? Email "
            "volunteer@example.org")
    # staff-age would take the age back first: this test is the model's.
    report = check(text, policy=Policy(disabled_filters=["staff-age"]))
    assert report.verdict == "pass"
    age = next(f for f in report.findings if f.entity == "AGE_OVER_89")
    assert "patient model score" in age.explanation
    # The word lists alone take the NICU for a patient's care and the age for a patient's.
    assert check(text, policy=Policy(patient_model=False, disabled_filters=["staff-age"])) \
        .verdict != "pass"
    assert check(text, policy=Policy(disabled_filters=["patient-model", "staff-age"])) \
        .verdict != "pass"


def test_the_patient_model_finds_a_patient_no_listed_word_names() -> None:
    text = ("One year ago today Desmond got the call that a new kidney was waiting for him. "
            "This weekend he coached his first Little League game!")
    assert "PERSON" in _flagged(text)


def test_a_missing_patient_model_blocks_the_post(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    from phiguard.context.patient_model import MODEL
    from phiguard.detectors.pipelines import BoundedPipeline

    monkeypatch.setattr(MODEL, "directory", lambda: tmp_path)
    monkeypatch.setattr(MODEL, "pipeline", BoundedPipeline(MODEL.load))
    report = check("Our volunteers knitted 400 caps this winter.")
    assert report.verdict == "block"
    assert [f.entity for f in report.findings] == ["DETECTOR_ERROR"]


def test_a_post_surely_about_a_patient_with_nothing_found_goes_to_review() -> None:
    text = ("After 19 days on ECMO, our little fighter walked out of the CVICU on his own two "
            "feet and went home to his dog.")
    report = check(text)
    assert report.verdict == "review"
    [finding] = report.flagged
    assert (finding.entity, finding.start, finding.end) == ("PATIENT_POST", 0, 0)
    assert check(text, policy=Policy(patient_model=False)).verdict == "pass"
    # The same vocabulary about staff raises nothing.
    assert check("Our CVICU nurses completed their ECMO certification this spring.").verdict \
        == "pass"


def test_data_marked_as_made_up_is_no_ones() -> None:
    caption = ("Alt text: a training mannequin in a hospital bed wears a band that reads "
               "'SMITH, ALEX  MRN 0000000'.")
    report = check({"text": "Skills day for our new graduate nurses!", "captions": [caption]})
    assert report.verdict == "pass"
    assert any("made up" in f.explanation for f in report.findings)
    policy = Policy(disabled_filters=["demo-data"])
    assert check({"text": "Skills day for our new graduate nurses!", "captions": [caption]},
                 policy=policy).verdict != "pass"


@pytest.mark.parametrize(("text", "caption"), [
    ("Go-live training for the new record system starts Monday.",
     "Alt text: a trainer points at a screen showing the test record 'QATEST, ALPHA' and "
     "MRN 000000002."),
    ("Capacitación del nuevo sistema: todos los datos en pantalla son ficticios.",
     "Texto alternativo: el monitor muestra el paciente de prueba 'PRUEBA, UNO' en la cama 00."),
])
def test_test_records_and_spanish_made_up_data_are_no_ones(text: str, caption: str) -> None:
    assert check({"text": text, "captions": [caption]}).verdict == "pass"


def test_a_label_name_beside_a_birth_date_is_a_patients_even_in_a_post_about_staff() -> None:
    # A name written surname first with a DOB on a screen is a chart's: the post's topic (a
    # software launch) does not make it no one's. A practice band says it is made up.
    text = "Our pharmacy team went live with the new label printers this week!"
    real = "A tech holds up a label that reads 'ABERNATHY-COLE, RUTHANNE · DOB 02/14/1939'."
    assert check({"text": text, "captions": [real]}).verdict != "pass"
    practice = ("A tech holds up a practice wristband that reads "
                "'ABERNATHY-COLE, RUTHANNE · DOB 02/14/1939'.")
    report = check({"text": text, "captions": [practice]})
    assert report.verdict != "block"
    assert not [f for f in report.flagged if f.identifier.value in "AC"]
    assert any("made up" in f.explanation for f in report.findings if f.entity == "PERSON")


def test_a_spanish_volunteers_age_is_theirs() -> None:
    text = ("¡Nuestra voluntaria Remedios cumplió 96 años! Lleva 30 años leyendo cuentos en "
            "pediatría.")
    assert check(text).verdict == "pass"
    assert check("Nuestra paciente Remedios cumplió 96 años en el piso 4.").verdict != "pass"


def test_a_batch_is_decided_as_each_post_alone() -> None:
    # The models score a batch at once before its posts are refined (Stage.prepare): the
    # reports are the same as one post at a time, whatever the batch holds around a post.
    from phiguard import check_many

    posts = [
        "After 19 days on ECMO, our little fighter walked out of the CVICU on his own two feet "
        "and went home to his dog.",
        {"kind": "reply", "in_reply_to": "Thanks, ER!", "text": "Glad the swelling went down!"},
        "Volunteer of the year: Marguerite Olsen, 93, a retired nurse, has knitted caps for our "
        "NICU babies every week since 2011. Want to join her? Email volunteer@example.org",
        "Our CVICU nurses completed their ECMO certification this spring.",
    ]
    alone = [check(p) for p in posts]
    together = list(check_many(posts, batch_size=4))
    assert [r.model_dump() for r in together] == [r.model_dump() for r in alone]
    assert [r.verdict for r in together] == ["review", "review", "pass", "pass"]


def test_a_redacted_patient_story_is_not_sent_back_to_review() -> None:
    # Redaction found the name and age; the tags stand where they were, and the model's "about
    # a patient, nothing found" has nothing to add.
    text = "Happy [AGE] to our patient [NAME]! She beat us all at bingo on her birthday."
    assert "PATIENT_POST" not in {f.entity for f in check(text).findings}


def test_an_age_in_a_post_about_staff_alone_is_theirs() -> None:
    staff = "Our volunteer Mabel Ortiz, 94, has rocked NICU babies every Tuesday since 2001."
    assert check(staff).verdict == "pass"
    explained = [f.explanation for f in check(staff).findings if f.entity == "AGE_OVER_89"]
    assert explained and all("staff member's" in e for e in explained)
    # A patient in the sentence, or a staff member the post makes a patient, keeps the age.
    assert check("Dr. Osei and his patient, 94, walked the unit today.").verdict != "pass"
    assert check("Our volunteer Mabel, 94, is a patient on 3 West this week after a fall.") \
        .verdict != "pass"


def test_a_word_of_care_in_a_sentence_about_staff_is_their_work() -> None:
    # Without the patient model, the words decide: "discharge" and "surgery" beside a staff
    # member's name are what the staff member teaches or leads, no patient's care.
    words_only = Policy(patient_model=False)
    for text in ("Nurse educator Priya Raman walked our new grads through discharge teaching "
                 "this Friday. Thank you, Priya!",
                 "Dr. Maya Chen will lead Tuesday's surgery grand rounds. Welcome, Maya!"):
        assert check(text, policy=words_only).verdict == "pass"
    assert check("Dr. Maya Chen did Lucas's surgery on Tuesday. Welcome home, Lucas!",
                 policy=words_only).verdict == "block"


def test_a_name_inside_a_disclosure_phrase_is_still_a_name() -> None:
    # The care-given phrase explains the care, not whose name "Mateo" is.
    post = Post(kind="reply", in_reply_to="Brought my son in after he fell off his bike.",
                text="So glad our ER team took good care of Mateo's broken wrist on Friday!")
    assert _found(post, "A") == ["Mateo"]


def test_a_reply_that_states_care_dates_it_in_any_sentence() -> None:
    # The refill is the reviewer's: "this morning" dates it, though its sentence says "it".
    post = Post(kind="reply", in_reply_to="Pharmacy lost my prescription twice.",
                text="Sorry about that! Your Eliquis refill needed a new prior authorization. "
                     "It was approved this morning and is ready for pickup.")
    assert _found(post, "C") == ["this morning"]
    # A compliant reply's day stays the schedule's.
    routed = Post(kind="reply", in_reply_to="Pharmacy lost my prescription twice.",
                  text="We're sorry. Our pharmacy manager is in this morning: please call us.")
    assert _found(routed, "C") == []


def test_a_first_name_opening_a_sentence_of_a_disclosing_reply_is_a_name() -> None:
    post = Post(kind="comment", in_reply_to="Is my grandpa ok? They brought him in last night.",
                text="Thaddeus is resting comfortably on our cardiac floor tonight.")
    assert _found(post, "A") == ["Thaddeus"]


def test_a_relative_day_in_a_post_surely_about_a_patient_dates_their_care() -> None:
    # The last sentence names no one and says no care word, but the post is about Ava.
    text = "Welcome home, little Ava! Forty-one days in our NICU. Yesterday was the big day."
    dates = [text[f.start:f.end] for f in check(text).flagged if f.identifier == "C"]
    assert dates == ["Yesterday"]
    off = Policy(patient_model=False)
    assert [f for f in check(text, policy=off).flagged if f.identifier == "C"] == []


def test_a_place_in_a_post_surely_about_a_patient_is_theirs() -> None:
    # No person word the place stage reads, but the model is sure the post is about a patient.
    text = "Six weeks after his new kidney, he is back home in Paonia and back at school."
    places = [f for f in check(text).flagged if f.identifier == "B"]
    assert [text[f.start:f.end] for f in places] == ["Paonia"]
    off = Policy(disabled_filters=["patient-place"])
    assert [f for f in check(text, policy=off).flagged if f.identifier == "B"] == []


def test_a_town_tied_to_a_person_is_raised_in_a_sentence_about_their_care() -> None:
    text = "The rancher from Dutch Hollow is back on his feet after six weeks in our ICU."
    assert _found(text, "B") == ["Dutch Hollow"]
    off = Policy(disabled_filters=["patient-place"])
    assert [f for f in check(text, policy=off).flagged if f.identifier == "B"] == []
    # A school tied to a patient is a place; the organisation's own sites are not raised.
    assert _found("Back to class at Linwood Middle School after her spinal surgery!",
                  "B") == ["Linwood Middle School"]
    assert _found("Ana went home today! Physical therapy continues at our clinic in the "
                  "town of Brookfield.", "B") == []


def test_a_common_word_name_in_a_post_surely_about_a_patient_is_a_name() -> None:
    # "Faith" is a common word the name stage doubts; the model is sure the post is a patient's.
    text = "So proud of Faith: 19 days on ECMO in our CVICU and now she is home for good."
    assert [text[f.start:f.end] for f in check(text).flagged if f.identifier == "A"] == ["Faith"]
    off = Policy(disabled_filters=["patient-name"])
    assert [f for f in check(text, policy=off).flagged if f.identifier == "A"] == []


def test_a_month_after_a_word_of_time_is_a_date_not_a_name() -> None:
    post = Post(kind="reply", in_reply_to="Dr. Park fixed my chipped tooth!",
                text="So glad your new crown feels good! See you at your cleaning in May.")
    month = [f.identifier.value for f in check(post).flagged
             if post.text[f.start:f.end] == "May"]
    assert month == ["C"]


def test_a_rare_disease_said_of_one_person_makes_the_post_a_patients() -> None:
    # The town beside a person with a rare disease is theirs; an awareness post is no one's.
    text = ("A boy from Cedar Hollow is one of about 400 people in the country known to have "
            "fibrodysplasia ossificans progressiva. Our orthopedic team is proud to help.")
    assert "B" in {f.identifier.value for f in check(text).flagged}
    awareness = ("Fibrodysplasia ossificans progressiva affects about 1 in 2 million people. "
                 "Learn the signs at our genetics fair in Cedar Hollow.")
    assert check(awareness).verdict == "pass"


def test_a_number_after_one_of_our_offices_is_ours_though_a_contact_word_precedes_it() -> None:
    text = ("Coverage depends on your plan, so we suggest checking with your insurer or calling "
            "Central Scheduling at 608-555-0188.")
    reply = Post(text=text, kind="reply", in_reply_to="Do you take Medicaid?")
    assert _found(reply, "D") == []
    # "Calling:" before a person's name still makes the number that person's.
    assert "PHONE_NUMBER" in _flagged("Our patient Rosa went home today. Calling: Rosa's "
                                      "daughter Inez Parra, 608-555-0189.")


def test_a_rare_disease_owned_by_a_pronoun_or_a_person_singled_out_is_a_patients() -> None:
    reply = Post(kind="comment", in_reply_to="Are those the brothers from the news?",
                 text="Yes! Their progeria hasn't slowed them down, and they're from Kettle Falls.")
    assert "Kettle Falls" in _found(reply, "B")
    text = ("We love seeing Rosalind's smile! As the only child in Kettle County with Batten "
            "disease, she is a legend on our floor.")
    assert "Rosalind" in _found(text, "A")


def test_a_face_beside_words_of_care_in_a_caption_is_a_patients_whatever_the_text() -> None:
    text = "Our new urgent care lobby is open, with more seats and a play corner for kids."
    hurt = Post(text=text, captions=[
        "A man with his arm in a sling looks straight at the camera from the front row."])
    assert "Q" in {f.identifier.value for f in check(hurt).flagged}
    staff = Post(text=text, captions=[
        "Our front-desk team smiles at the camera beside the new check-in kiosks."])
    assert check(staff).verdict == "pass"


def test_a_value_under_a_patients_label_is_theirs_and_a_departments_is_ours() -> None:
    post = Post(text="Telehealth visits are now open seven days a week.",
                captions=["The laptop screen reads 'Patient connection: 198.51.100.23'."])
    assert "198.51.100.23" in [post.captions[0][f.start:f.end] for f in check(post).flagged
                               if f.identifier == "O"]
    assert _found("Questions about a visit? Patient Relations: 608-555-0100.", "D") == []

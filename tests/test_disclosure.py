"""Care disclosure in replies and comments (the disclosure stage, rules/disclosure.yaml, the model).

Every sentence here is written for this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import phiguard
from phiguard import Policy
from phiguard.cli import main
from phiguard.detectors import disclosure_model
from phiguard.detectors.pipelines import BoundedPipeline
from phiguard.rulepacks.loader import rules_dir

RULES_ONLY = Policy(disclosure_model=False)


def _reply(text: str, question: str = "Thanks for everything!", kind: str = "reply") -> dict[
        str, str]:
    return {"kind": kind, "in_reply_to": question, "text": text}


def _status(report: phiguard.Report) -> list[phiguard.Finding]:
    return [f for f in report.flagged if f.entity == "PATIENT_STATUS"]


def _answer_to_comment(text: str, comment: str) -> list[phiguard.Finding]:
    """The disclosures of `text` said in answer to a comment, by the default policy."""
    return _status(phiguard.check(_reply(text, comment, kind="comment")))


@pytest.mark.parametrize(("text", "question"), [
    # a procedure, test or medication of the person answered
    ("So glad your tonsillectomy is behind you!", "Great ENT team"),
    ("The prior authorization for your Humira went through this morning.", "Pharmacy is slow"),
    ("The strep culture we ran came back negative.", "Nobody called me"),
    # mental-health and substance-use care
    ("We're sorry your intake for detox took all afternoon.", "Waited forever"),
    # a relative's care
    ("We hope your grandma's hip surgery recovery is going smoothly.", "My grandma was there"),
    ("Sorry your husband waited so long in our ED.", "Long wait"),
    # an update on someone asked after, and a yes to a question about a patient
    ("She's out of surgery and resting comfortably.", "How is Coach Amy doing?"),
    ("Yes, that's her!", "Is that my aunt in the photo? She was admitted Sunday"),
    # billing and records
    ("According to our records, you paid the balance in March.", "You overcharged me"),
    ("Your dental plan covered half of the crown.", "Too expensive"),
    # Spanish
    ("Nos alegra que su hija saliera bien de la cirugía.", "Gracias al equipo"),
])
def test_a_reply_that_states_someones_care_does_not_pass(text: str, question: str) -> None:
    report = phiguard.check(_reply(text, question), policy=RULES_ONLY)
    assert report.verdict != "pass"
    assert _status(report), "no patient-status phrase reported"


@pytest.mark.parametrize("text", [
    "We're sorry to hear this. Please call our patient advocate at 555-0100 so we can help.",
    "We can't discuss anyone's care online, but our patient relations team would like to listen.",
    "Our surgeons follow the same safety checklist for everyone.",
    "We never confirm whether someone is or isn't a patient here.",
    "Thank you for the kind words about our ICU team!",
    "Please bring your insurance card to every visit.",
    "Flu shots are available at every clinic this month, no appointment needed.",
    "If you or someone you love is struggling, our crisis line answers 24/7.",
])
def test_compliant_replies_pass(text: str) -> None:
    report = phiguard.check(_reply(text, "Terrible experience in your ER"))
    assert not _status(report)


def test_privacy_a_family_asked_for_is_no_refusal_to_confirm() -> None:
    asked = phiguard.check(_reply("Yes, she's in our cardiac ICU, and her husband has asked for "
                                  "privacy.", "Is my cousin still in your ICU?", kind="comment"))
    assert _status(asked)
    ours = phiguard.check(_reply("For privacy, we can't confirm whether anyone is a patient.",
                                 "Is my cousin still in your ICU?", kind="comment"))
    assert not _status(ours)


def test_a_yes_confirms_only_a_question_about_a_patient() -> None:
    staff = phiguard.check(_reply("Yes, that's her!", "Is that the nurse who ran the 5K?",
                                  kind="comment"))
    assert not _status(staff)
    patient = phiguard.check(_reply("Yes, that's her!", "Is that my mom in the ICU photo?",
                                    kind="comment"))
    assert [f.rule_id for f in _status(patient)] == ["care-confirmation"]


def test_only_posts_that_answer_someone_are_read_for_disclosure() -> None:
    text = "So glad your colonoscopy went smoothly!"
    assert _status(phiguard.check(_reply(text)))
    assert not _status(phiguard.check(text))  # a top-level post addresses no one in particular


def test_the_phrase_is_minimal_and_the_explanation_quotes_nothing() -> None:
    text = "Thank you! So glad your son's appendectomy went well, Ms. Ortega."
    report = phiguard.check(_reply(text))
    found = _status(report)
    assert found
    phrase = text[found[0].start:found[0].end]
    assert "appendectomy" in phrase and "Thank you" not in phrase
    for finding in found:
        explanation = finding.explanation.lower()
        assert "a relative or friend of the person answered" in explanation
        assert "appendectomy" not in explanation and "ortega" not in explanation
        assert not re.search(r"\bson's", explanation)


def test_a_model_hit_alone_asks_for_review_and_never_blocks() -> None:
    # Threshold 0: every sentence that points at a person and that no rule explains is a hit.
    policy = Policy(disclosure_threshold=0.0)
    report = phiguard.check(_reply("You made our whole week."), policy=policy)
    assert [f.rule_id for f in report.flagged] == ["disclosure-model"]
    assert report.verdict == "review"
    assert not _status(phiguard.check(_reply("You made our whole week."), policy=RULES_ONLY))


@pytest.mark.parametrize(("text", "comment"), [
    ("Thanks for your interest in joining our team!", "I applied for the night-shift role."),
    ("Happy New Year to you and your family!", "Happy New Year from the Tran family!"),
    ("Le deseamos mucha salud a usted y a su familia.", "Gracias por todo."),
])
def test_thanks_and_greetings_that_point_at_no_one_are_not_for_the_model(
        text: str, comment: str) -> None:
    # Threshold 0: any sentence the rules leave to the model would be a hit.
    policy = Policy(disclosure_threshold=0.0)
    assert phiguard.check(_reply(text, comment, kind="comment"), policy=policy).verdict == "pass"


def test_the_model_scores_care_above_a_service_notice() -> None:
    care, notice = disclosure_model.score_sentences([
        "Your biopsy results came back clear.", "Biopsy results are posted to the portal."])
    assert care > 0.5 > notice


def test_a_missing_model_blocks_the_post(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    model = disclosure_model.MODEL
    monkeypatch.setattr(model, "directory", lambda: tmp_path)
    monkeypatch.setattr(model, "pipeline", BoundedPipeline(model.load))
    policy = Policy(disclosure_threshold=0.01)  # a fresh pipeline that asks the model
    report = phiguard.check(_reply("You were all so kind to us."), policy=policy)
    assert report.verdict == "block"
    assert [f.entity for f in report.findings] == ["DETECTOR_ERROR"]


def test_the_vocabulary_leaves_everyday_words_out() -> None:
    lexicons = rules_dir() / "lexicons"
    terms = set()
    for name in ("care-medications.txt", "care-conditions.txt", "care-mental-health.txt",
                 "care-procedures.txt", "care-settings.txt"):
        terms |= set((lexicons / name).read_text(encoding="utf-8").splitlines())
    assert {"ozempic", "colonoscopy", "heart attack", "lisinopril"} <= terms
    assert not {"focus", "balance", "cast", "cold", "delivery", "all", "ms"} & terms


def test_check_explains_the_evidence_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--kind", "reply", "--in-reply-to", "My dad loved your nurses",
                 "We're so glad your dad's knee replacement went well!"])
    out = capsys.readouterr().out
    assert code == 1
    assert "PATIENT_STATUS" in out
    assert "a relative or friend of the person answered" in out
    assert "knee replacement" not in out  # masked by default


def test_the_model_reads_a_sentence_that_names_no_one_said_to_the_person_answered() -> None:
    # No "you", no name: a reply is still said to the reviewer. Advice to everyone is not.
    report = phiguard.check(_reply("Glad the swelling finally went down!"))
    assert [f.rule_id for f in report.flagged] == ["disclosure-model"]
    assert report.verdict == "review"
    assert phiguard.check(_reply("Swelling usually goes down within a week.")).verdict == "pass"


def test_care_someone_owns_in_a_statement_about_everyone_still_discloses() -> None:
    reply = phiguard.Post(kind="reply", in_reply_to="Your rehab team got me walking again!",
                          text="You outworked everyone in our gym after your knee replacement.")
    found = [reply.text[f.start:f.end] for f in phiguard.check(reply).flagged
             if f.entity == "PATIENT_STATUS"]
    assert found == ["your knee replacement"]
    # ... but "their" in a statement about everyone is no one's.
    general = phiguard.Post(kind="reply", in_reply_to="Your rehab team got me walking again!",
                            text="Every patient and their family gets a rehab plan after their "
                                 "knee replacement.")
    assert [f for f in phiguard.check(general).flagged if f.entity == "PATIENT_STATUS"] == []


def test_a_reply_to_praise_that_names_a_patient_is_still_read() -> None:
    post = _reply("We're so glad Mateo is home and doing well after his surgery!",
                  "Our nurse Kayla was wonderful with my son Mateo", kind="comment")
    assert _status(phiguard.check(post))


def test_spanish_care_owned_by_the_name_after_de_discloses() -> None:
    post = _reply("Lo sentimos. Reprogramamos la evaluación de TDAH de Mateo para el 4 de junio.",
                  "Cancelaron la cita de mi hijo dos veces.")
    [finding] = _status(phiguard.check(post))
    assert "a person named in the reply" in finding.explanation


def test_care_owned_by_a_possessive_first_name_discloses_with_its_owner() -> None:
    # "Caleb" alone is only a capitalised word to the name layer; "Caleb's stay" owns the care.
    post = _reply("We were glad to be part of Caleb's stay on our adolescent unit.",
                  "Thank you for everything you did for our boy.")
    [finding] = _status(phiguard.check(post, policy=RULES_ONLY))
    assert "a person named in the reply" in finding.explanation
    assert "only in the same sentence" not in finding.explanation


@pytest.mark.parametrize("text", [
    "We're sorry about the wait. Our ED triages patients by the severity of their symptoms.",
    "La mayoría de los planes cubren una mamografía al año sin costo para usted.",
])
def test_statements_about_how_patients_are_seen_or_covered_disclose_nothing(text: str) -> None:
    assert _status(phiguard.check(_reply(text, "Waited forever in the ER."))) == []


@pytest.mark.parametrize(("text", "question"), [
    ("You guessed it! He loved telling his Navy stories.",
     "Is that Grandpa Lou in the Veterans Day video??"),
    ("¡Sí, es ella! Terminó su última quimioterapia el viernes.",
     "¿Es mi tía la señora de la foto?"),
    ("¡Sí, es él! Ya camina solito por el pasillo.",
     "¿Ese es don Beto, el de la foto de rehabilitación?"),
])
def test_a_yes_to_who_is_shown_in_a_picture_confirms(text: str, question: str) -> None:
    assert _status(phiguard.check(_reply(text, question, kind="comment")))


@pytest.mark.parametrize("text", ["Ha! It sure is.", "Aww, yes!"])
def test_a_yes_after_an_interjection_still_opens_the_answer(text: str) -> None:
    found = _answer_to_comment(text, "Is that my neighbor Gus in the rehab photo?")
    assert [f.rule_id for f in found] == ["care-confirmation"]
    assert text[found[0].start:found[0].end] in ("It sure is", "yes")


def test_a_statement_about_everyone_governs_its_own_clause_and_a_condition_what_follows() -> None:
    text = "Captain Ruiz is awake and talking, and his family thanks everyone for the prayers."
    assert _status(phiguard.check(_reply(text, "Any update on the firefighter who was hurt?",
                                         kind="comment")))
    text = "If your son has a high fever, call 911 or go to the emergency room."
    assert _status(phiguard.check(_reply(text, "Are you open Saturdays?"))) == []


@pytest.mark.parametrize(("text", "question"), [
    ("Thank you! Nurse Kim and the whole Family Birth Center team appreciate you.",
     "Best birthing center around. Nurse Kim rocks!"),
    ("Thank you for sharing! Our infusion team works to make every visit as easy as possible.",
     "The infusion nurses made chemo bearable."),
    ("¡Gracias! Le haremos llegar su mensaje al Dr. Ruiz y a su equipo de medicina interna.",
     "El doctor Ruiz fue excelente."),
    ("We're so sorry for the worry a confusing bill can cause.",
     "Your billing office sent me three different totals."),
])
def test_titles_teams_and_every_visit_state_no_ones_care(text: str, question: str) -> None:
    assert _status(phiguard.check(_reply(text, question), policy=RULES_ONLY)) == []


@pytest.mark.parametrize("text", [
    "That was our CFO, Greg Ames! He plays during lunch on Fridays.",
    "That's nurse Dana Whitley! She has been on our cardiac floor for ten years and loves it.",
])
def test_an_answer_naming_a_staff_member_to_who_is_that_is_not_asked_of_the_model(
        text: str) -> None:
    for question in ("Who is the person in the blue in your video?",
                     "Is that the guy with the whistle from the rehab video?"):
        assert _status(phiguard.check(_reply(text, question, kind="comment"))) == []
    # The same answer about someone who is no staff member is still read.
    text = "That's Owen! He has been on our cardiac floor for ten days and loves it."
    assert _status(phiguard.check(_reply(text, question, kind="comment")))


def test_a_care_word_after_its_subject_is_a_verb_not_care() -> None:
    question = "What a cute dog in the lobby photo!"
    text = "She visits the lobby every Tuesday afternoon and loves belly rubs."
    assert _status(phiguard.check(_reply(text, question), policy=RULES_ONLY)) == []
    # The noun still names care: "her visit".
    text = "Her visit to our ED went smoothly and she is home now."
    assert _status(phiguard.check(_reply(text, "How is my aunt doing?"), policy=RULES_ONLY))


def test_he_or_she_in_an_answer_naming_only_staff_is_the_staff_member() -> None:
    # Not a question: the model is still asked, but not about what "she" does.
    comment = "The man who plays cello by the elevators made my week."
    text = "That's Ignatius, one of our music volunteers! He plays there Tuesday mornings."
    assert _status(phiguard.check(_reply(text, comment, kind="comment"))) == []


def test_a_sentence_saying_he_or_she_is_our_staff_is_not_read_as_care() -> None:
    comment = "Is that the gentleman with the bow tie at the welcome desk?"
    assert _answer_to_comment("It sure is! He's our longest-serving volunteer.", comment) == []
    # Said of a patient, the sentence is still read.
    assert _answer_to_comment("It sure is! He's our longest-stay patient on 4 West.", comment)


@pytest.mark.parametrize("text", [
    "If a claim is denied, our financial counselors can walk you through the appeal.",
    "Biopsy results typically take 5 to 10 business days after you leave the clinic.",
])
def test_conditions_and_how_things_usually_go_confirm_no_ones_care(text: str) -> None:
    assert _status(phiguard.check(_reply(text, "Still waiting on my results!"),
                                  policy=RULES_ONLY)) == []


def test_an_ampersand_is_and_in_the_vocabulary() -> None:
    # "Labor & Delivery family" is the unit's staff, as "Labor and Delivery family" is.
    question = "Shoutout to Nurse Tasha on L&D who got me through 30 hours of labor!!"
    for unit in ("Labor & Delivery", "Labor and Delivery"):
        text = f"Thank you for recognizing Tasha! She's part of our {unit} family."
        assert _status(phiguard.check(_reply(text, question), policy=RULES_ONLY)) == []


def test_care_in_a_sentence_that_points_at_no_one_is_the_disclosed_persons() -> None:
    question = "Finally figured out what was wrong after three ER visits"
    text = "So glad your MRI came back clear, Wes! Kidney stones are no joke."
    phrases = [text[f.start:f.end] for f in _status(phiguard.check(_reply(text, question),
                                                                    policy=RULES_ONLY))]
    assert "Kidney stones" in phrases
    # With nothing else in the reply stating anyone's care, it is a general remark.
    text = "Thanks for the kind words! Kidney stones are no joke."
    assert _status(phiguard.check(_reply(text, question), policy=RULES_ONLY)) == []


def test_a_pronoun_in_capitals_is_an_acronym_not_a_person() -> None:
    # HIM: health information management. Written "him", it would point at the person asked about.
    text = "Discharge paperwork can be requested online, and our HIM team will help."
    assert _status(phiguard.check(_reply(text, "Where are my discharge papers??"),
                                  policy=RULES_ONLY)) == []
    text = "Discharge paperwork went out today, and we walked him through it."
    assert _status(phiguard.check(_reply(text, "Where are my dad's discharge papers??"),
                                  policy=RULES_ONLY))


def test_care_our_organisation_owns_is_its_service_not_a_stay() -> None:
    question = "The therapy cat came by my mom's floor!"
    ours = "That's Pepper! She was adopted by our oncology unit last spring."
    assert _status(phiguard.check(_reply(ours, question, kind="comment"),
                                  policy=RULES_ONLY)) == []
    # Where someone stayed is still a stay, and a word between "our" and a care term can be
    # the verb of a sentence about the person answered.
    for stay in ("He spent nine days in our oncology unit.",
                 "Our notes show the epidural was offered to her twice."):
        assert _status(phiguard.check(_reply(stay, "Where is my dad?"), policy=RULES_ONLY)), stay


@pytest.mark.parametrize("text", [
    "Thank you! Your gift will buy two new warmers for our NICU.",
    "Our labor and delivery unit welcomed its 2,000th baby of the year last week.",
    "Nuestra unidad de rehabilitación abre los sábados.",
])
def test_a_unit_we_own_named_in_a_reply_confirms_no_ones_care(text: str) -> None:
    assert _status(phiguard.check(_reply(text, "Love this hospital"), policy=RULES_ONLY)) == []


def test_a_yes_opening_a_reply_that_goes_on_to_state_care_confirms_the_person() -> None:
    question = "Is that Marisol from my church choir?"
    text = "She sure is! Marisol finished her last round of chemo on Friday."
    phrases = [text[f.start:f.end] for f in _status(phiguard.check(
        _reply(text, question, kind="comment"), policy=RULES_ONLY))]
    assert "She sure is" in phrases
    # A yes with nothing about anyone's care after it confirms no patient.
    text = "She sure is! Marisol sings with our staff choir every December."
    assert _status(phiguard.check(_reply(text, question, kind="comment"),
                                  policy=RULES_ONLY)) == []


def test_an_offer_to_guide_the_reader_points_at_no_one() -> None:
    # "walk you through", like "help you", addresses the reader; it says nothing about them.
    question = "Can I bring my dog when I visit?"
    text = ("Service animals are welcome, and pets may come in with a unit's approval. Our charge "
            "nurse can walk you through the infection rules and the form.")
    assert _status(phiguard.check(_reply(text, question), policy=RULES_ONLY)) == []
    # The reader's own care is still theirs.
    text = "Our charge nurse will go over your infection with you before discharge."
    assert _status(phiguard.check(_reply(text, question), policy=RULES_ONLY))


@pytest.mark.parametrize(("comment", "text"), [
    ("Proud to have been a respiratory therapist here for 12 years!",
     "Happy work anniversary! Your calm on the night shift keeps us all going."),
    ("So proud to be a nurse on 5 North with this crew",
     "5 North is lucky to have you! Thank you for everything you do."),
    ("Orgullosa de ser enfermera aquí. Soy enfermera desde 2009.",
     "¡Gracias por tu dedicación y tu sonrisa de cada día!"),
])
def test_a_reply_to_a_commenter_who_says_they_work_here_speaks_of_their_work(
        comment: str, text: str) -> None:
    report = phiguard.check(_reply(text, comment, kind="comment"))
    assert _status(report) == []


def test_a_reply_to_a_commenter_who_volunteered_is_not_asked_of_the_model() -> None:
    text = "We loved having you with us on Saturday, Ruth! See you at the next one."
    assert _answer_to_comment(text, "I volunteered at the health fair, had a blast!") == []
    # The same thanks to someone who only came may be read as a visit, as before.
    assert _answer_to_comment(text, "I went to the health fair on Saturday, had a blast!")


@pytest.mark.parametrize("comment", [
    "Is that the governor in the picture?",
    "Mr. Whitaker donated the new MRI? What a guy.",
])
def test_a_yes_about_an_official_or_a_donor_confirms_no_care(comment: str) -> None:
    text = "It is! He toured our new imaging suite on Tuesday. Thank you for the support!"
    assert _answer_to_comment(text, comment) == []


def test_a_staff_commenter_who_speaks_of_a_relative_may_still_be_told_their_care() -> None:
    comment = "As a nurse myself, I was grateful for how you treated my mom."
    text = "Thank you! We're so glad your mom's hip replacement went smoothly."
    assert _status(phiguard.check(_reply(text, comment, kind="comment"), policy=RULES_ONLY))


@pytest.mark.parametrize("text", [
    "Sentimos mucho que se sienta así. Por favor llame a Relaciones con Pacientes.",
    "We understand your frustration, and we'd like to hear more by phone.",
    "Sending warm wishes your way!",
])
def test_sympathy_that_points_at_no_one_is_not_a_disclosure(text: str) -> None:
    assert _status(phiguard.check(_reply(text, "Not happy with the service"))) == []


def test_sympathy_that_names_a_relative_and_a_day_is_left_to_the_rules_and_the_model() -> None:
    # The rules and the model read it; the sympathy opener does not take it off their list.
    text = "We're so sorry your father waited so long in our ER on Sunday."
    assert _status(phiguard.check(_reply(text, "Terrible wait"), policy=RULES_ONLY))


def test_a_tagalog_possessive_owns_the_care_after_it() -> None:
    text = "Salamat po! Handa na po ang inyong metformin sa pharmacy."
    assert _status(phiguard.check(_reply(text, "Ang tagal!"), policy=RULES_ONLY))


@pytest.mark.parametrize(("comment", "text"), [
    ("Who is the pharmacist with the purple glasses?",
     "That's Wendell Okoye! He has run our outpatient pharmacy since the new wing opened."),
    ("Congratulations to Dr. Ferreira on the teaching award!",
     "Thank you! Dr. Lucinda Ferreira was honoured for her work teaching residents in our "
     "burn unit."),
])
def test_he_she_or_a_name_in_an_answer_about_a_staff_member_is_that_staff_member(
        comment: str, text: str) -> None:
    assert _answer_to_comment(text, comment) == []


@pytest.mark.parametrize(("comment", "text"), [
    # care the person asked about owns, or a patient the sentence names as one
    ("Shoutout to Nurse Imani on 6 East!",
     "Imani is wonderful. She sat with Mr. Adeyemi all night before his bypass."),
    ("Good luck in the relay, Dr. Brandt!",
     "She'll be there, and so will her patient Lorenzo, who is racing after his kidney "
     "transplant."),
    # the comment is about someone else too, or asks after them
    ("Dr. Sato was so gentle with my 3-year-old!",
     "Thank you! Dr. Sato loved meeting Pippa, and she did great during her stitches."),
    ("Any update on Nurse Kendra? The whole unit is praying.",
     "Kendra is out of surgery and resting comfortably in our ICU."),
    # praise of a staff member is a patient's review
    ("Kind, patient hand therapist who explained every step.",
     "Thanks for the kind words, Deputy Marsh! Hope the carpal tunnel release holds up on the "
     "firing range."),
    # a coach, a mayor: the public, who may be the patient
    ("Is that Coach Harlan in the bell photo?", "Yes! Coach Harlan finished chemo this week."),
])
def test_a_staff_word_in_the_comment_leaves_the_patient_it_names_or_asks_after(
        comment: str, text: str) -> None:
    assert _answer_to_comment(text, comment)

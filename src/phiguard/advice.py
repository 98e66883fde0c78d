"""Plain-language texts for people who publish posts: what a finding is, why it matters, what
to change. The table report prints them; they never quote the post.

Each Safe Harbor identifier has a default; entities that need their own words override it.
"""

from __future__ import annotations

from dataclasses import dataclass

from phiguard.models import DETECTOR_ERROR, PATIENT_POST, Finding, Identifier


@dataclass(frozen=True)
class Advice:
    """What a finding is ("a phone number"), why it matters, and what to change."""

    what: str
    why: str
    change: str


_REMOVE = "remove it"
_AUTHORISATION = "or keep it only if the person signed a written authorisation to publish it"

BY_IDENTIFIER: dict[Identifier, Advice] = {
    Identifier.NAMES: Advice(
        "a person's name", "a name says who the post is about",
        f"remove the name, {_AUTHORISATION}"),
    Identifier.GEOGRAPHIC: Advice(
        "a place smaller than a state", "a street, town or ZIP code narrows down who it is",
        "name the state or region only, or leave the place out"),
    Identifier.DATES: Advice(
        "a date tied to a person", "a birthday, admission or discharge date points to one "
                                   "person; the year alone is fine",
        "leave out the day and month, or the date"),
    Identifier.PHONE: Advice(
        "a phone number", "a personal number leads straight to someone",
        "remove it; if it is the organisation's public number, add it to your pack's "
        "allowlist"),
    Identifier.FAX: Advice(
        "a fax number", "a personal number leads straight to someone", _REMOVE),
    Identifier.EMAIL: Advice(
        "an email address", "a personal address leads straight to someone",
        "remove it; if it is the organisation's own address, allow its domain in your pack"),
    Identifier.SSN: Advice(
        "a Social Security number", "it identifies one person for life", _REMOVE),
    Identifier.MEDICAL_RECORD: Advice(
        "a medical record number", "it points to one patient's chart", _REMOVE),
    Identifier.HEALTH_PLAN: Advice(
        "a health plan member number", "it points to one person's insurance", _REMOVE),
    Identifier.ACCOUNT: Advice(
        "an account number", "it points to one person's account", _REMOVE),
    Identifier.LICENSE: Advice(
        "a certificate or licence number", "it points to one person", _REMOVE),
    Identifier.VEHICLE: Advice(
        "a vehicle identifier or number plate", "it points to one person's vehicle",
        "remove it, or blur the plate in the image"),
    Identifier.DEVICE: Advice(
        "a device identifier or serial number", "it can point to one patient's device",
        _REMOVE),
    Identifier.URL: Advice(
        "a web address", "a personal page or fundraiser says who the post is about",
        "remove it; if it is the organisation's own site, allow its domain in your pack"),
    Identifier.IP_ADDRESS: Advice(
        "an IP address", "it can point to one person's connection", _REMOVE),
    Identifier.BIOMETRIC: Advice(
        "a biometric identifier", "a fingerprint or voice print identifies a person",
        _REMOVE),
    Identifier.FACE_PHOTO: Advice(
        "a photo of a face", "a recognisable face says who the post is about",
        f"make sure the face cannot be recognised, {_AUTHORISATION}"),
    Identifier.OTHER_UNIQUE: Advice(
        "something that singles out one person", "a unique detail can say who it is",
        "remove it or make it general"),
}

BY_ENTITY: dict[str, Advice] = {
    "AGE_OVER_89": Advice(
        "an age over 89", "so few people are that old that the age points to one person",
        "write \"over 90\", or leave the age out"),
    "BIRTH_YEAR_OVER_89": Advice(
        "a birth year of someone over 89", "so few people are that old that the year "
                                           "points to one person",
        "leave the year out"),
    "AGE": Advice(
        "an age tied to a person", "together with other details it narrows down who it is",
        "leave the age out or make it general (\"in her seventies\")"),
    "PATIENT_STATUS": Advice(
        "words that say someone is or was a patient",
        "confirming that someone is a patient discloses their health information",
        "do not confirm or hint at care in public; invite the person to contact you "
        "privately"),
    "PATIENT_PICTURED": Advice(
        "an image that shows a patient", "a recognisable patient in a photo is identified",
        f"make sure the patient cannot be recognised, {_AUTHORISATION}"),
    "PERSON_PICTURED": Advice(
        "a person pictured in a post about a patient", "a recognisable patient in a photo is "
        "identified", f"make sure the person cannot be recognised, {_AUTHORISATION}"),
    "FACE_IN_IMAGE": Advice(
        "a face in the image", "a recognisable face says who the post is about",
        f"make sure the face cannot be recognised, {_AUTHORISATION}"),
    "IMAGE_IDENTIFIER": Advice(
        "a wristband, chart or screen readable in the image",
        "what it shows can be read by anyone who zooms in", "crop or blur it before posting"),
    "DISTINCTIVE_MARK": Advice(
        "a tattoo or birthmark in the image", "a distinctive mark says who it is",
        "crop or blur it before posting"),
    "RARE_DIAGNOSIS": Advice(
        "a rare diagnosis", "a rare disease can point to one person, above all with a "
                            "place, an age or a name",
        "keep it to general awareness, away from anything that points to one patient"),
    "PATIENT_REF": Advice(
        "a reference to a particular patient", "it ties the other details to one person",
        "speak about patients in general, not about this one"),
    "EMPLOYER": Advice(
        "a patient's or relative's employer", "an employer and a town or a name narrow down "
                                              "who it is; Safe Harbor removes employers too",
        "leave the employer out"),
    "ROOM_NUMBER": Advice(
        "a patient's room or bed number", "it says where one patient lies, to anyone who "
                                          "visits or works there",
        "leave the room or bed out"),
    "JERSEY": Advice(
        "a jersey's name and number", "a team's fans, classmates and town know whose it is",
        "leave the name and number out, or crop or blur them before posting"),
    "HANDLE": Advice(
        "a social-media handle", "a handle says who the post is about",
        f"remove it, {_AUTHORISATION}"),
    PATIENT_POST: Advice(
        "a post that reads as one about a particular patient, though no rule found a name, "
        "date or place in it", "a story about one patient can say who it is through details "
        "no list knows: a nickname, a town, a face",
        "read it as a stranger would: if it could point to one patient, remove the details, "
        f"{_AUTHORISATION}"),
    DETECTOR_ERROR: Advice(
        "a check that could not finish", "phiguard never passes a post it could not check",
        "have a person review the post, and report the error to whoever runs phiguard"),
}


def advice_for(finding: Finding) -> Advice:
    """The plain-language advice for one finding: by its entity, else by its identifier."""
    return BY_ENTITY.get(finding.entity) or BY_IDENTIFIER[finding.identifier]


COMBINATION_CHANGE = ("each detail may be fine alone: remove or generalise one of them, "
                      f"{_AUTHORISATION}")

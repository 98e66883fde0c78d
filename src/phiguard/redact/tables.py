"""What redaction knows by entity: strategies, tags, Safe Harbor treatments, surrogate kinds.

Tables only (data, and the two lookups over it); no rewriting happens here.
"""

from __future__ import annotations

from typing import Literal

from phiguard.models import DETECTOR_ERROR, Finding, Identifier
from phiguard.rulepacks.loader import read_shared_list
from phiguard.tags import tag_name

Strategy = Literal["tag", "mask", "hash", "surrogate", "safe-harbor"]
STRATEGIES: tuple[str, ...] = ("tag", "mask", "hash", "surrogate", "safe-harbor")

# How many times a post is re-checked and re-redacted; in practice one extra round suffices.
MAX_ROUNDS = 4
# A keyed hash is only as good as its key: the same floor presidio sets for its salt.
MIN_KEY_BYTES = 16
# ... and a key of few different bytes (all zeros, all spaces, "abab...") is guessable.
MIN_KEY_DISTINCT_BYTES = 8

# ---- What rewriting cannot fix -------------------------------------------------------------------
# An image shows a face whatever its caption says; a reply that confirms someone was a patient
# discloses it whichever words are removed. These findings stay in place, marked for a person.
# Entities as the shipped packs name them (rules/unique-characteristics.yaml).
NEEDS_HUMAN_IDENTIFIERS: frozenset[Identifier] = frozenset({
    Identifier.FACE_PHOTO,   # PATIENT_PICTURED, FACE_IN_IMAGE: the face is in the image
    Identifier.BIOMETRIC,    # a voice recording or fingerprint shared with the post
})
NEEDS_HUMAN_ENTITIES: frozenset[str] = frozenset({
    "PATIENT_STATUS",        # a reply confirming or implying that someone is a patient
    "IMAGE_IDENTIFIER",      # a wristband, chart or screen readable in the image
    "DISTINCTIVE_MARK",      # a tattoo or birthmark shown in the image
    DETECTOR_ERROR,          # the post could not be fully checked: nothing can certify a rewrite
    "BIDI_CONTROL",          # text shown in another order than typed: a person looks at it
})


def needs_human(finding: Finding) -> bool:
    """Whether rewriting the text cannot fix this finding, so a person must decide."""
    return (
        finding.identifier in NEEDS_HUMAN_IDENTIFIERS
        or finding.entity in NEEDS_HUMAN_ENTITIES
        # A span of nothing marks the whole post (a detector error, a combination): no words
        # to rewrite.
        or finding.start == finding.end
    )


# ---- Tags ----------------------------------------------------------------------------------------
def tag_for(finding: Finding) -> str:
    """The bracketed tag that replaces a finding under the `tag` strategy, e.g. "[DATE]"."""
    return f"[{tag_name(finding.identifier, finding.entity)}]"


# ---- Safe Harbor generalisation, by entity -------------------------------------------------------
# year: a date becomes its year ([DATE] when it has none); age: "97 years old" -> "90+ years old";
# remove: replaced by its tag; zip3: the allowed 3-digit prefix, or "000" for a restricted one;
# state: a street address, with the town after it, becomes the state named after it.
# Any entity not listed here is tagged.
SAFE_HARBOR_TREATMENTS: dict[str, str] = {
    "DATE": "year",
    "AGE_OVER_89": "age",
    "BIRTH_YEAR_OVER_89": "remove",
    "ZIP_CODE": "zip3",
    "ZIP3_RESTRICTED": "zip3",
    "STREET_ADDRESS": "state",
}

# ---- Surrogates, by entity (names by identifier) -------------------------------------------------
SURROGATE_KINDS: dict[str, str] = {
    "DATE": "date",
    "DATE_TIME": "date",
    "PHONE_NUMBER": "phone",
    "FAX_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "URL": "url",
    "IP_ADDRESS": "ip",
    "SSN": "ssn",
    "STREET_ADDRESS": "address",
    "ZIP_CODE": "zip_code",
    "LOCATION": "city",
    "GPE": "city",
    "CITY": "city",
    # An age over 89 has no realistic fake that is also compliant: it is generalised.
    "AGE_OVER_89": "age",
    "BIRTH_YEAR_OVER_89": "tag",
    "ZIP3_RESTRICTED": "zip000",
}


def _us_states() -> dict[str, str]:
    """State names by postal code, from the shared lists the packs use (rules/lists/, both in
    the order of the states' names), and the territories'."""
    codes, names = read_shared_list("us-state-codes"), read_shared_list("us-states")
    return {**dict(zip(codes, names, strict=True)), "DC": "District of Columbia",
            "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam"}


US_STATES: dict[str, str] = _us_states()

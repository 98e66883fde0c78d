"""Maps from dataset labels and Presidio entity types to Safe Harbor letters.

A label maps to a letter (counted), or to None: *neutral*, neither a hit nor a miss, and a
prediction on a neutral span is not a false positive. Neutral is for what a dataset labels but
Safe Harbor does not require removing (a year alone, an age under 90, a country, a job title, an
organisation), so no system is rewarded or punished for it. docs/benchmarks.md prints these maps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from phiguard import Identifier

LETTERS = tuple(i.value for i in Identifier)

# PhysioNet deid 1.1 (ICU nursing notes). HCPName is a clinician's name: Safe Harbor does not
# require removing workforce names, so it is neutral by default and counted only for a policy
# that flags clinicians (the `strict` policy, when the installed phiguard has one).
PHYSIONET: dict[str, str | None] = {
    "PTName": "A",
    "PTNameInitial": "A",
    "RelativeProxyName": "A",
    "HCPName": None,
    "Date": "C",
    "DateYear": None,  # a year alone is allowed by 164.514(b)(2)(i)(C)
    "Age": "C",  # refined by value below: only ages over 89 are identifiers
    "Location": "B",
    "Phone": "D",
    "Other": "R",
}
PHYSIONET_PATIENT_LABELS = ("PTName", "PTNameInitial", "RelativeProxyName", "Date", "Age",
                            "Location", "Phone", "Other")

# presidio-research synthetic sentences, labelled with Presidio's own entity names.
PRESIDIO_SYNTH: dict[str, str | None] = {
    "PERSON": "A",
    "STREET_ADDRESS": "B",
    "ZIP_CODE": "B",
    # Mostly countries in this set, which Safe Harbor allows; some are towns, which it does not.
    # Neutral, so neither side is scored on them; the per-label table still shows who found them.
    "GPE": None,
    "DATE_TIME": "C",  # refined by value: a bare year is neutral
    "AGE": "C",  # refined by value: only ages over 89 are identifiers
    "PHONE_NUMBER": "D",
    "EMAIL_ADDRESS": "F",
    "US_SSN": "G",
    "CREDIT_CARD": "J",
    "IBAN_CODE": "J",
    "US_DRIVER_LICENSE": "K",
    "DOMAIN_NAME": "N",
    "IP_ADDRESS": "O",
    "ORGANIZATION": None,
    "TITLE": None,
    "NRP": None,
}

# What Presidio's default AnalyzerEngine (2.2, English) reports, as Safe Harbor letters.
PRESIDIO_ENTITIES: dict[str, str | None] = {
    "PERSON": "A",
    "LOCATION": "B",
    "DATE_TIME": "C",
    "PHONE_NUMBER": "D",
    "EMAIL_ADDRESS": "F",
    "US_SSN": "G",
    "UK_NHS": "H",  # a national patient number: the nearest letter is the medical record number
    "CREDIT_CARD": "J",
    "IBAN_CODE": "J",
    "US_BANK_NUMBER": "J",
    "CRYPTO": "J",  # a wallet address is an account number
    "MEDICAL_LICENSE": "K",
    "US_DRIVER_LICENSE": "K",
    "MAC_ADDRESS": "M",
    "URL": "N",
    "IP_ADDRESS": "O",
    "US_PASSPORT": "R",
    "US_ITIN": "R",
    "UUID": "R",
    "NRP": None,  # nationality, religion, politics: not a Safe Harbor identifier
    "ORGANIZATION": None,
}

# Names a user's own JSONL may use besides Safe Harbor letters and phiguard's entity names.
COMMON: dict[str, str | None] = {
    "NAME": "A", "PERSON": "A", "PATIENT_NAME": "A", "PTNAME": "A",
    "LOCATION": "B", "ADDRESS": "B", "STREET_ADDRESS": "B", "CITY": "B", "ZIP": "B",
    "DATE": "C", "DATE_TIME": "C", "AGE": "C", "PHONE": "D", "TELEPHONE": "D", "FAX": "E",
    "EMAIL": "F", "SSN": "G", "US_SSN": "G", "MRN": "H", "URL": "N", "IP": "O",
}

_YEAR_ONLY = re.compile(r"\s*(?:19|20)\d\d\s*")
_NUMBER = re.compile(r"\d+")


def refine(label: str, letter: str | None, value: str) -> str | None:
    """Apply the rules of Safe Harbor that depend on the value, not the label: an age is an
    identifier only over 89, and a bare year is not a date identifier."""
    if letter is None:
        return None
    upper = label.upper()
    if upper == "AGE":
        numbers = [int(n) for n in _NUMBER.findall(value)]
        return letter if numbers and max(numbers) > 89 else None
    if upper in ("DATE_TIME", "DATE") and _YEAR_ONLY.fullmatch(value):
        return None
    return letter


@lru_cache(maxsize=1)
def phiguard_entities() -> dict[str, str]:
    """phiguard's own entity names (from every shipped rule pack) -> their letters."""
    from phiguard import Policy, load_rulepack

    return {rule.entity: rule.identifier.value for pack in Policy().all_packs
            for rule, _ in load_rulepack(pack).rules}


def label_mapper(table: dict[str, str | None] | None = None) -> Callable[[str, str], str | None]:
    """A function (label, value) -> letter or None for one dataset.

    Looks the label up in the dataset's table, else takes it as a Safe Harbor letter ("A".."R")
    or an Identifier name ("NAMES"), else as a phiguard entity name or a common name. Unknown
    labels are neutral; `unknown_labels` in the results lists them so a typo shows.
    """
    entities = phiguard_entities()

    def letter_of(label: str, value: str) -> str | None:
        if table is not None and label in table:
            return refine(label, table[label], value)
        upper = label.upper()
        if upper in LETTERS:
            return upper
        if upper in Identifier.__members__:
            return Identifier[upper].value
        if upper in entities:
            return refine(label, entities[upper], value)
        return refine(label, COMMON.get(upper), value)

    return letter_of


def is_known(label: str, table: dict[str, str | None] | None = None) -> bool:
    """Whether a label is in some map (so None means neutral by design, not unknown)."""
    upper = label.upper()
    return bool(
        (table is not None and label in table) or upper in LETTERS
        or upper in Identifier.__members__ or upper in phiguard_entities() or upper in COMMON)


def describe(letter: str) -> str:
    """'B' -> 'GEOGRAPHIC' (empty for anything that is not a letter)."""
    return Identifier(letter).name if letter in LETTERS else ""

"""Pattern layer: for each identifier with a shape, what is found, exactly where, and what not."""

from __future__ import annotations

from datetime import datetime

import pytest

from phiguard import Identifier, Policy, Post, check

FOUND = [
    # (text, entity, matched text)
    ("SSN 219-09-9998 on the form", "SSN", "219-09-9998"),
    ("ssn: 219 09 9998", "SSN", "219 09 9998"),
    ("social security 219099998", "SSN", "219099998"),
    ("Call me at (415) 555-2671", "PHONE_NUMBER", "(415) 555-2671"),
    ("text 415.555.2671 anytime", "PHONE_NUMBER", "415.555.2671"),
    ("reach her on +44 20 7946 0958", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("fax 415-555-2672", "FAX_NUMBER", "415-555-2672"),
    ("write to jane.doe@example.com now", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("gofundme.com/f/help-jaxon.", "URL", "gofundme.com/f/help-jaxon"),
    ("see https://example.org/story?id=4 today", "URL", "https://example.org/story?id=4"),
    ("from 203.0.113.45 at noon", "IP_ADDRESS", "203.0.113.45"),
    ("from 2001:db8::1 at noon", "IP_ADDRESS", "2001:db8::1"),
    ("MAC 00-1A-2B-3C-4D-5E", "MAC_ADDRESS", "00-1A-2B-3C-4D-5E"),
    ("IMEI 49-015420-323751-8", "IMEI", "49-015420-323751-8"),
    ("VIN: 1HGCM82633A004352", "VIN", "1HGCM82633A004352"),
    ("license plate 7ABC123", "LICENSE_PLATE", "7ABC123"),
    ("MRN 00482913", "MEDICAL_RECORD_NUMBER", "00482913"),
    ("patient ID: A-4829173", "MEDICAL_RECORD_NUMBER", "A-4829173"),
    ("member ID XYZ123456789", "HEALTH_PLAN_ID", "XYZ123456789"),
    ("MBI 1EG4TE5MK73", "MEDICARE_MBI", "1EG4TE5MK73"),
    ("acct # 7782119033", "ACCOUNT_NUMBER", "7782119033"),
    ("DL# D1234567", "LICENSE_NUMBER", "D1234567"),
    # A state's two capitals before the number, and a comma after a word label.
    ("his driver's license (CA D4471923) was found", "LICENSE_NUMBER", "D4471923"),
    ("a driver's license, WY 045-221-903, on the desk", "LICENSE_NUMBER", "045-221-903"),
    # The last digits are all a reply gives: still the number's.
    ("your member ID ending in 4471 is on file", "HEALTH_PLAN_ID", "4471"),
    ("we refunded it to the card ending 3302", "ACCOUNT_NUMBER", "3302"),
    ("serial no. SN-88231-X", "DEVICE_ID", "SN-88231-X"),
    ("claim # 2024-88123", "OTHER_ID_NUMBER", "2024-88123"),
    ("admitted 03/14/2024", "DATE", "03/14/2024"),
    ("on 2024-02-29 she", "DATE", "2024-02-29"),
    ("born March 3rd, 1950", "DATE", "March 3rd, 1950"),
    ("discharged 12 Jan", "DATE", "12 Jan"),
    ("a 94-year-old patient", "AGE_OVER_89", "94-year-old"),
    ("aged 92", "AGE_OVER_89", "aged 92"),
    ("turns 101 today", "AGE_OVER_89", "turns 101"),
    ("her 102nd birthday", "AGE_OVER_89", "102nd birthday"),
    ("ninety-three years young", "AGE_OVER_89", "ninety-three years young"),
    ("a centenarian", "AGE_OVER_89", "centenarian"),
    ("pt is 92 yo", "AGE_OVER_89", "92 yo"),
    ("Edad: 93 años", "AGE_OVER_89", "Edad: 93"),
    ("climbing stairs at 95 after a hip fracture", "AGE_OVER_89", "at 95"),
    ("Springfield, IL 62704", "ZIP_CODE", "62704"),
    ("ZIP 62704-1234", "ZIP_CODE", "62704-1234"),
    ("zip 036", "ZIP3_RESTRICTED", "036"),
    ("lives at 42 Elm St. Apt 3", "STREET_ADDRESS", "42 Elm St. Apt 3"),
    ("lives at 1600 north oak ave", "STREET_ADDRESS", "1600 north oak ave"),
]

NOT_FOUND = [
    "Bring your insurance card; the 2024 card ends its run in May.",
    "Our EIN is 12-3456789.",
    "SSN 000-12-3456 is invalid.",
    "SSN 900-12-3456 is invalid.",
    "Code 123-00-4567 has a 00 group.",
    "Call 911 now.",
    "Room 123-4567 is not a phone (exchange too short).",
    "Version 10.2.3.4 shipped.",
    "256.1.1.1 is not an IP.",
    "Order 490154203237519 is not Luhn-valid.",
    "The year 2024 was great.",
    "Our 89-year-old volunteer still knits.",
    "Screening for those aged 90 or older.",
    "Ages 90+ welcome.",
    "Celebrating 100 years of service.",
    "BP 120/80, HR 72.",
    "Open 24/7.",
    "13/45/2024 is not a date.",
    "February 30, 2024 is not a date.",
    "Raised $25000 for the NICU.",
    "Bring your member ID card.",
    "Zip 021 is not restricted.",
    "We gave 12500 flu shots.",
    "Our chart shows 30% growth.",
    "The duplicate 1234 lic test.",
]


@pytest.mark.parametrize(("text", "entity", "matched"), FOUND)
def test_found_at_the_right_span(text: str, entity: str, matched: str,
                                 patterns_policy: Policy) -> None:
    report = check(text, policy=patterns_policy)
    spans = [(f.entity, text[f.start : f.end]) for f in report.flagged]
    assert (entity, matched) in spans
    assert report.verdict in ("review", "block")


@pytest.mark.parametrize("text", NOT_FOUND)
def test_look_alikes_stay_quiet(text: str, patterns_policy: Policy) -> None:
    report = check(text, policy=patterns_policy)
    assert report.flagged == [], [(f.entity, text[f.start:f.end]) for f in report.flagged]
    assert report.verdict == "pass"


def test_validated_ssn_blocks(patterns_policy: Policy) -> None:
    assert check("SSN 219-09-9998", policy=patterns_policy).verdict == "block"


def test_birth_year_is_relative_to_posted_at(patterns_policy: Policy) -> None:
    text = "Born in 1931, she still volunteers."
    old = check(Post(text=text, posted_at=datetime(2026, 1, 1)), policy=patterns_policy)
    young = check(Post(text=text, posted_at=datetime(2010, 1, 1)), policy=patterns_policy)
    assert [f.entity for f in old.flagged] == ["BIRTH_YEAR_OVER_89"]
    assert young.flagged == []


def test_two_digit_years_and_calendar(patterns_policy: Policy) -> None:
    assert check("admitted 2/29/23", policy=patterns_policy).flagged == []
    assert [f.entity for f in check("admitted 2/29/24", policy=patterns_policy).flagged] == [
        "DATE"]


def test_context_words_are_whole_words(patterns_policy: Policy) -> None:
    # "social" inside "socialite" is not SSN context: the bare 9 digits stay below threshold.
    assert check("socialite 219099998", policy=patterns_policy).flagged == []
    assert check("social 219099998", policy=patterns_policy).flagged[0].identifier == (
        Identifier.SSN)


def test_explanation_names_pattern_validator_and_context(patterns_policy: Policy) -> None:
    finding = check("SSN 219-09-9998", policy=patterns_policy).flagged[0]
    assert "rule 'ssn'" in finding.explanation
    assert "validator ssn.v1 passed" in finding.explanation
    assert "context word 'ssn'" in finding.explanation
    assert "219" not in finding.explanation


@pytest.mark.parametrize("text", [
    "Call Records at 415-555-2671 (fax 415-555-2672) for copies.",
    "Reach the unit at 415-555-2671 (cell: 415-555-2673) after hours.",
])
def test_a_label_that_opens_the_next_number_is_not_the_first_ones(
        text: str, patterns_policy: Policy) -> None:
    # "(fax 415-555-2672)" labels the number after it; the phone before it is a phone.
    report = check(text, policy=patterns_policy)
    found = {text[f.start:f.end]: f.rule_id for f in report.flagged}
    assert found["415-555-2671"] not in ("fax", "phone-labelled")
    assert len(found) == 2

"""Posts that hide PHI from a pattern but not from a reader (issue 11): each is found, and the
finding points at the original characters, however they were encoded."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from phiguard import Policy, Report, check, redact

PATTERNS = Policy(layers=["patterns"])
SSN = "287-65-4310"


def _ssn_spans(text: str, report: Report) -> list[str]:
    return [text[f.start : f.end] for f in report.flagged if f.entity == "SSN"]


def _assert_ssn(text: str, expected_span: str | None = None) -> None:
    report = check(text, policy=PATTERNS)
    spans = _ssn_spans(text, report)
    assert spans, text
    assert report.verdict == "block"
    if expected_span is not None:
        assert spans == [expected_span]


# ---- SSN separators ------------------------------------------------------------------------


def test_ssn_after_its_label_with_any_separators() -> None:
    for number in ["287-65 4310", "287 - 65 - 4310", "287/65/4310", "287 65-4310",
                   "287-65-\n4310", "287\n65\n4310", "287.65.4310", "287654310"]:
        _assert_ssn(f"Her SSN {number} was on the form", number)
    _assert_ssn("SSN287-65-4310 on the wristband photo", SSN)
    _assert_ssn("social security no. 287-65 4310", "287-65 4310")


def test_ssn_at_the_end_of_a_sentence_with_a_dash() -> None:
    _assert_ssn("Her SSN: 287-65-4310- on file", SSN)
    # Without a label, a number of this shape is still worth a look, slash or trailing dash.
    for text in ["Her number: 287-65-4310- on file", "Her number: 287/65/4310"]:
        report = check(text, policy=PATTERNS)
        assert _ssn_spans(text, report) and report.verdict == "review", text


def test_ssn_label_does_not_swallow_other_numbers() -> None:
    # A longer run of digits is not an SSN, label or not.
    report = check("SSN 287-65-43101 is not valid", policy=PATTERNS)
    assert not _ssn_spans("SSN 287-65-43101 is not valid", report)
    assert check("Order 12-287-65-4310-22 shipped", policy=PATTERNS).verdict == "pass"


# ---- characters that show nothing --------------------------------------------------------------


def _interleave(text: str, filler: str) -> str:
    return "".join(char + filler for char in text[:-1]) + text[-1]


def test_invisible_characters_between_digits() -> None:
    for filler in ["\ufe0f", "\u206a", "\u180b", "\ufff9", "\U0001bca0", "\U000e0020",
                   "\u0301", "\u0332", "\u034f", "\U000e0100"]:
        text = "SSN " + _interleave(SSN, filler)
        _assert_ssn(text, text[4:])


def test_keycap_digits() -> None:
    text = "SSN " + "".join(c + "\ufe0f\u20e3" if c.isdigit() else c for c in SSN)
    report = check(text, policy=PATTERNS)
    [span] = _ssn_spans(text, report)
    assert span.startswith("2") and text.endswith(span + "\ufe0f\u20e3")


def test_emoji_between_digits() -> None:
    _assert_ssn("SSN 28\U0001f600" + "7-65-4310", "28\U0001f600" + "7-65-4310")
    _assert_ssn("SSN 287\U0001f44d\U0001f3fd-65-4310", "287\U0001f44d\U0001f3fd-65-4310")


def test_emoji_away_from_digits_stays() -> None:
    report = check("Happy 97th birthday, Rose! \U0001f389\U0001f382", policy=PATTERNS)
    assert not _ssn_spans("", report)


# ---- display order -------------------------------------------------------------------------


def _bidi_findings(report: Report) -> list[str]:
    return [f.explanation for f in report.findings if f.entity == "BIDI_CONTROL"]


def test_right_to_left_override_shows_an_ssn() -> None:
    logical = "SSN \u202e" + SSN[::-1] + "\u202c on the form"
    report = check(logical)
    spans = _ssn_spans(logical, report)
    assert spans == [SSN[::-1]]
    assert report.verdict == "block"


def test_right_to_left_override_shows_a_name() -> None:
    text = "Get well soon \u202e" + "htimS nhoJ" + "\u202c from all of us on 4 West"
    report = check(text)
    names = [text[f.start : f.end] for f in report.flagged if f.identifier.name == "NAMES"]
    assert "htimS nhoJ" in names
    assert report.verdict != "pass"


def test_right_to_left_mark_reverses_number_groups() -> None:
    # "4310 65 287" after an RLM displays as "287 65 4310".
    text = "SSN \u200f4310 65 287"
    report = check(text, policy=PATTERNS)
    assert _ssn_spans(text, report) == ["4310 65 287"]


def test_bidi_controls_alone_call_for_review_without_quoting() -> None:
    for control in ["\u202e", "\u202b", "\u2067", "\u200f", "\u061c", "\u202d", "\u2066"]:
        text = f"Flu shots {control}today{chr(0x202C)} at every clinic"
        report = check(text, policy=PATTERNS)
        assert report.verdict in ("review", "block"), repr(control)
        [explanation, *_] = _bidi_findings(report)
        assert "today" not in explanation and "Flu" not in explanation


def test_plain_right_to_left_text_is_not_flagged_for_its_script() -> None:
    report = check("Thank you, \u05ea\u05d5\u05d3\u05d4 \u05e8\u05d1\u05d4, to our nurses",
                   policy=PATTERNS)
    assert not _bidi_findings(report)


def test_redaction_of_a_reversed_ssn_covers_all_of_it() -> None:
    text = "SSN \u202e" + SSN[::-1] + "\u202c ok"
    redacted = redact(text, policy=PATTERNS).text
    assert not any(ch.isdigit() for ch in redacted)


# ---- encodings -------------------------------------------------------------------------------


def test_character_references_and_percent_escapes() -> None:
    for encoded in [
        "".join(f"&#{ord(c)};" for c in SSN),
        "".join(f"&#x{ord(c):x};" for c in SSN),
        "".join(f"&#X{ord(c):X}" for c in SSN),  # the semicolon is optional
        "287&hyphen;65&dash;4310",
        "".join(f"%{ord(c):02X}" for c in SSN),
        "28%37-65-43%310",
    ]:
        _assert_ssn(f"SSN {encoded} ok", encoded)


def test_escapes_never_forge_a_redaction_tag() -> None:
    # "[" and "]" stay encoded: "[JOHN]" would read as a tag redaction wrote.
    text = "SSN &#91;287-65-4310&#93;"
    _assert_ssn(text, SSN)


def test_enclosed_and_other_script_digits() -> None:
    for number in ["\u2781\u2787\u2786-\u2785\u2784-\u2783\u2782\u2780\u24ea",
                   "\u2777\u277d\u277c-\u277b\u277a-\u2779\u2778\u2776\u24ff",
                   "\u0662\u0668\u0667-\u0666\u0665-\u0664\u0663\u0661\u0660",
                   "\U0001d7d0\U0001d7d6\U0001d7d5-\U0001d7d4\U0001d7d3-\U0001d7d2\U0001d7d1"
                   "\U0001d7cf\U0001d7ce"]:
        _assert_ssn(f"SSN {number}", number)


def test_percent_in_prose_stays() -> None:
    report = check("Vaccination rates rose 100%, to 95% of staff", policy=PATTERNS)
    assert report.verdict == "pass"


# ---- day-first dates -------------------------------------------------------------------------


def test_day_first_dates() -> None:
    for text, date in [("DOB 14/03/1958", "14/03/1958"),
                       ("She was seen 31/12/1958 in clinic", "31/12/1958"),
                       ("born 25-12-1958", "25-12-1958"), ("DOB 14.03.1958", "14.03.1958"),
                       ("admitted 1958/03/14", "1958/03/14")]:
        report = check(text, policy=PATTERNS)
        dates = [text[f.start : f.end] for f in report.flagged if f.entity == "DATE"]
        assert dates == [date], text
        assert report.verdict != "pass"


def test_day_first_dates_still_check_the_calendar() -> None:
    for text in ["DOB 31/02/1958", "DOB 32/01/1958", "DOB 14/13/1958"]:
        report = check(text, policy=PATTERNS)
        assert not [f for f in report.flagged if f.entity == "DATE"], text


# ---- dotted names ----------------------------------------------------------------------------


def test_dotted_name_is_read_as_a_name() -> None:
    text = "Get well soon J.o.h.n S.m.i.t.h from the whole 4 West team"
    report = check(text)
    names = [text[f.start : f.end] for f in report.flagged if f.identifier.name == "NAMES"]
    assert any("J.o.h.n" in name for name in names)


def test_spaced_name_is_read_as_a_name() -> None:
    text = "Get well soon J o h n S m i t h from the whole 4 West team"
    report = check(text)
    names = [text[f.start : f.end] for f in report.flagged if f.identifier.name == "NAMES"]
    assert any("J o h n" in name for name in names)


def test_acronyms_keep_their_dots() -> None:
    for text in ["Made in the U.S.A. and proud", "Please R.S.V.P. by Friday", "a.m. and p.m."]:
        assert check(text, policy=PATTERNS).verdict == "pass", text


# ---- the property: no obfuscation drawn from these classes passes --------------------------

_SSNS = ["287-65-4310", "219-09-9998", "512-44-8821", "078-05-1121"]
# Characters that show nothing: marks, format characters (not the bidi controls, which reorder
# and have their own property below), variation selectors, tag characters, Hangul fillers.
_NOT_BIDI = regex.compile(r"\p{Bidi_Control}")
shows_nothing = st.one_of(
    st.characters(categories=["Mn", "Me", "Mc", "Cf"]).filter(
        lambda c: _NOT_BIDI.match(c) is None),
    st.sampled_from([chr(c) for c in range(0xFE00, 0xFE10)]),
    st.sampled_from([chr(c) for c in range(0xE0020, 0xE0080)]),
    st.sampled_from(["\u115f", "\u1160", "\u3164", "\uffa0", "\u180b", "\u180e", "\u2064"]),
)
# Pictographs go only beside a digit: between letters they separate words ("Rose🌹Smith").
pictograph = st.sampled_from(["\U0001f600", "\U0001f44d\U0001f3fd", "\u2764\ufe0f",
                              "\U0001f1fa\U0001f1f8"])
invisible = st.one_of(shows_nothing, pictograph)
_CIRCLED = dict(zip("0123456789", "\u24ea\u2780\u2781\u2782\u2783\u2784\u2785\u2786\u2787\u2788",
                    strict=True))


@st.composite
def obfuscated_ssn(draw: st.DrawFn) -> str:
    number = draw(st.sampled_from(_SSNS))
    out = []
    for char in number:
        how = draw(st.sampled_from(["plain", "html", "hex", "percent", "circled", "fullwidth",
                                    "script"]))
        if how == "html":
            char = f"&#{ord(char)};"
        elif how == "hex":
            char = f"&#x{ord(char):x};"
        elif how == "percent":
            char = f"%{ord(char):02X}"
        elif how == "circled":
            char = _CIRCLED.get(char, char)
        elif how == "fullwidth" and char.isdigit():
            char = chr(ord(char) - ord("0") + 0xFF10)
        elif how == "script" and char.isdigit():
            # Arabic-Indic, Devanagari, Bengali, Thai or mathematical bold digits.
            zero = draw(st.sampled_from([0x0660, 0x0966, 0x09E6, 0x0E50, 0x1D7CE]))
            char = chr(zero + int(char))
        out.append(char + "".join(draw(st.lists(invisible, max_size=2))))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(obfuscated_ssn(), st.sampled_from(["SSN ", "Her SSN is ", "ssn: ", "Social security "]))
def test_no_obfuscation_of_an_ssn_passes(number: str, label: str) -> None:
    text = f"{label}{number} thanks"
    report = check(text, policy=PATTERNS)
    assert report.verdict == "block", ascii(text)
    assert _ssn_spans(text, report), ascii(text)


@settings(max_examples=200, deadline=None)
@given(obfuscated_ssn(), st.sampled_from(["\u202e", "\u202b", "\u2067", "\u2068", "\u200f",
                                          "\u202d", "\u2066", "\u061c", "\u200e"]),
       st.booleans())
def test_no_bidi_trick_passes(number: str, control: str, reverse: bool) -> None:
    text = f"SSN {control}{number[::-1] if reverse else number}\u202c\u2069 thanks"
    report = check(text, policy=PATTERNS)
    assert report.verdict != "pass", ascii(text)


# ---- siblings: the same mechanisms for other identifiers -------------------------------------


def _flagged(text: str, policy: Policy = PATTERNS) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start : f.end]) for f in check(text, policy=policy).flagged]


def test_shared_normalisation_serves_every_identifier() -> None:
    assert ("EMAIL_ADDRESS", "jane&#64;example.com") in _flagged("email jane&#64;example.com")
    assert ("PHONE_NUMBER", "415 - 555 - 2671") in _flagged("call 415 - 555 - 2671")
    assert ("DATE", "14 / 03 / 1958") in _flagged("DOB 14 / 03 / 1958")
    assert ("DATE", "\u0661\u0664/\u0660\u0663/\u0661\u0669\u0665\u0668") in _flagged(
        "DOB \u0661\u0664/\u0660\u0663/\u0661\u0669\u0665\u0668")


def test_blank_looking_separators() -> None:
    _assert_ssn("SSN 287\u280065\u28004310", "287\u280065\u28004310")
    _assert_ssn("SSN 287%2065%204310", "287%2065%204310")


def test_a_link_stays_one_link() -> None:
    # A decoded space would cut the link short and leave the rest of it unredacted.
    text = "see https://example.org/a%20b/c&#32;d today"
    urls = [span for entity, span in _flagged(text) if entity == "URL"]
    assert urls == ["https://example.org/a%20b/c&#32;d"]
    # ...while an escaped identifier inside it is still read.
    text = "see www.example.org/%32%38%37%2D%36%35%2D%34%33%31%30 now"
    assert ("SSN", "%32%38%37%2D%36%35%2D%34%33%31%30") in _flagged(text)


_IDENTIFIERS = [("call ", "415-555-2671", "PHONE_NUMBER"), ("DOB ", "03/14/1931", "DATE"),
                ("DOB ", "14/03/1931", "DATE"), ("email ", "jane.quarterman@example.com",
                                                 "EMAIL_ADDRESS"),
                ("MRN ", "00482913", "MEDICAL_RECORD_NUMBER"), ("SSN ", "219-09-9998", "SSN")]


@st.composite
def obfuscated_identifier(draw: st.DrawFn) -> tuple[str, str, str]:
    label, value, entity = draw(st.sampled_from(_IDENTIFIERS))
    out = []
    for char in value:
        how = draw(st.sampled_from(["plain", "html", "percent", "fullwidth"]))
        if how == "html":
            char = f"&#{ord(char)};"
        elif how == "percent" and char.isalnum():
            char = f"%{ord(char):02X}"
        elif how == "fullwidth":
            char = chr(ord(char) - 0x21 + 0xFF01)
        filler = invisible if value[0].isdigit() else shows_nothing
        out.append(char + "".join(draw(st.lists(filler, max_size=2))))
    return label, "".join(out), entity


@settings(max_examples=200, deadline=None)
@given(obfuscated_identifier())
def test_no_obfuscation_of_other_identifiers_passes(case: tuple[str, str, str]) -> None:
    label, value, entity = case
    text = f"{label}{value} thanks"
    report = check(text, policy=PATTERNS)
    assert report.verdict != "pass", ascii(text)
    assert any(f.entity == entity for f in report.flagged), ascii(text)

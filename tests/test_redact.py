"""Redaction strategies, overlap resolution, what needs a person, and errors that keep PHI out.

Most tests use the pattern layer of the shipped Safe Harbor pack only, so they do not depend on
the NER model; names are given as explicit findings, as the NER layer would report them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from phiguard import (
    ConfigError,
    Finding,
    Identifier,
    InputError,
    Policy,
    Post,
    RedactionResult,
    Report,
    check,
    redact,
    redact_many,
    redact_with_report,
)
from phiguard.redact import needs_human

KEY = b"0123456789abcdef-test-key"
POSTED = datetime(2024, 6, 1, 12, 0)


@pytest.fixture(scope="module")
def policy() -> Policy:
    """The shipped Safe Harbor pack, pattern layer only."""
    return Policy(packs=["safe-harbor"], layers=["patterns"])


def finding(field: str, start: int, end: int, identifier: str, entity: str,
            score: float = 0.8, rule_id: str = "test", layer: str = "test") -> Finding:
    """A finding as a detector would report it."""
    return Finding(field=field, start=start, end=end, identifier=Identifier(identifier),
                   entity=entity, score=score, rule_id=rule_id, layer=layer,
                   explanation="given by the test")


def report_for(post: Post, *findings: Finding) -> Report:
    """A report holding exactly these findings."""
    return Report(post_id=post.id, verdict="block", score=0.9, findings=list(findings))


def spans(text: str, *words: str) -> list[tuple[int, int]]:
    """(start, end) of the first occurrence of each word."""
    return [(text.index(w), text.index(w) + len(w)) for w in words]


def assert_offsets_consistent(post: Post, result: RedactionResult) -> None:
    """Every replacement is where it says, and the text between replacements is untouched."""
    for name, original in post.fields():
        redacted = result.post.field_text(name)
        reps = sorted((r for r in result.replacements if r.field == name), key=lambda r: r.start)
        position = new_position = 0
        for rep in reps:
            assert original[position : rep.start] == redacted[new_position : rep.new_start]
            position, new_position = rep.end, rep.new_end
        assert original[position:] == redacted[new_position:]


# ---- tag (the default) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Call 415-555-2671 now", "Call [PHONE_NUMBER] now"),
    ("Fax: 415-555-2672", "Fax: [FAX_NUMBER]"),
    ("Mail rose.smith@gmail.com today", "Mail [EMAIL_ADDRESS] today"),
    ("SSN 219-09-9998.", "SSN [SSN]."),
    ("MRN: 12345678", "MRN: [MEDICAL_RECORD_NUMBER]"),
    ("Happy 97th birthday!", "Happy [AGE]!"),
    ("Admitted on March 3, 2024.", "Admitted on [DATE]."),
    ("Donate at https://gofundme.com/rose-smith please", "Donate at [URL] please"),
    ("Nothing to see here.", "Nothing to see here."),
])
def test_tag_replaces_each_identifier_with_its_tag(policy: Policy, text: str,
                                                   expected: str) -> None:
    assert redact(text, policy=policy).text == expected


def test_tag_every_field_and_keeps_the_post_shape(policy: Policy) -> None:
    post = Post(id="p9", text="Call 415-555-2671", captions=["no PHI", "SSN 219-09-9998"],
                kind="reply", in_reply_to="p1", channel="facebook", posted_at=POSTED)
    clean = redact(post, policy=policy)
    assert clean.text == "Call [PHONE_NUMBER]"
    assert clean.captions == ("no PHI", "SSN [SSN]")
    assert clean.model_dump(exclude={"text", "captions"}) == post.model_dump(
        exclude={"text", "captions"})


def test_every_name_is_tagged_name_whichever_layer_found_it() -> None:
    post = Post(text="Thanks Rose Smith and Dr. Lee")
    (a, b), (c, d) = spans(post.text, "Rose Smith", "Lee")
    report = report_for(post, finding("text", a, b, "A", "PERSON"),
                        finding("text", c, d, "A", "PATIENT_NAME"))
    assert redact(post, report, recheck=False).text == "Thanks [NAME] and Dr. [NAME]"


def test_only_flagged_findings_are_redacted() -> None:
    post = Post(text="Call 617-555-0100 or 415-555-2671")
    (a, b), (c, d) = spans(post.text, "617-555-0100", "415-555-2671")
    suppressed = finding("text", a, b, "D", "PHONE_NUMBER").model_copy(
        update={"status": "suppressed"})
    consented = finding("text", c, d, "D", "PHONE_NUMBER").model_copy(
        update={"status": "consented"})
    assert redact(post, report_for(post, suppressed, consented), recheck=False) == post


# ---- overlaps ------------------------------------------------------------------------------------


def test_overlapping_findings_are_replaced_once_as_a_whole() -> None:
    post = Post(text="abc Rose Marie Smith xyz")
    start = post.text.index("Rose")
    report = report_for(
        post,
        finding("text", start, start + 9, "A", "PERSON", score=0.6),        # "Rose Mari"
        finding("text", start + 5, start + 16, "C", "DATE", score=0.9),     # "Marie Smith"
        finding("text", start, start + 4, "A", "PERSON", score=0.99),       # "Rose", inside
    )
    result = redact_with_report(post, report, recheck=False)
    # The longest span wins ("Marie Smith", 11 characters); the union is replaced once.
    assert result.post.text == "abc [DATE] xyz"
    [rep] = result.replacements
    assert (rep.start, rep.end, rep.entity) == (start, start + 16, "DATE")
    assert sorted(rep.rule_ids) == ["test"]
    assert_offsets_consistent(post, result)


def test_equal_length_overlap_goes_to_the_higher_score() -> None:
    post = Post(text="x 12345678 y")
    report = report_for(post, finding("text", 2, 10, "H", "MEDICAL_RECORD_NUMBER", score=0.7),
                        finding("text", 2, 10, "J", "ACCOUNT_NUMBER", score=0.9))
    assert redact(post, report, recheck=False).text == "x [ACCOUNT_NUMBER] y"


def test_adjacent_findings_stay_separate_and_offsets_do_not_drift() -> None:
    post = Post(text="415-555-2671219-09-9998 and MRN: 12345678",
                captions=["Call 415-555-2671"])
    report = report_for(post, finding("text", 0, 12, "D", "PHONE_NUMBER"),
                        finding("text", 12, 23, "G", "SSN"),
                        finding("text", 33, 41, "H", "MEDICAL_RECORD_NUMBER"),
                        finding("captions[0]", 5, 17, "D", "PHONE_NUMBER"))
    result = redact_with_report(post, report, recheck=False)
    assert result.post.text == "[PHONE_NUMBER][SSN] and MRN: [MEDICAL_RECORD_NUMBER]"
    assert result.post.captions == ("Call [PHONE_NUMBER]",)
    assert len(result.replacements) == 4
    assert_offsets_consistent(post, result)
    for rep in result.replacements:
        value = result.post.field_text(rep.field)[rep.new_start : rep.new_end]
        assert value.startswith("[") and value.endswith("]")


# ---- mask ----------------------------------------------------------------------------------------


def test_mask_keeps_initials_and_stars_digits(policy: Policy) -> None:
    post = Post(text="Jane Doe, call 415-555-2671")
    report = report_for(post, finding("text", 0, 8, "A", "PERSON"),
                        finding("text", 15, 27, "D", "PHONE_NUMBER"))
    assert redact(post, report, strategy="mask", policy=policy).text == (
        "J*** D**, call ***-***-****")


# ---- hash ----------------------------------------------------------------------------------------


def test_hash_is_keyed_hmac_sha256_of_the_canonical_value(policy: Policy) -> None:
    clean = redact("Call (415) 555-2671 or 415.555.2671", strategy="hash", key=KEY,
                   policy=policy)
    digest = hmac.new(KEY, b"4155552671", hashlib.sha256).hexdigest()[:16]
    assert clean.text == f"Call [PHONE_NUMBER:{digest}] or [PHONE_NUMBER:{digest}]"
    assert hashlib.sha256(b"4155552671").hexdigest()[:16] not in clean.text


def test_hash_depends_on_the_key(policy: Policy) -> None:
    one = redact("SSN 219-09-9998", strategy="hash", key=KEY, policy=policy)
    two = redact("SSN 219-09-9998", strategy="hash", key=KEY + b"!", policy=policy)
    assert one.text != two.text
    assert one == redact("SSN 219-09-9998", strategy="hash", key=KEY.decode(), policy=policy)


def test_hash_without_a_key_is_an_error_naming_the_parameter_not_the_text(
        policy: Policy) -> None:
    with pytest.raises(ConfigError, match="key=") as error:
        redact("SSN 219-09-9998", strategy="hash", policy=policy)
    assert "219" not in str(error.value)
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        redact("SSN 219-09-9998", strategy="hash", key="short", policy=policy)


# ---- surrogate -----------------------------------------------------------------------------------


def _names_report(post: Post, *names: str) -> Report:
    found = []
    for field_name, text in post.fields():
        position = 0
        while True:
            hits = [(text.find(n, position), n) for n in names if text.find(n, position) >= 0]
            if not hits:
                break
            start, name = min(hits, key=lambda hit: (hit[0], -len(hit[1])))
            found.append(finding(field_name, start, start + len(name), "A", "PERSON"))
            position = start + len(name)
    return report_for(post, *found)


def test_surrogate_is_the_same_fake_in_text_and_every_caption() -> None:
    post = Post(text="Rose Smith turns the corner. Rose says thanks!",
                captions=["Rose Smith with her nurse", "ROSE SMITH going home"])
    clean = redact(post, _names_report(post, "Rose Smith", "Rose", "ROSE SMITH"),
                   strategy="surrogate", recheck=False)
    fake = clean.text[: clean.text.index(" turns")]
    first, last = fake.split()
    # Whole words: a random fake may contain the letters ("Roselyn"), never the name.
    assert fake != "Rose Smith" and not re.search(r"\b(?:Rose|Smith)\b", clean.text)
    assert clean.text == f"{fake} turns the corner. {first} says thanks!"
    assert clean.captions == (f"{fake} with her nurse", f"{fake.upper()} going home")


def test_surrogate_is_consistent_across_a_batch_and_repeatable_with_a_key() -> None:
    posts = [Post(id=str(i), text=f"Get well soon, {name}!")
             for i, name in enumerate(["Rose Smith", "Alan Turing", "Rose Smith"])]

    def run(key: bytes | None) -> list[str]:
        # The default policy: its name layers find both names, whole.
        return [p.text for p in redact_many(posts, strategy="surrogate", key=key,
                                            recheck=False)]

    keyed = run(KEY)
    assert keyed[0] == keyed[2] != keyed[1]
    assert keyed == run(KEY)
    unkeyed = run(None)
    assert unkeyed[0] == unkeyed[2] != unkeyed[1]
    # Whole words: a random fake may contain the letters ("Roselyn"), never the name.
    assert not any(re.search(r"\b(?:Rose|Turing)\b", t) for t in keyed + unkeyed)


def test_surrogate_values_look_real_and_replace_the_original(policy: Policy) -> None:
    post = Post(text="Call 415-555-2671, SSN 219-09-9998, mail rose@gmail.com, "
                     "from 10.1.2.3, seen 3/4/2021", posted_at=POSTED)
    result = redact_with_report(post, strategy="surrogate", key=KEY, policy=policy)
    text = result.post.text
    for original in ("415-555-2671", "219-09-9998", "rose@gmail.com", "10.1.2.3", "3/4/2021"):
        assert original not in text
    assert "(555) 555-01" in text and "@example.com" in text and "192.0.2." in text
    assert "/2021" in text  # a date keeps its shape and its (allowed) year
    ssn = text.split("SSN ")[1][:11]
    assert ssn[0] == "9" and ssn[3] == "-" and ssn[6] == "-"


def test_surrogate_never_keeps_a_birth_year_that_implies_90_plus(policy: Policy) -> None:
    post = Post(text="Rose was born March 3, 1925 in Ohio.", posted_at=POSTED)
    clean = redact(post, strategy="surrogate", key=KEY, policy=policy)
    assert "1925" not in clean.text


# ---- safe-harbor ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Admitted on March 3, 2024.", "Admitted on 2024."),
    ("Discharged 3/4/21 after surgery.", "Discharged 2021 after surgery."),
    ("Surgery on 2023-11-02 went well.", "Surgery on 2023 went well."),
    ("Discharged 7/22, home now.", "Discharged [DATE], home now."),
    ("She is 97 years old.", "She is 90+ years old."),
    ("Happy 102nd birthday!", "Happy 90+ birthday!"),
    ("Rose, aged 95, says hi", "Rose, aged 90+, says hi"),
    ("born 1925", "born [BIRTH_YEAR]"),
    ("Rose was born March 3, 1925.", "Rose was born [DATE]."),
    ("Boston, MA 02115", "Boston, MA 021"),
    ("Boston, MA 02115-1234", "Boston, MA 021"),
    ("zip code 03601", "zip code 000"),      # 036 is a restricted prefix
    ("zip code 036", "zip code 000"),
    ("lives at 12 Elm St, Springfield, IL 62701.", "lives at Illinois 627."),
    ("lives at 9 Pine Rd, Casper, WY 82601.", "lives at Wyoming 826."),  # the shared lists' last
    ("lives at 12 Elm Street in the valley.", "lives at [STREET_ADDRESS] in the valley."),
    ("Call 415-555-2671", "Call [PHONE_NUMBER]"),
])
def test_safe_harbor_generalises(policy: Policy, text: str, expected: str) -> None:
    post = Post(text=text, posted_at=POSTED)
    assert redact(post, strategy="safe-harbor", policy=policy).text == expected


def test_restricted_zip_prefixes_come_from_the_rule_pack(tmp_path: Path) -> None:
    pack = tmp_path / "org.yaml"
    pack.write_text(
        "pack: org\nextends: [safe-harbor]\nrules:\n"
        "  - id: restricted-zip3\n    identifier: B\n    entity: ZIP3_RESTRICTED\n"
        "    message: test list\n    lists:\n      restricted: ['021']\n"
        "    patterns:\n      - regex: '\\bzip3\\s+(?P<zip3>\\L<restricted>)\\b'\n"
        "        group: zip3\n        score: 0.8\n",
        encoding="utf-8")
    org = Policy(packs=[str(pack)], layers=["patterns"])
    shipped = Policy(packs=["safe-harbor"], layers=["patterns"])
    text = "Boston, MA 02115 and zip 03601"
    assert redact(text, strategy="safe-harbor", policy=org).text == (
        "Boston, MA 000 and zip 036")
    assert redact(text, strategy="safe-harbor", policy=shipped).text == (
        "Boston, MA 021 and zip 000")


# ---- what rewriting cannot fix -------------------------------------------------------------------


def test_findings_rewriting_cannot_fix_stay_and_are_returned() -> None:
    post = Post(text="So glad your stay in our ICU went well, Rose!",
                captions=["Rose smiling at the camera in bed 4"])
    status = finding("text", 0, 38, "R", "PATIENT_STATUS", layer="characteristics")
    name = finding("text", 40, 44, "A", "PERSON")
    face = finding("captions[0]", 0, 35, "Q", "FACE_IN_IMAGE", layer="characteristics")
    error = finding("text", 0, 0, "R", "DETECTOR_ERROR", score=1.0, layer="error")
    result = redact_with_report(post, report_for(post, status, name, face, error),
                                recheck=False)
    assert result.post.text == "So glad your stay in our ICU went well, [NAME]!"
    # The face stays in the image; the name flagged in the text goes from the caption too.
    assert result.post.captions == ("[NAME] smiling at the camera in bed 4",)
    assert set(result.needs_human) == {status, face, error}
    assert not result.clean
    assert all(needs_human(f) for f in result.needs_human)


def test_a_clean_result_has_nothing_for_a_person(policy: Policy) -> None:
    result = redact_with_report("Call 415-555-2671", policy=policy)
    assert result.clean and result.needs_human == []
    assert result.after is not None and result.after.verdict == "pass"
    assert result.strategy == "tag"


# ---- re-checking the output ----------------------------------------------------------------------


def test_what_the_rewrite_exposes_is_redacted_too(policy: Policy) -> None:
    # A bare nine-digit number scores below the policy's floor unless "ssn" is near; the tag
    # "[SSN]" puts it there, so the re-check finds it and it is redacted as well.
    text = "219-09-9998 then 219099998"
    assert check(text, policy=policy).flagged[0].end == 11
    result = redact_with_report(text, policy=policy)
    assert result.post.text == "[SSN] then [SSN]"
    assert result.after is not None and result.after.verdict == "pass"
    assert redact(result.post, policy=policy) == result.post
    # The bare number is the flagged one written without dashes: a copy, redacted as one even
    # without the re-check.
    once = redact_with_report(text, policy=policy, recheck=False)
    assert once.post.text == "[SSN] then [SSN]"
    assert [r.rule_ids for r in once.replacements] == [["ssn"], ["redact-repeat"]]


def test_redact_many_keeps_order_and_reports(policy: Policy) -> None:
    posts = [{"id": str(i), "text": "Call 415-555-2671" if i % 2 else "hello"}
             for i in range(7)]
    clean = list(redact_many(posts, policy=policy, batch_size=3))
    assert [p.id for p in clean] == [str(i) for i in range(7)]
    assert [p.text for p in clean] == [
        "Call [PHONE_NUMBER]" if i % 2 else "hello" for i in range(7)]
    results = list(redact_many(posts, policy=policy, batch_size=3, with_report=True))
    assert all(isinstance(r, RedactionResult) and r.clean for r in results)
    assert [r.post for r in results] == clean


# ---- every copy, and what "clean" certifies ------------------------------------------------------


def test_a_name_in_the_text_goes_from_every_caption() -> None:
    post = {"text": "Happy 97th birthday, Rose!", "captions": ["Rose with her cake"]}
    for strategy in ("tag", "mask", "surrogate"):
        result = redact_with_report(post, strategy=strategy, key=KEY)
        assert not re.search(r"(?i)\brose\b", result.post.text + " ".join(result.post.captions))
        assert result.clean


def test_every_copy_of_a_name_goes_common_word_or_not() -> None:
    result = redact_with_report("Happy birthday, Jack! Jack and his nurse celebrated.")
    # The greeting dates a birth (the post's date gives the day), so "birthday" goes too.
    assert result.post.text == "Happy [DATE], [NAME]! [NAME] and his nurse celebrated."
    assert result.clean
    # "Will" is a common word; flagged once as a name, every copy of it is the name.
    post = Post(text="Will is home. We will miss WILL.", captions=["Will's room"])
    result = redact_with_report(post, report_for(post, finding("text", 0, 4, "A", "PERSON")))
    assert result.post.text == "[NAME] is home. We [NAME] miss [NAME]."
    assert result.post.captions == ("[NAME]'s room",)
    assert {r.field for r in result.replacements} == {"text", "captions[0]"}


def test_a_name_is_redacted_word_by_word_and_other_values_whole(policy: Policy) -> None:
    post = Post(text="Rose Smith, SSN 219-09-9998. Smith family thanks you; 219-09-9998 again",
                captions=["rose at home", "Dr. Smithers"])
    name = finding("text", 0, 10, "A", "PERSON")
    ssn = finding("text", 16, 27, "D", "SSN")
    result = redact_with_report(post, report_for(post, name, ssn), policy=policy)
    assert result.post.text == "[NAME], SSN [SSN]. [NAME] family thanks you; [SSN] again"
    assert result.post.captions == ("[NAME] at home", "Dr. Smithers")  # whole words only
    assert result.clean


def test_a_number_goes_whatever_its_punctuation(policy: Policy) -> None:
    text = "Call 415-555-2671 (or 415.555.2671, 415 555 2671); ref 4155552671x stays"
    result = redact_with_report(text, policy=policy)
    assert result.post.text == ("Call [PHONE_NUMBER] (or [PHONE_NUMBER], [PHONE_NUMBER]); "
                                "ref 4155552671x stays")  # whole words only
    assert result.clean


def test_without_the_re_check_nothing_is_certified_clean(policy: Policy) -> None:
    result = redact_with_report("Call 415-555-2671", policy=policy, recheck=False)
    assert result.post.text == "Call [PHONE_NUMBER]" and result.needs_human == []
    assert not result.clean


def test_a_copy_that_survives_the_rewrite_is_not_clean(policy: Policy) -> None:
    # A person called "Name": the tag [NAME] still spells the redacted word.
    post = Post(text="Name says hi")
    result = redact_with_report(post, report_for(post, finding("text", 0, 4, "A", "PERSON")),
                                policy=policy)
    assert result.post.text == "[NAME] says hi"
    assert not result.clean
    assert [(f.rule_id, f.start, f.end) for f in result.needs_human] == [
        ("redact-survivor", 0, 4)]


# Once detection gaps: a relative's name missing from the US first-name lexicon ('husband
# Tomasz') and a lowercase name labelled by its date of birth.
@pytest.mark.parametrize("text", [
    "Congrats to our patient Rosalind on finishing chemo! Her husband Tomasz cheered.",
    "rosalind quackenbush, dob 3/14/1931, was in today",
])
def test_names_no_layer_reports_are_not_called_clean(text: str) -> None:
    result = redact_with_report(text)
    assert not result.clean or not re.search(r"(?i)tomasz|rosalind|quackenbush", result.post.text)


@pytest.mark.parametrize("key", [b"a" * 16, b" " * 16, b"\0" * 32, b"abababababababab",
                                 "0000111100001111"])
def test_a_guessable_key_is_refused_without_being_shown(key: bytes | str, policy: Policy) -> None:
    with pytest.raises(ConfigError, match="guessable") as error:
        redact("SSN 219-09-9998", strategy="hash", key=key, policy=policy)
    shown = key if isinstance(key, str) else key.decode()
    assert shown not in str(error.value)


# ---- misuse --------------------------------------------------------------------------------------


def test_unknown_strategy_lists_the_known_ones(policy: Policy) -> None:
    with pytest.raises(ConfigError, match="tag, mask, hash, surrogate, safe-harbor"):
        redact("hi", strategy="blur", policy=policy)


def test_a_report_for_another_post_is_refused_without_quoting_it() -> None:
    post = Post(id="a", text="SSN 219-09-9998")
    with pytest.raises(InputError, match="'b'"):
        redact(post, Report(post_id="b", verdict="pass", score=0.0))
    bad = report_for(post, finding("captions[0]", 0, 3, "G", "SSN"))
    with pytest.raises(InputError, match="captions") as error:
        redact(post, bad)
    too_long = report_for(post, finding("text", 4, 99, "G", "SSN"))
    with pytest.raises(InputError, match="outside") as error:
        redact(post, too_long)
    assert "219" not in str(error.value)


def test_importing_phiguard_does_not_import_presidio_anonymizer() -> None:
    code = "import sys, phiguard; print('presidio_anonymizer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_inside_tag_knows_the_tags_redaction_writes() -> None:
    from phiguard.tags import inside_tag

    names = {"PHONE_NUMBER", "SSN"}
    text = "call [PHONE_NUMBER] or [SSN:0123456789abcdef] or [not a tag] x [ROSE]"
    assert inside_tag(text, 6, 18, names) and inside_tag(text, 5, 19, names)
    assert inside_tag(text, 24, 45, names)
    assert not inside_tag(text, 0, 4, names)
    assert not inside_tag(text, 6, 22, names)          # runs past the tag
    assert not inside_tag(text, 51, 54, names)         # brackets, but not a tag
    assert not inside_tag(text, 64, 68, names)         # a name in brackets: no tag of ours


@pytest.mark.parametrize("text", ["Happy 97th birthday to our patient [ROSE SMITH]!",
                                  "Get well soon [JACKSON], from all of us on 3 West"])
def test_a_name_in_brackets_is_checked_like_any_name(text: str) -> None:
    # Only tags redaction can write are skipped; brackets alone hide nothing.
    names = [text[f.start:f.end].strip("[]") for f in check(text).findings
             if f.identifier is Identifier.NAMES and f.status == "flagged"]
    assert set(names) & {"ROSE SMITH", "JACKSON"}, names

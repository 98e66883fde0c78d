"""Property tests: no exception on any text, offsets in range and tight, redact-then-check clean.

(The map back from normalized text is a property of normalize(): tests/test_normalize.py.)
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phiguard
from phiguard import Policy, Post, check
from phiguard.normalize import is_ignorable
from phiguard.redact import needs_human

PATTERNS = Policy(layers=["patterns"])
# Small windows, so that hypothesis also walks posts across window edges. Half the overlap is
# longer than the longest identifier below, which windowing then always sees whole.
WINDOWED = Policy(layers=["patterns"], max_post_chars=300, window_overlap=120)

_TRICKY = (
    "0123456789 OoIl-./,:@#()\n\u200b\u2060\u00ad\u2013\u00a0\u3000\u2028"
    "０１２３ＯＩｌﬁ½é🎉\u0301\ud7ff\U0010ffff"
)
# Identifiers the pattern layer redacts, plain and obfuscated.
IDENTIFIERS = [
    "SSN 219-09-9998", "call 415-555-2671", "jane.quarterman@example.com", "MRN 00482913",
    "Springfield, IL 62704", "DOB 03/14/1931", "Fax: (415) 555-2672", "203.0.113.45",
    "https://www.gofundme.com/f/help-baby-jaxon", "Member ID 88234571", "IMEI 490154203237518",
    "SSN ２１９-０９-９９９８", "call 4l5-555-267l", "SSN 2 1 9 - 0 9 - 9 9 9 8",
    "call four one five, five five five, two six seven one", "MRN 0\u200b0482913",
    "she turned 97 today", "123 Maple Street",
]
assert max(map(len, IDENTIFIERS)) < WINDOWED.window_overlap // 2
_WORDS = ["the", "patient", "and", "thanks", "Dr.", "nurse", "Happy", "birthday", ",", ".", "!",
          "five", "zero", "I", "l", "O", "2", "9", "-", "#"]

any_text = st.one_of(
    st.text(),
    st.text(alphabet=_TRICKY, max_size=200),
    st.lists(st.sampled_from(_WORDS + IDENTIFIERS + list(_TRICKY)), max_size=40).map(" ".join),
)
post_with_identifiers = st.lists(
    st.one_of(st.sampled_from(IDENTIFIERS), st.sampled_from(_WORDS)), min_size=1, max_size=25,
).map(" ".join)


def _assert_offsets(post: Post, report: phiguard.Report) -> None:
    for finding in report.findings:
        text = post.field_text(finding.field)
        assert 0 <= finding.start <= finding.end <= len(text)
        if finding.start == finding.end:
            assert finding.entity == "DETECTOR_ERROR" or finding.layer != "patterns"
            continue
        if finding.entity == "BIDI_CONTROL":
            continue  # the finding is the invisible control itself
        # Tight: a span starts and ends on a character a detector saw, never on an invisible
        # one that normalisation dropped.
        assert not is_ignorable(text[finding.start])
        assert not is_ignorable(text[finding.end - 1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.lists(any_text, max_size=2))
def test_no_exception_and_offsets_in_range(text: str, captions: list[str]) -> None:
    post = Post(text=text, captions=captions)
    for policy in (PATTERNS, WINDOWED):
        report = check(post, policy=policy)
        assert report.verdict in ("pass", "review", "block")
        assert "DETECTOR_ERROR" not in {f.entity for f in report.findings}
        _assert_offsets(post, report)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_no_exception_with_the_default_policy(text: str) -> None:
    # The default policy runs every layer, the NER layer included where it is registered.
    post = Post(text=text)
    report = check(post)
    assert "DETECTOR_ERROR" not in {f.entity for f in report.findings}
    _assert_offsets(post, report)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(post_with_identifiers)
def test_windowed_check_equals_whole_check(text: str) -> None:
    whole = check(text, policy=PATTERNS)
    windowed = check(text, policy=WINDOWED)
    assert [(f.start, f.end, f.rule_id) for f in windowed.findings] == [
        (f.start, f.end, f.rule_id) for f in whole.findings]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(post_with_identifiers, st.sampled_from(["tag", "mask", "safe-harbor"]))
def test_check_of_redact_never_blocks_on_redactable_identifiers(text: str, strategy: str) -> None:
    clean = phiguard.redact(text, strategy=strategy, policy=PATTERNS)
    report = check(clean, policy=PATTERNS)
    blocking = [f for f in report.flagged
                if f.score >= PATTERNS.thresholds_for(f.identifier).block and not needs_human(f)]
    assert report.verdict != "block" or not blocking, (clean.text, blocking)

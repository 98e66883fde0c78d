"""Offsets point at the original characters: emoji, captions, fullwidth and invisible characters."""

from __future__ import annotations

from phiguard import Policy, Post, check
from phiguard.normalize import normalize


def test_offsets_with_emoji_and_captions(patterns_policy: Policy) -> None:
    post = Post(
        text="🎉🎂 Happy 97th birthday! 💐 Call 415-555-2671 👩‍⚕️",
        captions=["no identifiers here 😀", "📞 fax: 415-555-2672 ✅"],
    )
    report = check(post, policy=patterns_policy)
    got = [(f.field, post.field_text(f.field)[f.start : f.end]) for f in report.flagged]
    assert got == [
        ("text", "97th birthday"),
        ("text", "415-555-2671"),
        ("captions[1]", "415-555-2672"),
    ]


def test_fullwidth_and_zero_width_map_back(patterns_policy: Policy) -> None:
    text = "Call ４１５\u200b-５５５-２６７１ please"
    report = check(text, policy=patterns_policy)
    [finding] = report.flagged
    assert text[finding.start : finding.end] == "４１５\u200b-５５５-２６７１"


def test_normalize_maps_every_character_back() -> None:
    text = "a\u200bb\uff11\u2013\u00a0ﬁx"
    norm = normalize(text)
    assert norm.text == "ab1- fix"
    for index, char in enumerate(norm.text):
        start, end = norm.to_original(index, index + 1)
        assert start < end
        assert char in normalize(text[start:end]).text


def test_findings_are_sorted_by_field_then_start(patterns_policy: Policy) -> None:
    post = Post(text="fax: 415-555-2672 and SSN 219-09-9998",
                captions=["x", "ZIP 62704", "MRN 00482913"])
    report = check(post, policy=patterns_policy)
    keys = [(f.field, f.start) for f in report.findings]
    assert keys == [("text", 5), ("text", 26), ("captions[1]", 4), ("captions[2]", 4)]

"""Invariants of redaction on generated posts (hypothesis): it never raises, it is idempotent,
it changes nothing outside what it replaces, and what it replaces covers every finding."""

from __future__ import annotations

import os
import re
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phiguard import Policy, Post, RedactionResult, redact, redact_with_report
from phiguard.redact import needs_human

POLICY = Policy(packs=["safe-harbor"], layers=["patterns"])
KEY = b"property-test-key-0123456789"
# Identifiers and near-misses, so generated posts have findings, overlaps and neighbours.
SNIPPETS = [
    "415-555-2671", "(617) 555-0100", "SSN 219-09-9998", "219099998", "rose@gmail.com",
    "https://gofundme.com/rose", "www.example.org/x", "10.1.2.3", "MRN: 12345678",
    "member id ABC12345", "March 3, 2024", "3/4/21", "7/22", "2023-11-02", "born 1925",
    "born March 3, 1925", "97 years old", "102nd birthday", "aged 95", "Boston, MA 02115",
    "zip code 03601", "zip 036", "12 Elm St, Springfield, IL", "PO Box 42", "VIN 1HGCM82633A004352",
    "fax 415-555-2672", "00:1A:2B:3C:4D:5E", "[SSN]", "[DATE]", "90+", "Rose", " ", ", ", ". ",
    "\n", "\u200b", "４１５-５５５-２６７１", "🎉", "Call ", "Happy ",
]
fragment = st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12))
field_text = st.lists(fragment, max_size=8).map("".join)
posts = st.builds(
    Post, text=field_text, captions=st.lists(field_text, max_size=2),
    posted_at=st.just(datetime(2024, 6, 1)),
)
STRATEGIES = ["tag", "mask", "hash", "safe-harbor"]
# PHIGUARD_PROPERTY_EXAMPLES=2000 for a deeper search than CI's.
PROPERTY = settings(max_examples=int(os.environ.get("PHIGUARD_PROPERTY_EXAMPLES", "60")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _outside_replacements_unchanged(post: Post, result: RedactionResult) -> None:
    for name, original in post.fields():
        redacted = result.post.field_text(name)
        reps = sorted((r for r in result.replacements if r.field == name), key=lambda r: r.start)
        position = new_position = 0
        for rep in reps:
            assert position <= rep.start < rep.end <= len(original)
            assert original[position : rep.start] == redacted[new_position : rep.new_start]
            position, new_position = rep.end, rep.new_end
        assert original[position:] == redacted[new_position:]
        assert new_position <= len(redacted)


@PROPERTY
@given(post=posts, strategy=st.sampled_from([*STRATEGIES, "surrogate"]))
def test_never_raises_and_keeps_the_shape(post: Post, strategy: str) -> None:
    result = redact_with_report(post, strategy=strategy, policy=POLICY, key=KEY)
    assert len(result.post.captions) == len(post.captions)
    assert result.post.id == post.id
    _outside_replacements_unchanged(post, result)


@PROPERTY
@given(text=st.text(max_size=60))
def test_arbitrary_text_is_left_alone_or_rewritten_until_clean(text: str) -> None:
    for strategy in [*STRATEGIES, "surrogate"]:
        result = redact_with_report(text, strategy=strategy, policy=POLICY, key=KEY)
        if not result.report.flagged:
            assert result.post.text == text and result.replacements == []
        assert result.after is not None
        assert all(needs_human(f) for f in result.after.flagged)


@PROPERTY
@given(post=posts, strategy=st.sampled_from(STRATEGIES))
def test_idempotent(post: Post, strategy: str) -> None:
    once = redact(post, strategy=strategy, policy=POLICY, key=KEY)
    assert redact(once, strategy=strategy, policy=POLICY, key=KEY) == once


@PROPERTY
@given(post=posts, strategy=st.sampled_from(STRATEGIES))
def test_changes_nothing_outside_the_findings(post: Post, strategy: str) -> None:
    # Without the re-check, the replaced spans are exactly the unions of overlapping findings
    # and the other copies of their values (an address may also take the town and state after
    # it, under safe-harbor).
    result = redact_with_report(post, strategy=strategy, policy=POLICY, key=KEY, recheck=False)
    _outside_replacements_unchanged(post, result)
    redactable = [f for f in result.report.flagged if not needs_human(f)]
    values = {post.field_text(f.field)[f.start : f.end].strip().casefold() for f in redactable}
    for rep in result.replacements:
        inside = [f for f in redactable
                  if f.field == rep.field and rep.start <= f.start and f.end <= rep.end]
        if not inside:
            # Another copy of a flagged value (these posts hold no names: whole values).
            copy = post.field_text(rep.field)[rep.start : rep.end].casefold()
            assert rep.rule_ids == ["redact-repeat"] and copy in values
            continue
        assert min(f.start for f in inside) == rep.start
        if rep.treatment != "state":
            assert max(f.end for f in inside) == rep.end
    for f in redactable:
        assert any(r.field == f.field and r.start <= f.start and f.end <= r.end
                   for r in result.replacements)


@PROPERTY
@given(post=posts, strategy=st.sampled_from(STRATEGIES))
def test_redacted_output_checks_clean(post: Post, strategy: str) -> None:
    result = redact_with_report(post, strategy=strategy, policy=POLICY, key=KEY)
    assert result.after is not None
    assert all(needs_human(f) for f in result.after.flagged)
    assert [f for f in result.needs_human if not needs_human(f)] == []


@PROPERTY
@given(post=posts, strategy=st.sampled_from(STRATEGIES))
def test_clean_means_no_copy_of_a_replaced_value_survives(post: Post, strategy: str) -> None:
    result = redact_with_report(post, strategy=strategy, policy=POLICY, key=KEY)
    if not result.clean:
        return
    redacted = [text.casefold() for _name, text in result.post.fields()]
    for rep in result.replacements:
        if rep.treatment in ("year", "age", "zip3", "state"):
            continue  # a generalised value keeps part of the original on purpose
        value = post.field_text(rep.field)[rep.start : rep.end].strip().casefold()
        if sum(ch.isalnum() for ch in value) < 2:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")
        assert not any(pattern.search(text) for text in redacted)

"""The leakage gate: labelled PHI must not survive `redact`, and the redacted post must check clean.

Two corpora, each skipped with a message when absent:
- the project's own labelled posts (benchmarks/data/posts.jsonl), checked with the default
  policy: no labelled token of a redactable identifier may survive, and `check` on the redacted
  posts may flag only findings that rewriting cannot fix (patient status, images);
- the PhysioNet deid development split (../shared/data/physionet-deid-dev.jsonl), ICU notes. The
  pattern layer runs over the whole split (about 10 s); the full default stack with NER runs over
  a deterministic sample of every 25th note, since the whole split takes minutes. What redaction
  itself guarantees is asserted exactly (a token that a finding touches never survives; nothing
  the rewrite exposes is left). What detection misses (a hospital name NER does not know) is a
  ratchet: the counts may not grow past the figures below. docs/redaction.md gives the full-split
  figures.

A labelled token "survives" when some character of it lies outside every replacement, so a date
generalised to its year counts as redacted (the year is allowed) and a name left as it was does
not. Tokens are word characters: "Rose Smith" is two tokens.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import regex

from phiguard import Finding, Policy, Post, RedactionResult, Report, check_many, redact_many
from phiguard.redact import NEEDS_HUMAN_ENTITIES, NEEDS_HUMAN_IDENTIFIERS, needs_human

ROOT = Path(__file__).resolve().parents[1]
OWN_POSTS = ROOT / "benchmarks" / "data" / "posts.jsonl"
PHYSIONET = ROOT.parent / "shared" / "data" / "physionet-deid-dev.jsonl"
PHYSIONET_SAMPLE_STEP = 25
WORD = regex.compile(r"\w+")
# Words a label's span may include that identify no one: titles, labels, function words, and
# US state codes (Safe Harbor allows the state). "Mr. Abernathy" leaks only if "Abernathy" does.
NOT_IDENTIFYING = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "sgt", "coach", "the", "a", "an", "and", "of", "in", "on",
    "at", "born", "family", "fax", "phone", "tel", "plate", "number", "no",
    # a relation word inside a labelled name ("Grandpa Joe Kowalski") says who, not which
    "grandpa", "grandma", "grandmother", "grandfather", "son", "daughter", "sister", "brother",
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "fl", "ga", "hi", "id", "il", "ia", "ks",
    "ky", "la", "me", "md", "ma", "mi", "mn", "mo", "mt", "ne", "nv", "nh", "nj", "nm",
    "ny", "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va",
    "wa", "wv", "wi", "wy",
})

# PhysioNet labels -> Safe Harbor letter, as benchmarks/labels.py maps them. A clinician's name
# (HCPName) is workforce, not an identifier of the patient; a year alone is allowed.
PHYSIONET_LETTERS: dict[str, str | None] = {
    "PTName": "A", "PTNameInitial": "A", "RelativeProxyName": "A", "HCPName": None,
    "Date": "C", "DateYear": None, "Age": "C", "Location": "B", "Phone": "D", "Other": "R",
}
# Ratchet: labelled tokens the detectors miss today (lower these as detection improves).
# Pattern layer over the whole split: "11/21.93"- and "10/03/10/04"-style dates, "CVA 74'",
# a phone written "(301 273 45166)".
# Gates on labelled data the rules were tuned on: the evaluation suite (pytest -m evaluation),
# which CI runs; `pytest -m "not evaluation"` is the fast unit suite.
pytestmark = pytest.mark.evaluation

PATTERN_LEAK_CEILING = {"Date": 25, "Phone": 3, "Age": 1, "Other": 1}
# Default stack (NER) over the sample: two dates in odd formats.
DEFAULT_STACK_LEAK_CEILING = 2
# The project's own posts, default policy: names NER splits or misses ("Olivia Grace Mendez"
# found as "Olivia") and small towns with no cue word.
OWN_LEAK_CEILING = 19  # 10 before the owner stage: it now leaves the organisation's own numbers


def _physionet_letter(label: str, value: str) -> str | None:
    letter = PHYSIONET_LETTERS.get(label)
    if label == "Age":
        numbers = [int(n) for n in regex.findall(r"\d+", value)]
        return letter if numbers and max(numbers) > 89 else None
    return letter


def _redactable(letter: str | None, entity: str | None) -> bool:
    """A labelled span that rewriting can fix: an identifier, and not an image or a disclosure
    (those are `needs_human`; the gate checks they are reported, not rewritten)."""
    if letter is None:
        return False
    return (letter not in {i.value for i in NEEDS_HUMAN_IDENTIFIERS}
            and entity not in NEEDS_HUMAN_ENTITIES)


@dataclass
class Gate:
    """What one run of redaction left behind, in counts and offsets only (never the text)."""

    tokens: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    # Surviving tokens that a flagged finding touched: redaction's own failure, always 0.
    partial: list[tuple[str, str, int, int]] = field(default_factory=list)
    # Flagged findings of `check` on the redacted post that rewriting could fix.
    exposed: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    # ... of which wholly inside a tag phiguard wrote (NER reading "[NAME]" as a person).
    in_tags: list[tuple[str, str, str, int, int]] = field(default_factory=list)

    def total_leaked(self) -> int:
        """All surviving labelled tokens."""
        return sum(self.leaked.values())


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _post(row: dict[str, Any]) -> Post:
    return Post(id=str(row["id"]), text=row.get("text", ""), captions=row.get("captions", []))


def run_gate(rows: list[dict[str, Any]], policy: Policy,
             letter_of: Callable[[str, str], str | None], strategy: str = "tag") -> Gate:
    """Redact the rows, then measure what survived and what `check` still finds."""
    posts = [_post(row) for row in rows]
    results: list[RedactionResult] = list(redact_many(
        posts, policy=policy, strategy=strategy, with_report=True, batch_size=32))
    rechecked = list(check_many([r.post for r in results], policy=policy, batch_size=32))
    gate = Gate()
    for row, result, after in zip(rows, results, rechecked, strict=True):
        post_id = str(row["id"])
        flagged = [f for f in result.report.flagged if not needs_human(f)]
        for span in row.get("phi", []):
            if _redactable(letter_of(span["label"], span["text"]), span.get("entity")):
                _count_span(gate, post_id, span, result, flagged)
        _count_rechecked(gate, post_id, result, after)
    print(f"\nleakage gate ({policy.name}, layers {policy.layers}, {len(rows)} posts): "
          f"{gate.total_leaked()} of {sum(gate.tokens.values())} labelled tokens survive; "
          f"by label {dict(gate.leaked)} of {dict(gate.tokens)}; "
          f"{len(gate.exposed)} exposed, {len(gate.in_tags)} inside tags")
    return gate


def _count_span(gate: Gate, post_id: str, span: dict[str, Any], result: RedactionResult,
                flagged: list[Finding]) -> None:
    """Count a labelled span's identifying words, and those no replacement covers."""
    label = span["label"]
    reps = [r for r in result.replacements if r.field == span["field"]]
    for word in WORD.finditer(span["text"]):
        if word.group().casefold() in NOT_IDENTIFYING:
            continue
        start, end = span["start"] + word.start(), span["start"] + word.end()
        gate.tokens[label] += 1
        if any(r.start <= start and end <= r.end for r in reps):
            continue
        gate.leaked[label] += 1
        if any(f.field == span["field"] and f.start < end and start < f.end for f in flagged):
            gate.partial.append((post_id, span["field"], start, end))


def _count_rechecked(gate: Gate, post_id: str, result: RedactionResult, after: Report) -> None:
    """What `check` still flags in the redacted post: inside a tag phiguard wrote, or exposed."""
    for finding in after.flagged:
        if needs_human(finding):
            continue
        where = (post_id, finding.entity, finding.field, finding.start, finding.end)
        tags = [r for r in result.replacements if r.field == finding.field]
        if any(r.new_start <= finding.start and finding.end <= r.new_end for r in tags):
            gate.in_tags.append(where)
        else:
            gate.exposed.append(where)


# ---- the project's own labelled posts ------------------------------------------------------------


def _own_letter_of() -> Callable[[str, str], str | None]:
    if str(ROOT) not in sys.path:  # benchmarks/ is a top-level folder, not part of the package
        sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.labels import label_mapper
    except ImportError:
        pytest.skip("benchmarks/labels.py is not importable: cannot map the post set's labels")
    return label_mapper()


@pytest.fixture(scope="module")
def own_gate() -> Gate:
    """The gate over the project's own labelled posts, default policy."""
    if not OWN_POSTS.exists():
        pytest.skip(f"{OWN_POSTS.relative_to(ROOT)} is absent: the labelled post set is not built "
                    "yet (python -m benchmarks generate)")
    return run_gate(_read(OWN_POSTS), Policy(), _own_letter_of())


def test_own_posts_redaction_leaves_nothing_it_found(own_gate: Gate) -> None:
    assert own_gate.partial == []


def test_own_posts_misses_do_not_grow(own_gate: Gate) -> None:
    # The target is 0; what survives today is what detection misses (see OWN_LEAK_CEILING).
    assert own_gate.total_leaked() <= OWN_LEAK_CEILING, dict(own_gate.leaked)


def test_own_posts_check_clean_after_redaction(own_gate: Gate) -> None:
    # pass, or review only for what rewriting cannot fix (needs_human is filtered out above)
    assert own_gate.exposed == []


def test_own_posts_tags_are_not_findings(own_gate: Gate) -> None:
    # NER has read a tag as a person ("at [PHONE_NUMBER]"); on these posts it must not.
    assert own_gate.in_tags == []


# ---- PhysioNet development split ---------------------------------------------------------------


@pytest.fixture(scope="module")
def physionet_rows() -> list[dict[str, Any]]:
    """Every note of the PhysioNet deid development split."""
    if not PHYSIONET.exists():
        pytest.skip(f"{PHYSIONET} is absent: the shared benchmark data is not installed")
    return _read(PHYSIONET)


@pytest.fixture(scope="module")
def pattern_gate(physionet_rows: list[dict[str, Any]]) -> Gate:
    """The whole split, pattern layer of the Safe Harbor pack, every date a patient's."""
    policy = Policy(name="patterns", packs=["safe-harbor"], layers=["patterns"])
    return run_gate(physionet_rows, policy, _physionet_letter)


@pytest.fixture(scope="module")
def default_stack_gate(physionet_rows: list[dict[str, Any]]) -> Gate:
    """Every 25th note, the default layers with the clinical profile (every date counts)."""
    return run_gate(physionet_rows[::PHYSIONET_SAMPLE_STEP], Policy.clinical(), _physionet_letter)


def test_physionet_patterns_redaction_leaves_nothing_it_found(pattern_gate: Gate) -> None:
    assert pattern_gate.partial == []
    assert pattern_gate.exposed == []
    assert pattern_gate.in_tags == []


def test_physionet_patterns_misses_do_not_grow(pattern_gate: Gate) -> None:
    for label, ceiling in PATTERN_LEAK_CEILING.items():
        assert pattern_gate.leaked[label] <= ceiling, (label, pattern_gate.leaked[label])
    # The pattern layer has no names or places: those are the NER layer's, gated below.
    assert set(pattern_gate.leaked) - set(PATTERN_LEAK_CEILING) <= {
        "PTName", "PTNameInitial", "RelativeProxyName", "Location"}


def test_physionet_default_stack_redaction_leaves_nothing_it_found(
        default_stack_gate: Gate) -> None:
    assert default_stack_gate.partial == []
    assert default_stack_gate.exposed == []


def test_physionet_default_stack_misses_do_not_grow(default_stack_gate: Gate) -> None:
    assert default_stack_gate.total_leaked() <= DEFAULT_STACK_LEAK_CEILING, dict(
        default_stack_gate.leaked)

"""Literal gates: a pattern is skipped only on fields where it cannot match."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from phiguard import Policy
from phiguard.detectors.gates import FOLDS_TO_ASCII, FieldWords, gate_for
from phiguard.engine import get_pipeline
from phiguard.normalize import normalize

RULES = Path(__file__).resolve().parents[1] / "rules"


def _shipped_patterns() -> list[tuple[str, object]]:
    patterns = []
    for policy in (Policy(), Policy.strict()):
        detector = next(d for d in get_pipeline(policy).detectors if d.name == "patterns")
        for compiled in detector.rules:
            patterns.extend((f"{compiled.rule.id}/{p.name}", p) for p in compiled.patterns)
    return patterns


PATTERNS = _shipped_patterns()
GATED = [(name, p) for name, p in PATTERNS if p.gate is not None]


def _skipped_matches(text: str) -> list[str]:
    words = FieldWords(text)
    return [name for name, p in GATED
            if not words.passes(p.gate) and p.regex.search(text) is not None]


def test_most_shipped_patterns_have_a_gate() -> None:
    assert len(GATED) > len(PATTERNS) / 2


def test_no_shipped_example_is_skipped_by_a_gate() -> None:
    lines = [line for path in sorted(RULES.glob("*.examples.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines
    skipped = [(name, line) for line in lines for name in _skipped_matches(normalize(line).text)]
    assert skipped == []


# Text built from the gates' own words (in any case), digits, punctuation and the characters that
# fold onto ASCII letters, so the patterns have something to match and the gates something to miss.
_PIECES = sorted({w for _, p in GATED for w in p.gate.words}
                 | {"Room 12", "bed 4", "DOB", "born", "Mr.", "Dr.", "Smith", "in", "the", "of",
                    "\u212a", "\u0130", "\u017f", "é", "’s", "#", "@", "-", "/", ":", "\n"})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=4)), max_size=14),
       st.sampled_from([str, str.upper, str.title]))
def test_a_gate_never_skips_a_pattern_that_matches(pieces: list[str], case: object) -> None:
    text = case(" ".join(pieces))
    assert _skipped_matches(text) == []


def test_fold_list_is_every_character_the_regex_module_folds_onto_ascii() -> None:
    others = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert set(regex.findall(r"(?i)[a-z0-9_]", others)) == set(FOLDS_TO_ASCII)


def test_gate_reads_a_keyword_opening() -> None:
    gate = gate_for(r"(?i)\b(?:room|rm|bed)\s?#?\d{1,4}", 0, {})
    assert gate is not None and gate.words == {"room", "rm", "bed"}
    assert FieldWords("Moved to BED 4").passes(gate)
    assert not FieldWords("the lobby is bright").passes(gate)
    assert FieldWords("a bedroom-less wing").passes(gate)  # a word starting "bed" runs it


def test_gate_reads_a_required_word_after_the_opening() -> None:
    gate = gate_for(r"(?i)\p{Lu}\w+,?[ \t]+(?:dob|born)\b", 0, {})
    assert gate is not None and gate.words == {"dob", "born"}
    assert FieldWords("Ana Ruiz DOB").passes(gate)
    assert not FieldWords("Ana Ruiz came by").passes(gate)


def test_gate_without_a_word_boundary_looks_anywhere() -> None:
    gate = gate_for(r"colou?r\d", 0, {})
    assert gate is not None and gate.substrings == ("colo",)
    assert FieldWords("watercolor5").passes(gate)


def test_gate_reads_named_lists_and_fields_with_folding_characters_are_not_gated() -> None:
    gate = gate_for(r"(?i)(?<![\w-])\L<kinds>(?![\w-])", 0, {"kinds": ["Kelvin", "Ward"]})
    assert gate is not None and gate.words == {"kelvin", "ward"}
    assert not FieldWords("no such word").passes(gate)
    assert FieldWords("\u212aelvin").passes(gate)  # the Kelvin sign: regex matches it to 'k'


@pytest.mark.parametrize("source", [
    r"[A-Z]\d+",  # a class first
    r"(?:ab)?\d+",  # an optional group, then no literal
    r"abc|\d+",  # one alternative with no literal
    r"(?x) a b c",  # verbose: spaces are not literal
    r"(?>ab|a)\d",  # an atomic group is not read
    r"x{0,2}\d",  # a literal that may be absent
])
def test_gate_is_none_when_the_source_does_not_show_one(source: str) -> None:
    assert gate_for(source, 0, {}) is None


def test_gate_is_none_for_verbose_flag() -> None:
    assert gate_for(r"abc", regex.VERBOSE, {}) is None

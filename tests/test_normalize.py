"""Normalisation: each folding step, what it leaves alone, the exact map back to the original."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phiguard.bidi import NEEDS_REORDER
from phiguard.normalize import Normalized, normalize

# The folds the properties below allow, stated here rather than read from the module: a spelled
# digit, a look-alike letter in a number, and a bracket shown right to left (its mirror).
DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
LOOKALIKES = {"O": "0", "o": "0", "I": "1", "l": "1"}
MIRRORED = dict(zip("()[]{}<>«»", ")(][}{><»«", strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Unicode NFKC: fullwidth digits and letters.
        ("Ｃａｌｌ ４１５-５５５-２６７１", "Call 415-555-2671"),
        # Invisible characters removed.
        ("219\u200b-09\u2060-99\u00ad98", "219-09-9998"),
        # Every dash and space variant folded.
        ("415\u2012555\u2013267\u2014x\u00a0y\u2009z\u3000w\u2028v", "415-555-267-x y z w\nv"),
        # Look-alikes in a run that is otherwise numeric.
        ("call 4l5-555-O132", "call 415-555-0132"),
        ("MRN OO4829l3", "MRN 00482913"),
        ("DOB O3/l4/l93l", "DOB 03/14/1931"),
        # Digits separated by single spaces or dots.
        ("SSN 2 1 9 - 0 9 - 9 9 9 8.", "SSN 219-09-9998."),
        ("4.1.5.5.5.5.2.6.7.1", "4155552671"),
        ("MRN 0 0 4 8 2 9 l 3", "MRN 00482913"),
        # ...but a lone "I" at the edge of a run is the pronoun, and "lol" has no digit at all.
        ("I 2 3 4 5 6 7", "I 234567"),
        ("lol, 1O0 l0l", "lol, 100 l0l"),
        # Spelled-out digits: a long run alone, a short one after a word that introduces a number.
        ("five five five, zero one three two", "555-0132"),
        ("four one five, five five five, two six seven one", "415-555-2671"),
        ("her zip is six two seven zero four", "her zip is 62704"),
        ("ext five zero one two", "ext 5012"),
        ("zero three, one four, one nine three one", "03-14-1931"),
        ("Four One Five dash five five five", "415-555"),
        # Whatever shows nothing, by Unicode property: variation selectors, keycaps, tag
        # characters, format characters, combining marks.
        ("2\ufe0f\u20e38\u206a7\u180b-\ufff96\U0001bca05\U000e0020-4\u03013\u03321\u034f0",
         "287-65-4310"),
        # A pictograph touching a digit, digits of other scripts and enclosed digits.
        ("28\U0001f6007 \u0662\u0668\u0667 \u2781\u2787\u2786 \u2777\u277d\u277c",
         "287 287 287 287"),
        # Character references and escapes, as shown.
        ("&#50;&#x38;&#X37&hyphen;%36%35", "287-65"),
        ("R&amp;D, AT&T and 100% of staff", "R&D, AT&T and 100% of staff"),
        # Display order: an override shows its run reversed.
        ("SSN \u202e0134-56-782\u202c ok", "SSN 287-65-4310 ok"),
        # Spacing or a line break around a separator between digits; dotted words.
        ("287 - 65 -\n4310 and 14 / 03 / 1958", "287-65-4310 and 14/03/1958"),
        ("J.o.h.n S-m-i-t-h, U.S.A., R.S.V.P.", "John Smith, U.S.A., R.S.V.P."),
        ("J o h n S m i t h, A B C", "John Smith, A B C"),
    ],
)
def test_folds(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Happy 97th birthday, Rose! 🎉",
        "I love my 3 kids",  # a lone "I" next to a number is the pronoun
        "Upgraded to version 1.2.3.4.5",  # dots alone, too few digits: a version, not a number
        "Room 12 or 13, floor 4",
        "Oh, one more thing: two nurses and one doctor",
        "one two three four",  # four spelled digits without a word introducing a number
        "We counted down: five, four, three",
        "Call 911",
        "",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert normalize(text).text == unicodedata.normalize("NFKC", text)


def test_unicode_view_keeps_words_as_written() -> None:
    text = "Ｒｏｓｅ\u200b said five five five, zero one three two"
    plain = normalize(text, fold_digits=False)
    assert plain.text == "Rose said five five five, zero one three two"
    assert normalize(text).text == "Rose said 555-0132"


def test_plain_ascii_needs_no_map() -> None:
    # The fast path: nothing to fold means no per-character map is built.
    norm = normalize("Flu shots are available at every clinic this week. 🎉 Café")
    assert norm.starts is None and norm.ends is None


def test_spelled_digit_maps_to_its_word() -> None:
    text = "call five five five, zero one three two"
    norm = normalize(text)
    index = norm.text.index("0")
    start, end = norm.to_original(index, index + 1)
    assert text[start:end] == "zero"
    start, end = norm.to_original(norm.text.index("555"), len(norm.text))
    assert text[start:end] == "five five five, zero one three two"


def test_findings_point_at_the_original_spelled_words() -> None:
    from phiguard import Policy, check

    text = "Her social is two one nine, zero nine, nine nine nine eight."
    report = check(text, policy=Policy(layers=["patterns"]))
    [finding] = report.flagged
    assert finding.entity == "SSN"
    assert text[finding.start : finding.end] == "two one nine, zero nine, nine nine nine eight"


# ---- the map back, as a property ---------------------------------------------------------------

_TRICKY = (
    "0123456789 OoIl-./,\u200b\u2060\u00ad\u2013\u2014\u00a0\u3000\u2028"
    "０１２３ＯＩｌﬁ½é🎉\u0301"
)
_WORDS = [*DIGIT_WORDS, "dash", "call", "zip", "SSN", "MRN", " ", ", ", "-", "I"]
texts = st.one_of(
    st.text(),
    st.text(alphabet=_TRICKY, max_size=80),
    st.lists(st.sampled_from(_WORDS + list(_TRICKY)), max_size=40).map(" ".join),
)


def _explains(source: str, char: str) -> bool:
    """Can this original text have produced this normalized character?"""
    if char in normalize(source, fold_digits=False).text:
        return True
    if MIRRORED.get(source) == char:  # a bracket shown right to left
        return True
    plain = normalize(source, fold_digits=False).text.strip().lower()
    if plain in DIGIT_WORDS:
        return DIGIT_WORDS[plain] == char
    folded = normalize(source, fold_digits=False).text
    if folded in LOOKALIKES:
        return LOOKALIKES[folded] == char
    # A separator run between spelled digits becomes "-" or "/".
    return char in "-/" and any(mark in folded for mark in ",.-/") or (
        char == "-" and "dash" in folded.lower())


def _check_map(norm: Normalized) -> None:
    if norm.starts is None or norm.ends is None:
        assert norm.text == norm.original
        return
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    reordered = NEEDS_REORDER.search(norm.original) is not None
    previous_start = previous_end = 0
    for index, char in enumerate(norm.text):
        start, end = norm.to_original(index, index + 1)
        assert 0 <= start < end <= len(norm.original)
        # Monotonic unless shown in display order: a span of normalized text maps to one
        # contiguous span of the original.
        assert reordered or (start >= previous_start and end >= previous_end)
        previous_start, previous_end = start, end
        assert _explains(norm.original[start:end], char), (norm.original, index, char)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_normalisation_maps_back_exactly(text: str) -> None:
    for fold_digits in (True, False):
        norm = normalize(text, fold_digits=fold_digits)
        assert norm.original == text
        _check_map(norm)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_unicode_view_is_per_character_nfkc(text: str) -> None:
    # Without digit folding, every normalized character comes from exactly one original one
    # (or one character reference: "&#50;" is one character).
    norm = normalize(text, fold_digits=False)
    if "&" in text or "%" in text:
        return
    if norm.starts is None or norm.ends is None:
        return
    for index in range(len(norm.text)):
        start, end = norm.to_original(index, index + 1)
        assert end == start + 1


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_spans_map_to_the_union_of_their_characters(text: str, data: st.DataObject) -> None:
    norm = normalize(text)
    if not norm.text:
        return
    start = data.draw(st.integers(0, len(norm.text) - 1))
    end = data.draw(st.integers(start + 1, len(norm.text)))
    low, high = norm.to_original(start, end)
    # The smallest span holding every character's source (in display order a run can reverse).
    assert low == min(norm.to_original(i, i + 1)[0] for i in range(start, end))
    assert high == max(norm.to_original(i, i + 1)[1] for i in range(start, end))


def test_reversed_run_maps_to_its_characters() -> None:
    text = "SSN \u202e0134-56-782\u202c ok"
    norm = normalize(text)
    start = norm.text.index("287")
    # Each displayed character points at the one typed; a span, at all of them.
    assert text[slice(*norm.to_original(start, start + 1))] == "2"
    assert norm.to_original(start, start + 11) == (text.index("0134"), text.index("\u202c"))
    assert norm.controls == (4, 16)


def test_unicode_view_is_kept_with_the_detection_view() -> None:
    text = "\u202ehtimS nhoJ\u202c, call five five five, zero one three two"
    norm = normalize(text)
    assert norm.view is not None and norm.view.text.startswith("John Smith, call five")
    start, end = norm.from_view(0, 10)
    assert norm.text[start:end] == "John Smith"


def test_empty_span_maps_to_a_position() -> None:
    norm = normalize("a\u200bb")
    assert norm.to_original(1, 1) == (2, 2)
    assert norm.to_original(2, 2) == (3, 3)

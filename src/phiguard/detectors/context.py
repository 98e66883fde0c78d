"""Whole-word context: is one of these words or phrases within N tokens of a span?

Presidio matched context as substrings, so "lic" fired inside "duplicate"; here a context word
must equal a whole token, and a phrase a run of whole tokens.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from phiguard.detectors.base import WORD_PATTERN, FieldText


def words(text: str) -> tuple[str, ...]:
    """Lowercase word tokens, as allowlists and lexicons compare them."""
    return tuple(w.lower() for w in WORD_PATTERN.findall(text))


# A fact of the whole field, asked once per candidate: computed once per field text (was
# quadratic on a long post of many candidates).
@lru_cache(maxsize=16)
def mixed_case(text: str) -> bool:
    """Written in sentence case, where a place's or a name's capital means something: not a
    chart in capitals or in lowercase (at least one word in ten capitalised, and not nine)."""
    found = [w for w in text.split() if w[:1].isalpha()]
    capital = sum(w[:1].isupper() for w in found)
    return bool(found) and 0.1 * len(found) <= capital < 0.9 * len(found)


# Words a full stop after which ends no sentence ("Dr. Fuchs", "Main St. clinic", "Lt. Reilly"),
# as one regex alternation: every stage that splits sentences reads this one list.
ABBREVIATIONS = (r"dr|dra|mr|mrs|ms|mx|st|sr|sra|srta|jr|rev|fr|sgt|lt|capt|col|gen|prof|ave|"
                 r"rd|blvd|no|vs|approx|dept|ft|mt|inc|co|e\.g|i\.e")


def sentence_initial(field: FieldText, start: int) -> bool:
    """True if `start` begins a sentence of the field (after . ! ? : or a line break)."""
    text = field.text
    index = start - 1
    while index >= 0 and text[index] in " \t\"'“‘(":  # scan back, never copy the prefix
        index -= 1
    return index < 0 or text[index] in ".!?\n:"


class Phrases(list[tuple[str, ...]]):
    """Compiled phrases, in their declared order, with an index by first word built once.

    A lookup then reads each word of the window once instead of comparing every phrase at every
    position. Treat it as read-only: the index is not rebuilt if the list changes.
    """

    def __init__(self, phrases: Iterable[tuple[str, ...]] = ()) -> None:
        super().__init__(phrases)
        self.firsts = _by_first_word(self)


def _by_first_word(
        phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """(declared position, phrase) by the phrase's first word."""
    firsts: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for order, phrase in enumerate(phrases):
        firsts.setdefault(phrase[0], []).append((order, phrase))
    return firsts


def _index(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    return phrases.firsts if isinstance(phrases, Phrases) else _by_first_word(phrases)


def fold(token: str) -> str:
    """A token casefolded with its accents off ("Síndrome" -> "sindrome")."""
    folded = token.casefold()
    if folded.isascii():
        return folded
    return "".join(ch for ch in unicodedata.normalize("NFD", folded)
                   if not unicodedata.combining(ch))


def compile_phrases(words: Iterable[str]) -> Phrases:
    """Context words and phrases as lowercase token tuples. A phrase written with accents is
    also kept without them: posts drop accents ("cirugia", "sindrome") more than lists do."""
    phrases = []
    for word in words:
        phrase = tuple(t.lower() for t in WORD_PATTERN.findall(word))
        if phrase:
            phrases.append(phrase)
            plain = tuple(fold(t) for t in phrase)
            if plain != phrase:
                phrases.append(plain)
    return Phrases(phrases)


def find_context(
    field: FieldText, start: int, end: int, phrases: list[tuple[str, ...]], window: int,
    direction: str = "both",
) -> str | None:
    """The phrase nearest to [start, end) within `window` tokens before and/or after, else None.

    Tokens inside the span itself do not count: "Fax" is no context for itself. The nearest
    phrase (the earlier one on a tie, then the longer) is the answer whatever the order of
    `phrases`, which may come from a set: explanations must not change with the hash seed.
    """
    if not phrases:
        return None
    tokens = field.tokens
    words = tokens.words
    first_inside = bisect_left(tokens.ends, start + 1)
    after_inside = bisect_right(tokens.starts, end - 1)
    low = max(0, first_inside - window) if direction != "after" else after_inside
    high = min(len(words), after_inside + window) if direction != "before" else first_inside
    # One pass over the window's words finds every candidate phrase by its first word.
    firsts = _index(phrases)
    best: tuple[int, int, int] | None = None  # (distance, index, -size)
    found: tuple[str, ...] | None = None
    for index in range(low, high):
        if first_inside <= index < after_inside:
            continue
        for _order, phrase in firsts.get(words[index], ()):
            size = len(phrase)
            if index + size > high or tuple(words[index:index + size]) != phrase:
                continue
            distance = first_inside - index - size + 1 if index < first_inside \
                else index - after_inside + 1
            key = (distance, index, -size)
            if best is None or key < best:
                best, found = key, phrase
    return " ".join(found) if found is not None else None


def phrase_hits(words: Sequence[str],
                phrases: Iterable[tuple[str, ...]]) -> list[tuple[int, tuple[str, ...]]]:
    """(index, phrase) for each whole-token phrase found in `words`, first by position.

    One pass over the words, looking phrases up by their first word: linear in the words."""
    firsts = _index(phrases)
    hits = []
    for index, word in enumerate(words):
        for _order, phrase in firsts.get(word, ()):
            if tuple(words[index:index + len(phrase)]) == phrase:
                hits.append((index, phrase))
    return hits


def has_phrase(words: Sequence[str], phrases: Iterable[tuple[str, ...]]) -> bool:
    """True if any of the phrases is a run of whole tokens of `words`."""
    return bool(phrase_hits(words, phrases))


def host_of(text: str) -> str:
    """The lowercase host of an email address or a URL ("billing@x.org" -> "x.org")."""
    text = text.lower()
    if "@" in text and "/" not in text:
        return text.rsplit("@", 1)[1]
    return urlsplit(text if "//" in text else "//" + text).hostname or ""

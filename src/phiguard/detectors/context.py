"""Whole-word context: is one of these words or phrases within N tokens of a span?

Presidio matched context as substrings, so "lic" fired inside "duplicate"; here a context word
must equal a whole token, and a phrase a run of whole tokens.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from phiguard.detectors.base import WORD_PATTERN, FieldText


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


def compile_phrases(words: Iterable[str]) -> list[tuple[str, ...]]:
    """Context words and phrases as lowercase token tuples."""
    phrases = (tuple(t.lower() for t in WORD_PATTERN.findall(w)) for w in words)
    return Phrases(phrase for phrase in phrases if phrase)


def find_context(
    field: FieldText, start: int, end: int, phrases: list[tuple[str, ...]], window: int,
    direction: str = "both",
) -> str | None:
    """The first phrase found within `window` tokens before and/or after [start, end), else None.

    Tokens inside the span itself do not count: "Fax" is no context for itself.
    """
    if not phrases:
        return None
    tokens = field.tokens
    words = tokens.words
    first_inside = bisect_left(tokens.ends, start + 1)
    after_inside = bisect_right(tokens.starts, end - 1)
    low = max(0, first_inside - window) if direction != "after" else after_inside
    high = min(len(words), after_inside + window) if direction != "before" else first_inside
    # The phrase declared first wins wherever it is in the window, as when each phrase was
    # searched in turn; one pass over the window's words finds every candidate phrase.
    firsts = _index(phrases)
    best: tuple[int, tuple[str, ...]] | None = None
    for index in range(low, high):
        if first_inside <= index < after_inside:
            continue
        for order, phrase in firsts.get(words[index], ()):
            if (best is None or order < best[0]) and index + len(phrase) <= high \
                    and tuple(words[index:index + len(phrase)]) == phrase:
                best = (order, phrase)
    return " ".join(best[1]) if best is not None else None


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

"""Masked excerpts for output that must not show PHI: "Jane Doe" -> "J*** D**"."""

from __future__ import annotations

import regex

_WORD = regex.compile(r"[\p{L}\p{N}]+")


def _mask_word(word: str) -> str:
    # A number's first digit is part of the identifier; a name's initial shows too little.
    if any(ch.isdigit() for ch in word):
        return "*" * len(word)
    return word[0] + "*" * (len(word) - 1)


def mask(text: str) -> str:
    """Keep the first letter of each word and the punctuation; star the rest and every digit."""
    return str(_WORD.sub(lambda m: _mask_word(m.group()), text))

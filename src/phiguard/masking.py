"""Masked excerpts for output that must not show PHI: "Jane Doe" -> "J*** D**"."""

from __future__ import annotations

import regex

from phiguard.normalize import normalize

_WORD = regex.compile(r"[\p{L}\p{N}]+")
_DIGIT = regex.compile(r"\p{Nd}")


def _mask_word(word: str) -> str:
    # A number's first digit is part of the identifier; a name's initial shows too little.
    if any(ch.isdigit() for ch in word):
        return "*" * len(word)
    return word[0] + "*" * (len(word) - 1)


def letters_carry_digits(text: str) -> bool:
    """Whether letters in `text` stand for digits ("two eight seven", "O132"): normalisation
    reads more digits in it than it holds. Their initials and lengths would give the number."""
    return len(_DIGIT.findall(normalize(text).text)) > len(_DIGIT.findall(text))


def mask(text: str, category: str | None = None) -> str:
    """Keep the first letter of each word and the punctuation; star the rest and every digit.
    Where letters spell digits, nothing of them is kept: `[category]`, or stars alone."""
    if letters_carry_digits(text):
        return f"[{category}]" if category else "*" * len(text)
    return str(_WORD.sub(lambda m: _mask_word(m.group()), text))

"""Realistic fake values for the `surrogate` redaction strategy, consistent within a batch.

A `Surrogates` object holds one secret and a memo of what it has already invented, so the same
name becomes the same fake name in a post's text and in each caption, and in every post of a
batch. Given the same `key`, two runs invent the same fakes (the choice is an HMAC of the value);
without a key a random secret is drawn once per object and never leaves it, so no unkeyed hash
of PHI is ever made.

Names come from the shipped lexicons under `rules/lexicons/` (first-names.txt, last-names.txt)
when they are installed, else from a small built-in list. Numbers keep their shape with other
digits; phone numbers use the fictional 555-01xx range; SSNs use the 9xx area, which the SSA
never issues; IP addresses use the documentation ranges of RFC 5737.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import string
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import regex

from phiguard.rulepacks.loader import rules_dir

# Used when the lexicons are absent. Common US names, so a fake reads like a real post.
_FIRST = (
    "Mary", "Linda", "Susan", "Karen", "Nancy", "Betty", "Helen", "Sandra", "Donna", "Carol",
    "Ruth", "Sharon", "Laura", "Sarah", "Kimberly", "Deborah", "Jessica", "Shirley", "Cynthia",
    "Angela", "James", "Robert", "Michael", "William", "David", "Richard", "Charles", "Joseph",
    "Thomas", "Daniel", "Paul", "Mark", "Donald", "George", "Kenneth", "Steven", "Edward",
    "Brian", "Ronald", "Anthony", "Kevin", "Jason", "Gary", "Timothy", "Larry", "Jeffrey",
)
_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez",
    "Wilson", "Martinez", "Anderson", "Taylor", "Thomas", "Hernandez", "Moore", "Martin",
    "Jackson", "Thompson", "White", "Lopez", "Lee", "Gonzalez", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Perez", "Hall", "Young", "Allen", "Sanchez", "Wright", "King",
    "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Ramirez", "Campbell", "Mitchell",
)
_STREETS = ("Oak", "Maple", "Cedar", "Pine", "Elm", "Willow", "Birch", "Lake", "Hill", "Park")
_STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Drive", "Court")
_CITIES = (
    "Springfield", "Riverton", "Fairview", "Greenville", "Franklin", "Clinton", "Georgetown",
    "Salem", "Madison", "Ashland", "Oakdale", "Milford",
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_WORD = regex.compile(r"\p{L}+(?:['’]\p{L}+)*")


def _read_lexicon(name: str) -> tuple[str, ...]:
    path = rules_dir() / "lexicons" / name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    words = []
    for line in lines:
        # One name a line, optionally followed by columns (frequency...); "#" starts a comment.
        word = line.split("#", 1)[0].strip().split("\t")[0].split(",")[0].strip()
        if word and word.isalpha():
            words.append(word[:1].upper() + word[1:].lower())
    return tuple(dict.fromkeys(words))


@lru_cache(maxsize=1)
def name_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(first names, last names) to draw fakes from: the lexicons if shipped, else built-in."""
    first = _read_lexicon("first-names.txt")
    last = _read_lexicon("last-names.txt")
    return (first if len(first) >= 20 else _FIRST), (last if len(last) >= 20 else _LAST)


@lru_cache(maxsize=1)
def name_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Casefolded first and last names, to tell which a word of a name is."""
    first, last = name_lists()
    return frozenset(n.casefold() for n in first), frozenset(n.casefold() for n in last)


def _match_case(fake: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return fake.upper()
    if original.islower():
        return fake.lower()
    return fake


class Surrogates:
    """Invents fake values; the same value (ignoring case and punctuation) gets the same fake."""

    def __init__(self, key: bytes | None = None) -> None:
        # A random secret when no key is given: consistent for this object's life, never stored.
        self._key = key if key is not None else os.urandom(32)
        self._memo: dict[tuple[str, str], str] = {}
        self._used: dict[str, set[str]] = {}

    def _number(self, kind: str, value: str, salt: int = 0) -> int:
        message = f"{kind}\x00{salt}\x00{value}".encode()
        return int.from_bytes(hmac.new(self._key, message, hashlib.sha256).digest()[:8], "big")

    def _pick(self, kind: str, value: str, choices: Sequence[str]) -> str:
        """A fake for `value` from `choices`, never the value itself and, while choices last,
        never a fake already given to a different value of the same kind."""
        canon = value.casefold()
        memo_key = (kind, canon)
        if memo_key in self._memo:
            return self._memo[memo_key]
        used = self._used.setdefault(kind, set())
        start = self._number(kind, canon)
        fake = choices[start % len(choices)]
        for step in range(len(choices)):
            candidate = choices[(start + step) % len(choices)]
            if candidate.casefold() != canon and candidate not in used:
                fake = candidate
                break
        used.add(fake)
        self._memo[memo_key] = fake
        return fake

    def name(self, text: str) -> str:
        """A fake for a person's name, word by word: "Rose" and "Rose Smith" share the "Rose"."""
        first, last = name_lists()
        words = list(_WORD.finditer(text))
        if not words:
            return self._pick("first", text, first)
        out = []
        position = 0
        for index, match in enumerate(words):
            word = match.group()
            if len(word) == 1:
                fake = self._pick("initial", word.upper(), string.ascii_uppercase)
            elif self._is_last(word, index == len(words) - 1 and len(words) > 1):
                fake = self._pick("last", word, last)
            else:
                fake = self._pick("first", word, first)
            out.append(text[position : match.start()])
            out.append(_match_case(fake, word))
            position = match.end()
        out.append(text[position:])
        return "".join(out)

    def _is_last(self, word: str, last_position: bool) -> bool:
        # Whatever a word was taken for before, it stays: "Smith" then "Rose Smith" agree.
        canon = word.casefold()
        if ("last", canon) in self._memo:
            return True
        if ("first", canon) in self._memo:
            return False
        first, last = name_sets()
        if canon in last and canon not in first:
            return True
        if canon in first and canon not in last:
            return False
        return last_position

    def shape(self, text: str) -> str:
        """The same shape with other characters: digits for digits, letters for letters."""
        memo_key = ("shape", text.casefold())
        if memo_key in self._memo:
            return self._memo[memo_key]
        number = self._number("shape", text.casefold())
        out = []
        for index, char in enumerate(text):
            step = (number >> (index % 56)) + index * 7
            if char.isdigit():
                out.append(str(step % 10))
            elif char.isalpha() and char.isascii():
                letter = string.ascii_uppercase[step % 26]
                out.append(letter if char.isupper() else letter.lower())
            else:
                out.append(char)
        fake = "".join(out)
        self._memo[memo_key] = fake
        return fake

    def phone(self, text: str) -> str:
        """A phone number in the fictional 555-0100..0199 range."""
        number = self._number("phone", "".join(ch for ch in text if ch.isdigit()))
        return f"(555) 555-01{number % 100:02d}"

    def email(self, text: str) -> str:
        """A fake address at example.com, made from a fake name."""
        first, last = name_lists()
        number = self._number("email", text.casefold())
        return (f"{first[number % len(first)].lower()}."
                f"{last[(number // 7) % len(last)].lower()}@example.com")

    def url(self, text: str) -> str:
        """A fake web address under example.org."""
        return f"https://example.org/p/{self._number('url', text) % 100000:05d}"

    def ip(self, text: str) -> str:
        """An address from the documentation ranges (192.0.2.0/24 or 2001:db8::/32)."""
        number = self._number("ip", text.casefold())
        if ":" in text:
            return f"2001:db8::{number % 65535 + 1:x}"
        return f"192.0.2.{number % 254 + 1}"

    def ssn(self, text: str) -> str:
        """A 9xx-area number: SSN-shaped, never issued by the SSA."""
        number = self._number("ssn", "".join(ch for ch in text if ch.isdigit()))
        area, group, serial = number % 100, (number // 100) % 90 + 10, (number // 10**4) % 9000
        return f"9{area:02d}-{group:02d}-{serial + 1000}"

    def date(self, text: str, reference: date | None = None) -> str:
        """A fake date written like the original: numeric stays numeric, a year stays.

        A year 90 or more years before `reference` is left out: with a fake day it would still
        tell an age over 89."""
        number = self._number("date", text.casefold())
        month, day = number % 12 + 1, (number // 12) % 28 + 1
        year = regex.search(r"(?<!\d)(?:18|19|20)\d\d(?!\d)", text)
        if year and reference is not None and int(year.group()) <= reference.year - 90:
            text = text[: year.start()].rstrip(" ,/.-")
            year = None
        if any(ch.isalpha() for ch in text):
            fake = f"{_MONTHS[month - 1]} {day}"
            return f"{fake}, {year.group()}" if year else fake
        if year and text.startswith(year.group()):
            return f"{year.group()}-{month:02d}-{day:02d}"
        parts = regex.split(r"([/.-])", text.strip())
        separator = parts[1] if len(parts) > 1 else "/"
        fake = f"{month}{separator}{day}"
        # A written year (four digits or two) is kept: Safe Harbor allows the year.
        return f"{fake}{separator}{parts[4]}" if len(parts) >= 5 else fake

    def address(self, text: str) -> str:
        """A fake street address."""
        number = self._number("address", text.casefold())
        return (f"{number % 9000 + 100} {_STREETS[(number // 9000) % len(_STREETS)]} "
                f"{_STREET_KINDS[(number // 90000) % len(_STREET_KINDS)]}")

    def zip_code(self, text: str) -> str:
        """A fake 5-digit ZIP code."""
        return f"{self._number('zip', text) % 90000 + 10000:05d}"

    def city(self, text: str) -> str:
        """A fake town name."""
        return _match_case(self._pick("city", text, _CITIES), text)

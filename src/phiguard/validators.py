"""Named, versioned checks that rule packs refer to ("ssn.v1", "luhn.v1", ...).

A validator sees one match and says whether it really is the identifier. Names carry a version
so that a change of behaviour gets a new name and packs opt in to it.
"""

from __future__ import annotations

import calendar
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import regex

from phiguard.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Match:
    """What a validator sees: the matched (normalized) text and the regex's named groups."""

    text: str
    groups: dict[str, str | None]
    reference_date: date


Validator = Callable[[Match], bool]
VALIDATORS: dict[str, Validator] = {}


def register(name: str, *, replace: bool = False) -> Callable[[Validator], Validator]:
    """Register a validator under a versioned name ("my-org-mrn.v1"), for rule packs to use.

    A name already taken is an error unless `replace=True`: a pack that names "ssn.v1" must
    get the check it was written against, not whichever module registered last.
    """

    def decorate(func: Validator) -> Validator:
        if name in VALIDATORS and not replace:
            raise ConfigError(f"validator {name!r} is already registered; give yours a new "
                              "name (or a new version) or pass replace=True")
        VALIDATORS[name] = func
        return func

    return decorate


def get_validator(name: str) -> Validator:
    """Look a validator up by name; the error lists the registered names."""
    try:
        return VALIDATORS[name]
    except KeyError:
        known = ", ".join(sorted(VALIDATORS))
        raise ConfigError(f"unknown validator {name!r}; registered validators: {known}") from None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def luhn_ok(digits: str) -> bool:
    """The Luhn mod-10 check used by IMEIs and card numbers."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@register("ssn.v1")
def ssn(m: Match) -> bool:
    """SSA rules: no 000, 666 or 9xx area, no 00 group, no 0000 serial, not one repeated digit."""
    digits = _digits(m.text)
    if len(digits) != 9 or len(set(digits)) == 1:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    # Sequential and advertising numbers the SSA never issued.
    return digits not in ("123456789", "078051120", "219099999")


@register("luhn.v1")
def luhn(m: Match) -> bool:
    """The digits pass the Luhn check."""
    digits = _digits(m.text)
    return len(digits) >= 2 and luhn_ok(digits)


@register("imei.v1")
def imei(m: Match) -> bool:
    """15 digits passing the Luhn check (an IMEI, not an IMEISV)."""
    digits = _digits(m.text)
    return len(digits) == 15 and len(set(digits)) > 1 and luhn_ok(digits)


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


@register("vin.v1")
def vin(m: Match) -> bool:
    """A 17-character VIN whose 9th character is the North American check digit."""
    text = m.text.upper()
    if len(text) != 17 or any(ch not in _VIN_VALUES for ch in text):
        return False
    if not any(ch.isdigit() for ch in text) or not any(ch.isalpha() for ch in text):
        return False
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(text, _VIN_WEIGHTS, strict=True))
    check = total % 11
    return text[8] == ("X" if check == 10 else str(check))


@register("ipv4.v1")
def ipv4(m: Match) -> bool:
    """A valid dotted-quad IPv4 address, without leading zeros."""
    try:
        ipaddress.IPv4Address(m.text)
    except ValueError:
        return False
    return True


@register("ipv6.v1")
def ipv6(m: Match) -> bool:
    """A valid IPv6 address (compressed forms included)."""
    if m.text.count(":") < 2:
        return False
    try:
        ipaddress.IPv6Address(m.text)
    except ValueError:
        return False
    return True


@register("mac.v1")
def mac(m: Match) -> bool:
    """A MAC address that is not all zeros or the broadcast address."""
    hexdigits = "".join(ch for ch in m.text.lower() if ch in "0123456789abcdef")
    return len(hexdigits) == 12 and hexdigits not in ("000000000000", "ffffffffffff")


@register("phone.v1")
def phone(m: Match) -> bool:
    """NANP numbering rules for 10-digit numbers; libphonenumber for '+' international ones."""
    text = m.text.strip()
    if text.startswith("+") and not text.startswith("+1"):
        import phonenumbers  # only for international numbers: its metadata is slow to import

        try:
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(text, None)))
        except phonenumbers.NumberParseException:
            return False
    # An extension does not change whether the line itself is a valid number.
    digits = _digits(regex.sub(r"(?i)\s*(?:x|ext\.?|extension)\s*\d+$", "", text))
    if digits.startswith("001"):
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return False
    area, exchange = digits[:3], digits[3:6]
    if area[0] in "01" or exchange[0] in "01":
        return False
    # N11 codes are service codes (911, 411), not area codes.
    if area[1:] == "11" or exchange[1:] == "11":
        return False
    return len(set(digits)) > 2


@register("phone-any.v1")
def phone_any(m: Match) -> bool:
    """A phone number in any national format: 7 to 15 digits (E.164), not one repeated digit,
    and not shaped like a date."""
    text = m.text.strip()
    digits = _digits(regex.sub(r"(?i)\s*(?:x|ext\.?)\s*\d+$", "", text))
    if not 7 <= len(digits) <= 15 or len(set(digits)) < 3:
        return False
    return regex.fullmatch(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}", text) is None


_MONTHS = {
    name.lower(): index
    for index in range(1, 13)
    for name in (calendar.month_name[index], calendar.month_abbr[index])
}
_MONTHS["sept"] = 9
# Spanish month names (rules/lists/months-es.txt), for "el 12 de mayo".
_MONTHS.update({name: index for index, name in enumerate(
    ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
     "octubre", "noviembre", "diciembre"], start=1)})
_MONTHS["setiembre"] = 9


def _year(text: str | None, reference: date) -> int | None:
    if not text:
        return None
    value = int(text)
    if len(text) == 2:
        # Two-digit years: the latest year not after the reference year.
        century = reference.year - reference.year % 100
        value += century if century + value <= reference.year else century - 100
    return value


@register("date.v1")
def calendar_date(m: Match) -> bool:
    """Named groups month (number or name), day and optional year form a real calendar date."""
    month_text = m.groups.get("month")
    day_text = m.groups.get("day")
    if not month_text:
        return False
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower().rstrip("."))
    if month is None or not 1 <= month <= 12:
        return False
    year = _year(m.groups.get("year"), m.reference_date)
    if year is not None and not 1850 <= year <= m.reference_date.year + 5:
        return False
    if not day_text:
        return year is not None
    day = int(day_text)
    last = calendar.monthrange(year or 2000, month)[1]
    return 1 <= day <= last


_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_UNITS = {word: value for value, word in enumerate(_UNIT_WORDS.split())}
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {word: 10 * (index + 2) for index, word in enumerate(_TENS_WORDS.split())}
_ORDINALS = {
    "first": "one", "second": "two", "third": "three", "fifth": "five", "eighth": "eight",
    "ninth": "nine", "twelfth": "twelve",
}


# Past this a number is an institution's anniversary, not a person's age ("we turned 125").
_OLDEST_PLAUSIBLE_AGE = 115
# Words and decades that name an age range entirely over 89.
_AGE_WORDS = {
    "90s": 90, "nineties": 90, "100s": 100, "nonagenarian": 90, "centenarian": 100,
    "supercentenarian": 110,
}


def words_to_number(text: str) -> int | None:
    """'ninety-three', 'one hundred and first', '102nd', '101' -> the number, else None."""
    cleaned = text.lower().strip()
    if cleaned in _AGE_WORDS:
        return _AGE_WORDS[cleaned]
    digits = regex.fullmatch(r"(\d{1,3})(?:st|nd|rd|th)?", cleaned)
    if digits:
        return int(digits.group(1))
    total = 0
    current = 0
    seen = False
    for word in regex.split(r"[\s-]+", cleaned):
        if word in ("and", "a", ""):
            continue
        word = _ORDINALS.get(word, word)
        if word.endswith("ieth"):
            word = word[:-4] + "y"
        elif word.endswith("th") and word[:-2] in _UNITS | {"hundred": 0}:
            word = word[:-2]
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
        seen = True
    total += current
    return total if seen else None


@register("age-over-89.v1")
def age_over_89(m: Match) -> bool:
    """The named group `age` (digits or words) is a plausible human age over 89."""
    value = words_to_number(m.groups.get("age") or "")
    return value is not None and 89 < value <= _OLDEST_PLAUSIBLE_AGE


@register("birth-year-over-89.v1")
def birth_year_over_89(m: Match) -> bool:
    """The named group `year` is a birth year that makes the person older than 89."""
    year_text = m.groups.get("year") or ""
    if not year_text.isdigit():
        return False
    year = int(year_text)
    age = m.reference_date.year - year
    return 89 < age <= _OLDEST_PLAUSIBLE_AGE


# A telephone number as people write one: "1-888-555-0126", "(312) 555-0199", "415.555.0142".
_PHONE_SHAPED = regex.compile(r"(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]?\d{3}[-. ]\d{4}")


@register("not-phone-shaped.v1")
def not_phone_shaped(m: Match) -> bool:
    """Not a telephone number by its shape: "our billing number is 1-888-555-0126" gives a
    phone, which the phone rules read and the owner stage decides, not an account."""
    return _PHONE_SHAPED.fullmatch(m.text) is None


@register("has-digits.v1")
def has_digits(m: Match) -> bool:
    """An id-shaped token: at least 4 digits, not one repeated digit, not a plain year."""
    digits = _digits(m.text)
    if len(digits) < 4 or len(set(digits)) == 1:
        return False
    return not (len(m.text) == 4 and regex.fullmatch(r"(?:19|20)\d\d", m.text) is not None)


@register("has-digit.v1")
def has_digit(m: Match) -> bool:
    """A short code (licence plate) with at least one digit."""
    return any(ch.isdigit() for ch in m.text)


@register("zip5.v1")
def zip5(m: Match) -> bool:
    """A ZIP code that is not 00000 and has a real 3-digit prefix (001 is unused)."""
    digits = _digits(m.text)
    return len(digits) in (5, 9) and digits[:5] != "00000" and digits[:3] not in ("000", "001")

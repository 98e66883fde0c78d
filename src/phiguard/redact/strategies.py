"""The five strategies: what one cluster of overlapping findings is rewritten to.

Each replacement is made by a presidio-anonymizer operator: `replace` for a fixed value (tags,
generalised values), `custom` for computed ones (mask, keyed hash, surrogates). Its own `mask`
and `hash` do not fit: see docs/redaction.md.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import regex

from phiguard.masking import mask
from phiguard.models import Finding, Identifier
from phiguard.redact.settings import PackData, Settings
from phiguard.redact.tables import SAFE_HARBOR_TREATMENTS, SURROGATE_KINDS, US_STATES, tag_for
from phiguard.tags import HASH_HEX_DIGITS


@dataclass
class Cluster:
    """Overlapping findings of one field, replaced once, as a whole."""

    start: int
    end: int
    members: list[Finding] = field(default_factory=list)
    # A generalised value of this span was still flagged: tag it instead.
    escalated: bool = False

    @property
    def winner(self) -> Finding:
        """The finding whose treatment the cluster gets."""
        # Longest, then highest-scoring; ties by identifier letter, then rule id, so it is stable.
        return max(self.members, key=lambda f: (f.end - f.start, f.score,
                                                 -ord(f.identifier.value[0]), f.rule_id))


@lru_cache(maxsize=1)
def _operators() -> dict[str, Any]:
    # Imported on first use: presidio-anonymizer pulls in `cryptography`, about a second.
    from presidio_anonymizer.operators import Custom, Replace

    return {"replace": Replace(), "custom": Custom()}


def _operate(name: str, text: str, params: dict[str, Any]) -> str:
    operator = _operators()[name]
    operator.validate(params)
    return str(operator.operate(text, params))


def _replace(original: str, value: str) -> str:
    return _operate("replace", original, {"new_value": value})


def _custom(original: str, method: Callable[[str], str]) -> str:
    return _operate("custom", original, {"lambda": method})


def treat(settings: Settings, cluster: Cluster, original: str, reference: date,
          state: str | None) -> tuple[str, str]:
    """The treatment name and the replacement of `original`, the text of `cluster`.

    `reference` is the post's date (two-digit years, ages); `state` the state written after a
    street address, for safe-harbor."""
    strategy = settings.strategy
    winner = cluster.winner
    if strategy == "tag":
        return "tag", _replace(original, tag_for(winner))
    if strategy == "mask":
        return "mask", _custom(original, mask)
    if strategy == "hash":
        assert settings.key is not None  # checked in make_settings
        return "hash", _custom(original, _hasher(settings.key, tag_for(winner)[1:-1]))
    if strategy == "surrogate":
        return _surrogate(settings, cluster, original, reference)
    return _safe_harbor(settings, cluster, original, reference, state)


def _hasher(key: bytes, name: str) -> Callable[[str], str]:
    def keyed_hash(text: str) -> str:
        # Case, spacing and punctuation do not matter: "(415) 555-2671" = "415.555.2671".
        canon = "".join(ch for ch in text.casefold() if ch.isalnum()).encode("utf-8")
        digest = hmac.new(key, canon, hashlib.sha256).hexdigest()[:HASH_HEX_DIGITS]
        return f"[{name}:{digest}]"

    return keyed_hash


def _removed_member(cluster: Cluster) -> Finding | None:
    """A member whose value must go entirely (a birth year implying 90+): it decides the tag."""
    return next((m for m in cluster.members
                 if SAFE_HARBOR_TREATMENTS.get(m.entity) == "remove"), None)


def _surrogate(settings: Settings, cluster: Cluster, original: str,
               reference: date) -> tuple[str, str]:
    winner = cluster.winner
    kind = "name" if winner.identifier == Identifier.NAMES else SURROGATE_KINDS.get(
        winner.entity, "shape" if any(ch.isdigit() for ch in original) else "tag")
    removed = _removed_member(cluster)
    if removed is not None:
        # "born March 3, 1925": a fake day keeps the year, and the year is the PHI.
        return "remove", _replace(original, tag_for(removed))
    if len({m.identifier for m in cluster.members}) > 1 or cluster.escalated:
        # Overlapping findings of different kinds: no one fake fits them all.
        kind = "tag"
    if kind == "tag":
        return "tag", _replace(original, tag_for(winner))
    if kind == "age":
        return "age", _custom(original, _age)
    if kind == "zip000":
        return "zip3", "000"
    surrogates = settings.surrogates
    method: Callable[[str], str] = getattr(surrogates, kind)
    if kind == "date":

        def method(text: str) -> str:
            return surrogates.date(text, reference)

    return "surrogate", _custom(original, method)


def _safe_harbor(settings: Settings, cluster: Cluster, original: str, reference: date,
                 state: str | None) -> tuple[str, str]:
    removed = _removed_member(cluster)
    if removed is not None:
        return "remove", _replace(original, tag_for(removed))
    treatment = _cluster_treatment(cluster)
    kept_part = _KEPT_PARTS.get(treatment)
    value = None if kept_part is None else kept_part(original, settings, reference, state)
    if value is None:
        return "tag", _replace(original, tag_for(cluster.winner))
    return treatment, _replace(original, value)


def _cluster_treatment(cluster: Cluster) -> str:
    """The winner's Safe Harbor treatment, or "tag" where the cluster's members disagree.

    A member inside the winner that is the same identifier (a date inside a date) agrees.
    """
    winner = cluster.winner
    treatment = SAFE_HARBOR_TREATMENTS.get(winner.entity, "tag")
    if cluster.escalated:
        return "tag"
    for member in cluster.members:
        own = SAFE_HARBOR_TREATMENTS.get(member.entity, "tag")
        contained = winner.start <= member.start and member.end <= winner.end
        if own != treatment and not (contained and member.identifier == winner.identifier):
            return "tag"
    return treatment


# The part of an identifier Safe Harbor lets a post keep, per treatment: None when there is
# none to keep and the whole is tagged.
_KeptPart = Callable[[str, Settings, date, str | None], str | None]


def _kept_year(original: str, settings: Settings, reference: date,
               state: str | None) -> str | None:
    value = _year(original, reference)
    # The year of a person's date that long ago tells an age over 89 (a birth).
    return None if value is None or int(value) <= reference.year - 90 else value


def _kept_age(original: str, settings: Settings, reference: date,
              state: str | None) -> str | None:
    return _age(original)


def _kept_zip3(original: str, settings: Settings, reference: date,
               state: str | None) -> str | None:
    return _zip3(original, settings.pack)


def _kept_state(original: str, settings: Settings, reference: date,
                state: str | None) -> str | None:
    return US_STATES.get(state, state) if state else None


_KEPT_PARTS: dict[str, _KeptPart] = {
    "year": _kept_year, "age": _kept_age, "zip3": _kept_zip3, "state": _kept_state,
}


_YEAR4 = regex.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_YEAR2 = regex.compile(r"\A\d{1,2}[/.-]\d{1,2}[/.-](?P<yy>\d{2})\Z")
_AGE_NUMBER = regex.compile(r"\d{2,3}(?:st|nd|rd|th)?")


def _year(text: str, reference: date) -> str | None:
    found = _YEAR4.search(text)
    if found:
        return str(found.group())
    short = _YEAR2.match(text.strip())
    if short:
        # Two-digit years: the latest year not after the post's date, as the date rule reads it.
        value = int(short.group("yy"))
        century = reference.year - reference.year % 100
        return str(value + (century if century + value <= reference.year else century - 100))
    return None


def _age(text: str) -> str:
    if _AGE_NUMBER.search(text):
        return str(_AGE_NUMBER.sub("90+", text, count=1))
    return "90+"


def _zip3(text: str, pack: PackData) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    prefix = digits[:3]
    if len(prefix) < 3 or not prefix.isascii() or prefix in pack.restricted_zip3:
        return "000"
    return prefix

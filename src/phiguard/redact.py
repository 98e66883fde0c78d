"""Redaction: the same post with its flagged findings rewritten, by one of five strategies.

    redact(post)                                  # "Call [PHONE_NUMBER]"      (tag, the default)
    redact(post, strategy="mask")                 # "Call ***-***-****", "J*** D**"
    redact(post, strategy="hash", key=secret)     # "[NAME:9f2c61d0a4b7e3f8]" (HMAC-SHA256)
    redact(post, strategy="surrogate", key=k)     # "Call (555) 555-0142", "Mary Jones"
    redact(post, strategy="safe-harbor")          # dates -> year, ages -> "90+", ZIP -> 3 digits
    redact_with_report(post).needs_human          # findings rewriting words cannot fix

How it works, for each field: the flagged findings that rewriting can fix are grouped into
clusters of overlapping spans; each cluster is replaced once, as a whole (so nothing is replaced
twice and nothing of a partly overlapping span survives), in the treatment of its best finding
(longest, then highest-scoring). Replacements are spliced in left to right, recording old and new
offsets, so offsets never drift. The redacted post is then checked again: a finding that the
rewriting itself exposed (a year left by a date that, after "born", implies 90+; a number whose
context word was in the tag) is mapped back to the original text and the post redacted again, at
most `MAX_ROUNDS` times. Each replacement is made by a presidio-anonymizer operator ("replace"
for fixed values, "custom" for computed ones).

Findings that rewriting cannot fix (`needs_human`) are left in place and returned in
`RedactionResult.needs_human`; they are never dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal, overload

import regex
from pydantic import BaseModel, ConfigDict, Field

from phiguard.engine import PostLike, as_post, check_many
from phiguard.errors import ConfigError, InputError
from phiguard.masking import mask
from phiguard.models import DETECTOR_ERROR, Finding, Identifier, Post, Report
from phiguard.policy import DEFAULT_POLICY, Policy
from phiguard.rulepacks.loader import load_rulepack
from phiguard.rulepacks.schema import ListSpec
from phiguard.surrogates import Surrogates
from phiguard.tags import HASH_HEX_DIGITS

Strategy = Literal["tag", "mask", "hash", "surrogate", "safe-harbor"]
STRATEGIES: tuple[str, ...] = ("tag", "mask", "hash", "surrogate", "safe-harbor")

# How many times a post is re-checked and re-redacted; in practice one extra round suffices.
MAX_ROUNDS = 4
# A keyed hash is only as good as its key: the same floor presidio sets for its salt.
MIN_KEY_BYTES = 16

# ---- What rewriting cannot fix -------------------------------------------------------------------
# An image shows a face whatever its caption says; a reply that confirms someone was a patient
# discloses it whichever words are removed. These findings stay in place, marked for a person.
# Entities as the shipped packs name them (rules/unique-characteristics.yaml).
NEEDS_HUMAN_IDENTIFIERS: frozenset[Identifier] = frozenset({
    Identifier.FACE_PHOTO,   # PATIENT_PICTURED, FACE_IN_IMAGE: the face is in the image
    Identifier.BIOMETRIC,    # a voice recording or fingerprint shared with the post
})
NEEDS_HUMAN_ENTITIES: frozenset[str] = frozenset({
    "PATIENT_STATUS",        # a reply confirming or implying that someone is a patient
    "IMAGE_IDENTIFIER",      # a wristband, chart or screen readable in the image
    "DISTINCTIVE_MARK",      # a tattoo or birthmark shown in the image
    DETECTOR_ERROR,          # the post could not be fully checked: nothing can certify a rewrite
    "BIDI_CONTROL",          # text shown in another order than typed: a person looks at it
})


def needs_human(finding: Finding) -> bool:
    """Whether rewriting the text cannot fix this finding, so a person must decide."""
    return (
        finding.identifier in NEEDS_HUMAN_IDENTIFIERS
        or finding.entity in NEEDS_HUMAN_ENTITIES
        # A span of nothing marks the whole post (a detector error, a combination): no words
        # to rewrite.
        or finding.start == finding.end
    )


# ---- Tags ----------------------------------------------------------------------------------------
# The tag is the entity (`[PHONE_NUMBER]`), except where detectors name one thing differently:
# every name (identifier A) is `[NAME]` whichever layer found it.
IDENTIFIER_TAGS: dict[Identifier, str] = {Identifier.NAMES: "NAME"}
ENTITY_TAGS: dict[str, str] = {
    "AGE_OVER_89": "AGE",
    "BIRTH_YEAR_OVER_89": "BIRTH_YEAR",
    "ZIP3_RESTRICTED": "ZIP_CODE",
    "DATE_TIME": "DATE",
    "GPE": "LOCATION",
}


def tag_for(finding: Finding) -> str:
    """The bracketed tag that replaces a finding under the `tag` strategy, e.g. "[DATE]"."""
    name = IDENTIFIER_TAGS.get(finding.identifier) or ENTITY_TAGS.get(finding.entity,
                                                                       finding.entity)
    return f"[{name}]"


# ---- Safe Harbor generalisation, by entity -------------------------------------------------------
# year: a date becomes its year ([DATE] when it has none); age: "97 years old" -> "90+ years old";
# remove: replaced by its tag; zip3: the allowed 3-digit prefix, or "000" for a restricted one;
# state: a street address, with the town after it, becomes the state named after it.
# Any entity not listed here is tagged.
SAFE_HARBOR_TREATMENTS: dict[str, str] = {
    "DATE": "year",
    "AGE_OVER_89": "age",
    "BIRTH_YEAR_OVER_89": "remove",
    "ZIP_CODE": "zip3",
    "ZIP3_RESTRICTED": "zip3",
    "STREET_ADDRESS": "state",
}

# ---- Surrogates, by entity (names by identifier) -------------------------------------------------
SURROGATE_KINDS: dict[str, str] = {
    "DATE": "date",
    "DATE_TIME": "date",
    "PHONE_NUMBER": "phone",
    "FAX_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "URL": "url",
    "IP_ADDRESS": "ip",
    "SSN": "ssn",
    "STREET_ADDRESS": "address",
    "ZIP_CODE": "zip_code",
    "LOCATION": "city",
    "GPE": "city",
    "CITY": "city",
    # An age over 89 has no realistic fake that is also compliant: it is generalised.
    "AGE_OVER_89": "age",
    "BIRTH_YEAR_OVER_89": "tag",
    "ZIP3_RESTRICTED": "zip000",
}

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam",
}

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Replacement(BaseModel):
    """One rewritten span of one field: where it was, where its replacement is, and why.

    Carries offsets and names only, never the original text, so it can be logged."""

    model_config = _FROZEN

    field: str
    start: int = Field(ge=0, description="start in the original field text")
    end: int = Field(ge=0, description="end in the original field text")
    new_start: int = Field(ge=0, description="start in the redacted field text")
    new_end: int = Field(ge=0, description="end in the redacted field text")
    identifier: Identifier
    entity: str
    treatment: str
    rule_ids: list[str]


class RedactionResult(BaseModel):
    """A redacted post, what was rewritten, and the findings that still need a person."""

    model_config = _FROZEN

    post: Post
    strategy: str
    report: Report
    replacements: list[Replacement] = Field(default_factory=list)
    needs_human: list[Finding] = Field(default_factory=list)
    after: Report | None = None

    @property
    def clean(self) -> bool:
        """True when every flagged finding was rewritten and nothing needs a person."""
        return not self.needs_human


# ---- presidio-anonymizer operators ---------------------------------------------------------------


@lru_cache(maxsize=1)
def _operators() -> dict[str, Any]:
    # Imported on first use: presidio-anonymizer pulls in `cryptography`, about a second.
    from presidio_anonymizer.operators import Custom, Replace

    return {"replace": Replace(), "custom": Custom()}


def _operate(name: str, text: str, params: dict[str, Any]) -> str:
    operator = _operators()[name]
    operator.validate(params)
    return str(operator.operate(text, params))


# ---- Settings shared by a whole call -------------------------------------------------------------


@dataclass(frozen=True)
class _PackData:
    restricted_zip3: frozenset[str]
    states: tuple[str, ...]


def _rule_list(policy: Policy, rule_id: str, list_name: str) -> list[str] | None:
    for pack_name in (*policy.all_packs, "safe-harbor"):
        pack = load_rulepack(pack_name)
        for rule, _path in pack.rules:
            if rule.id == rule_id and list_name in rule.lists:
                spec = rule.lists[list_name]
                return list(spec.terms if isinstance(spec, ListSpec) else spec)
    return None


@lru_cache(maxsize=16)
def _pack_data(policy_key: str) -> _PackData:
    policy = Policy.model_validate_json(policy_key)
    restricted = _rule_list(policy, "restricted-zip3", "restricted")
    if restricted is None:
        # Without the list no prefix can be shown to be allowed: fail closed, every ZIP -> 000.
        restricted_set = frozenset(f"{n:03d}" for n in range(1000))
    else:
        restricted_set = frozenset(restricted)
    states = _rule_list(policy, "zip-code", "states") or list(US_STATES)
    return _PackData(restricted_set, tuple(states))


@dataclass
class _Settings:
    strategy: str
    policy: Policy
    key: bytes | None
    surrogates: Surrogates
    pack: _PackData
    state_pattern: regex.Pattern[str]


def _make_settings(strategy: str, policy: Policy | None, key: bytes | str | None) -> _Settings:
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown redaction strategy {strategy!r}; "
                          f"known strategies: {', '.join(STRATEGIES)}")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if key is not None and len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"redaction key is too short: key= needs at least {MIN_KEY_BYTES} "
                          "bytes of secret")
    if strategy == "hash" and key is None:
        raise ConfigError("strategy 'hash' needs key=: a secret of at least "
                          f"{MIN_KEY_BYTES} bytes, so that hashes of PHI cannot be reversed by "
                          "hashing guesses")
    policy = policy or DEFAULT_POLICY
    pack = _pack_data(policy.cache_key())
    names = "|".join(regex.escape(s) for s in sorted(pack.states, key=len, reverse=True))
    # The town and state after a street address: "..., Springfield, IL" (case as written).
    state_pattern = regex.compile(
        rf"(?:,?[ \t]+(?:[A-Z][\w'’-]*[ \t]+){{0,2}}?[A-Z][\w'’-]*)?,?[ \t]+(?P<state>{names})"
        rf"(?![\w])")
    return _Settings(strategy, policy, key, Surrogates(key), pack, state_pattern)


# ---- One field: clusters -> replacements ---------------------------------------------------------


@dataclass
class _Cluster:
    start: int
    end: int
    members: list[Finding] = field(default_factory=list)
    escalated: bool = False

    @property
    def winner(self) -> Finding:
        # Longest, then highest-scoring; ties by identifier letter, then rule id, so it is stable.
        return max(self.members, key=lambda f: (f.end - f.start, f.score,
                                                 -ord(f.identifier.value[0]), f.rule_id))


def _clusters(findings: Sequence[Finding], escalated: set[tuple[str, int, int]]) -> list[_Cluster]:
    out: list[_Cluster] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if out and finding.start < out[-1].end:
            cluster = out[-1]
            cluster.end = max(cluster.end, finding.end)
        else:
            cluster = _Cluster(finding.start, finding.end)
            out.append(cluster)
        cluster.members.append(finding)
        if (finding.field, finding.start, finding.end) in escalated:
            cluster.escalated = True
    return out


def _removed_member(cluster: _Cluster) -> Finding | None:
    """A member whose value must go entirely (a birth year implying 90+): it decides the tag."""
    return next((m for m in cluster.members
                 if SAFE_HARBOR_TREATMENTS.get(m.entity) == "remove"), None)


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


def _zip3(text: str, pack: _PackData) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    prefix = digits[:3]
    if len(prefix) < 3 or not prefix.isascii() or prefix in pack.restricted_zip3:
        return "000"
    return prefix


@dataclass
class _Planned:
    start: int
    end: int
    value: str
    winner: Finding
    treatment: str
    rule_ids: list[str]
    # Generalised values keep part of the original (a year, a ZIP prefix); a finding inside
    # one after redaction means the generalisation was not enough.
    generalised: bool


class _FieldRedactor:
    """Plans and applies the replacements of one field."""

    def __init__(self, settings: _Settings, field_name: str, text: str, reference: date) -> None:
        self.s = settings
        self.field = field_name
        self.text = text
        self.reference = reference
        # (start, end) of an address extended to its state -> the state as written.
        self.states: dict[tuple[int, int], str] = {}

    def plan(self, findings: Sequence[Finding],
             escalated: set[tuple[str, int, int]]) -> list[_Planned]:
        findings = [self._extend_address(f) for f in findings]
        return [self._plan_cluster(c) for c in _clusters(findings, escalated)]

    def _extend_address(self, finding: Finding) -> Finding:
        # Safe Harbor keeps the state: "12 Elm St, Springfield, IL" -> "Illinois". The town before
        # the state is a subdivision smaller than a state, so it goes with the street.
        if self.s.strategy != "safe-harbor" or finding.entity != "STREET_ADDRESS":
            return finding
        after = self.s.state_pattern.match(self.text, finding.end, finding.end + 80)
        if after is None:
            return finding
        self.states[(finding.start, after.end())] = after.group("state")
        return finding.model_copy(update={"end": after.end()})

    def _plan_cluster(self, cluster: _Cluster) -> _Planned:
        winner = cluster.winner
        original = self.text[cluster.start : cluster.end]
        treatment, value = self._treat(cluster, winner, original)
        rule_ids = sorted({m.rule_id for m in cluster.members})
        return _Planned(cluster.start, cluster.end, value, winner, treatment, rule_ids,
                        generalised=treatment in ("year", "age", "zip3", "state"))

    def _treat(self, cluster: _Cluster, winner: Finding, original: str) -> tuple[str, str]:
        strategy = self.s.strategy
        if strategy == "tag":
            return "tag", _operate("replace", original, {"new_value": tag_for(winner)})
        if strategy == "mask":
            return "mask", _operate("custom", original, {"lambda": mask})
        if strategy == "hash":
            return "hash", _operate("custom", original, {"lambda": self._hasher(winner)})
        if strategy == "surrogate":
            return self._surrogate(cluster, winner, original)
        return self._safe_harbor(cluster, winner, original)

    def _hasher(self, winner: Finding) -> Callable[[str], str]:
        assert self.s.key is not None  # checked in _make_settings
        key = self.s.key
        name = tag_for(winner)[1:-1]

        def keyed_hash(text: str) -> str:
            # Case, spacing and punctuation do not matter: "(415) 555-2671" = "415.555.2671".
            canon = "".join(ch for ch in text.casefold() if ch.isalnum()).encode("utf-8")
            digest = hmac.new(key, canon, hashlib.sha256).hexdigest()[:HASH_HEX_DIGITS]
            return f"[{name}:{digest}]"

        return keyed_hash

    def _surrogate(self, cluster: _Cluster, winner: Finding,
                   original: str) -> tuple[str, str]:
        kind = "name" if winner.identifier == Identifier.NAMES else SURROGATE_KINDS.get(
            winner.entity, "shape" if any(ch.isdigit() for ch in original) else "tag")
        removed = _removed_member(cluster)
        if removed is not None:
            # "born March 3, 1925": a fake day keeps the year, and the year is the PHI.
            return "remove", _operate("replace", original, {"new_value": tag_for(removed)})
        if len({m.identifier for m in cluster.members}) > 1 or cluster.escalated:
            # Overlapping findings of different kinds: no one fake fits them all.
            kind = "tag"
        if kind == "tag":
            return "tag", _operate("replace", original, {"new_value": tag_for(winner)})
        if kind == "age":
            return "age", _operate("custom", original, {"lambda": _age})
        if kind == "zip000":
            return "zip3", "000"
        method: Callable[[str], str] = getattr(self.s.surrogates, kind)
        if kind == "date":
            reference = self.reference
            surrogates = self.s.surrogates

            def method(text: str) -> str:
                return surrogates.date(text, reference)

        return "surrogate", _operate("custom", original, {"lambda": method})

    def _safe_harbor(self, cluster: _Cluster, winner: Finding,
                     original: str) -> tuple[str, str]:
        treatment = SAFE_HARBOR_TREATMENTS.get(winner.entity, "tag")
        removed = _removed_member(cluster)
        if removed is not None:
            return "remove", _operate("replace", original, {"new_value": tag_for(removed)})
        for member in cluster.members:
            own = SAFE_HARBOR_TREATMENTS.get(member.entity, "tag")
            contained = winner.start <= member.start and member.end <= winner.end
            if own != treatment and not (contained and member.identifier == winner.identifier):
                treatment = "tag"
        if cluster.escalated:
            treatment = "tag"
        value: str | None = None
        if treatment == "year":
            value = _year(original, self.reference)
            if value is not None and int(value) <= self.reference.year - 90:
                # The year of a person's date that long ago tells an age over 89 (a birth).
                value = None
        elif treatment == "age":
            value = _age(original)
        elif treatment == "zip3":
            value = _zip3(original, self.s.pack)
        elif treatment == "state":
            state = self.states.get((winner.start, winner.end))
            value = US_STATES.get(state, state) if state else None
        if value is None:
            return "tag", _operate("replace", original, {"new_value": tag_for(winner)})
        return treatment, _operate("replace", original, {"new_value": value})

    def apply(self, planned: Sequence[_Planned]) -> tuple[str, list[tuple[_Planned, int, int]]]:
        """Splice the replacements in left to right; return the text and their new offsets."""
        pieces: list[str] = []
        placed: list[tuple[_Planned, int, int]] = []
        position = 0
        length = 0
        for item in planned:
            gap = self.text[position : item.start]
            pieces.append(gap)
            length += len(gap)
            pieces.append(item.value)
            placed.append((item, length, length + len(item.value)))
            length += len(item.value)
            position = item.end
        pieces.append(self.text[position:])
        return "".join(pieces), placed


# ---- One post, over rounds -----------------------------------------------------------------------


def _check_report(post: Post, report: Report) -> None:
    if report.post_id is not None and post.id is not None and report.post_id != post.id:
        raise InputError(f"report is for post {report.post_id!r}, not post {post.id!r}")
    lengths = dict((name, len(text)) for name, text in post.fields())
    for finding in report.findings:
        if finding.field not in lengths:
            raise InputError(f"report finding in field {finding.field!r}, which the post lacks")
        if not finding.start <= finding.end <= lengths[finding.field]:
            raise InputError(f"report finding {finding.rule_id!r} in field {finding.field!r} "
                             f"has offsets {finding.start}-{finding.end} outside the field")


@dataclass
class _PostJob:
    post: Post
    report: Report
    settings: _Settings
    findings: list[Finding] = field(default_factory=list)
    escalated: set[tuple[str, int, int]] = field(default_factory=set)
    seen: set[tuple[str, int, int, str]] = field(default_factory=set)
    redacted: Post | None = None
    placed: dict[str, list[tuple[_Planned, int, int]]] = field(default_factory=dict)
    residual: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.findings = [f for f in self.report.flagged if not needs_human(f)]
        self.seen = {(f.field, f.start, f.end, f.entity) for f in self.findings}

    def apply(self) -> None:
        reference = self.post.posted_at.date() if self.post.posted_at else date.today()
        by_field: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_field.setdefault(finding.field, []).append(finding)
        texts: dict[str, str] = {}
        self.placed = {}
        for name, text in self.post.fields():
            redactor = _FieldRedactor(self.settings, name, text, reference)
            planned = redactor.plan(by_field.get(name, []), self.escalated)
            texts[name], self.placed[name] = redactor.apply(planned)
        captions = tuple(texts[f"captions[{i}]"] for i in range(len(self.post.captions)))
        self.redacted = self.post.model_copy(update={"text": texts["text"], "captions": captions})

    def absorb(self, after: Report, final: bool) -> bool:
        """Map findings of the redacted post back to the original; True if any is new.

        On the `final` round nothing more will be applied: what is left needs a person."""
        self.residual = []
        new = False
        for finding in after.flagged:
            if needs_human(finding):
                # Still there after the rewrite (or newly raised by it): in original offsets.
                mapped = self._to_original(finding)
                if mapped is not None:
                    self.residual.append(mapped[0])
                continue
            mapped = self._to_original(finding)
            if mapped is None:
                continue
            original, escalate = mapped
            key = (original.field, original.start, original.end, original.entity)
            span = (original.field, original.start, original.end)
            if final or (key in self.seen and (not escalate or span in self.escalated)):
                # Already redacted this way and still found: more rounds will not help.
                self.residual.append(original)
                continue
            self.seen.add(key)
            if escalate:
                self.escalated.add(span)
            self.findings.append(original)
            new = True
        return new

    def _to_original(self, finding: Finding) -> tuple[Finding, bool] | None:
        placed = self.placed.get(finding.field, [])
        start = end = None
        shift = 0
        touched: list[_Planned] = []
        for item, new_start, new_end in placed:
            if new_start <= finding.start and finding.end <= new_end:
                # Wholly inside one replacement: a tag, mask, hash or fake is no PHI; a
                # generalised value that is still flagged must be tagged instead.
                if not item.generalised:
                    return None
                return finding.model_copy(update={"start": item.start, "end": item.end}), True
            if start is None and finding.start < new_end:
                start = item.start if finding.start >= new_start else finding.start - shift
            if end is None and finding.end <= new_end:
                end = item.end if finding.end > new_start else finding.end - shift
            if finding.start < new_end and new_start < finding.end:
                touched.append(item)
            shift += (new_end - new_start) - (item.end - item.start)
        if start is None:
            start = finding.start - shift
        if end is None:
            end = finding.end - shift
        escalate = any(item.generalised for item in touched)
        return finding.model_copy(update={"start": start, "end": end}), escalate

    def result(self, after: Report | None) -> RedactionResult:
        assert self.redacted is not None
        replacements = [
            Replacement(field=name, start=item.start, end=item.end, new_start=new_start,
                        new_end=new_end, identifier=item.winner.identifier,
                        entity=item.winner.entity, treatment=item.treatment,
                        rule_ids=item.rule_ids)
            for name, placed in self.placed.items() for item, new_start, new_end in placed
        ]
        # The original report's, then any the re-check still raises, each once.
        unique: dict[tuple[str, int, int, str, str], Finding] = {}
        for f in [*(f for f in self.report.flagged if needs_human(f)), *self.residual]:
            unique.setdefault((f.field, f.start, f.end, f.entity, f.rule_id), f)
        human = sorted(unique.values(), key=Finding.sort_key)
        return RedactionResult(post=self.redacted, strategy=self.settings.strategy,
                               report=self.report, replacements=replacements,
                               needs_human=human, after=after)


def _run(jobs: list[_PostJob], settings: _Settings, recheck: bool) -> list[RedactionResult]:
    for job in jobs:
        job.apply()
    if not recheck:
        return [job.result(None) for job in jobs]
    afters: dict[int, Report] = {}
    pending = list(range(len(jobs)))
    for round_number in range(MAX_ROUNDS):
        posts = [jobs[i].redacted for i in pending]
        reports = list(check_many([p for p in posts if p is not None], policy=settings.policy))
        still = []
        for index, after in zip(pending, reports, strict=True):
            afters[index] = after
            job = jobs[index]
            if job.absorb(after, final=round_number == MAX_ROUNDS - 1):
                job.apply()
                still.append(index)
        pending = still
        if not pending:
            break
    return [job.result(afters.get(i)) for i, job in enumerate(jobs)]


# ---- Public API ----------------------------------------------------------------------------------


def redact_with_report(
    post: PostLike, report: Report | None = None, *, strategy: Strategy | str = "tag",
    policy: Policy | None = None, key: bytes | str | None = None, recheck: bool = True,
) -> RedactionResult:
    """Redact one post and say what was rewritten and what still needs a person.

    `report` is the post's report (checked now with `policy` when None). `key` is a secret of at
    least 16 bytes: required by `hash`; with `surrogate` it makes fakes repeatable across calls.
    With `recheck` (the default) the redacted post is checked again and anything the rewriting
    exposed is redacted too; `after` is that final report.
    """
    post = as_post(post)
    settings = _make_settings(strategy, policy, key)
    if report is None:
        report = next(check_many([post], policy=settings.policy, batch_size=1))
    else:
        _check_report(post, report)
    return _run([_PostJob(post, report, settings)], settings, recheck)[0]


def redact(
    post: PostLike, report: Report | None = None, *, strategy: Strategy | str = "tag",
    policy: Policy | None = None, key: bytes | str | None = None, recheck: bool = True,
) -> Post:
    """Return the post with every flagged finding rewritten by `strategy`, in every field.

    Strategies: "tag" (`[NAME]`, `[DATE]`, `[PHONE_NUMBER]`...), "mask" (`J*** D**`), "hash"
    (keyed HMAC-SHA256; needs `key`), "surrogate" (realistic fakes, the same fake for the same
    value throughout the post) and "safe-harbor" (dates to the year, ages over 89 to "90+", ZIP
    codes to their allowed 3-digit prefix, street addresses to the state; the rest tagged).
    Findings that rewriting cannot fix are left as they are: use `redact_with_report` to get them.
    """
    return redact_with_report(post, report, strategy=strategy, policy=policy, key=key,
                              recheck=recheck).post


@overload
def redact_many(
    posts: Iterable[PostLike], *, strategy: Strategy | str = ..., policy: Policy | None = ...,
    key: bytes | str | None = ..., batch_size: int = ..., recheck: bool = ...,
    with_report: Literal[False] = ...,
) -> Iterator[Post]: ...


@overload
def redact_many(
    posts: Iterable[PostLike], *, strategy: Strategy | str = ..., policy: Policy | None = ...,
    key: bytes | str | None = ..., batch_size: int = ..., recheck: bool = ...,
    with_report: Literal[True],
) -> Iterator[RedactionResult]: ...


def redact_many(
    posts: Iterable[PostLike], *, strategy: Strategy | str = "tag", policy: Policy | None = None,
    key: bytes | str | None = None, batch_size: int = 64, recheck: bool = True,
    with_report: bool = False,
) -> Iterator[Post] | Iterator[RedactionResult]:
    """Redact posts in batches, yielding one per input post, in order.

    Surrogates are consistent across the whole iterable: the same name gets the same fake in
    every post (and, given `key`, in every run). With `with_report=True` each item is a
    `RedactionResult` carrying the findings that still need a person.
    """
    if batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    settings = _make_settings(strategy, policy, key)
    results = _redact_batches(posts, settings, batch_size, recheck)
    if with_report:
        return results
    return (result.post for result in results)


def _redact_batches(posts: Iterable[PostLike], settings: _Settings, batch_size: int,
                    recheck: bool) -> Iterator[RedactionResult]:
    iterator = iter(posts)
    while batch := [as_post(p) for p in itertools.islice(iterator, batch_size)]:
        reports = check_many(batch, policy=settings.policy, batch_size=batch_size)
        jobs = [_PostJob(post, report, settings)
                for post, report in zip(batch, reports, strict=True)]
        yield from _run(jobs, settings, recheck)

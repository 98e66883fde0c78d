"""Combined risk: quasi-identifiers that are harmless alone and identifying together.

A rare diagnosis in an awareness post names no one; "a 7-year-old from Millbrook with progeria"
does. The policy names groups of entities (`Policy.quasi_identifiers`: PLACE is a finding of
identifier B or a PLACE cue) and the combinations that matter (`Policy.combinations`), each with
the verdict it calls for. This module matches them; the characteristics stage raises the
participating candidates to that verdict, and the engine reports the matches in
`Report.combinations` and lets the verdict follow them.

Two groups are virtual: REPLY is present when the post answers someone (a review reply or a
comment), because the person answered is identified by the platform itself; CAPTION is present
for a span in an image caption or alt text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from phiguard.models import Combination, Finding, Post, Verdict

REPLY = "REPLY"
CAPTION = "CAPTION"
VIRTUAL_GROUPS = frozenset({REPLY, CAPTION})


class CombinationSpec(BaseModel):
    """A combination of quasi-identifier groups and the verdict it calls for.

    Every group in `all_of` must be present, and at least `at_least` distinct groups of `any_of`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    # Sequence in, tuple kept: a frozen policy's combinations cannot be changed in place.
    all_of: Annotated[Sequence[str], AfterValidator(tuple)] = Field(min_length=1)
    any_of: Annotated[Sequence[str], AfterValidator(tuple)] = ()
    at_least: int = Field(default=0, ge=0)
    verdict: Verdict
    explanation: str = ""

    @model_validator(mode="after")
    def _reachable(self) -> CombinationSpec:
        if self.at_least > len(set(self.any_of)):
            raise ValueError(f"combination {self.name!r}: at_least is more than any_of offers")
        return self


# Group -> the entities or Safe Harbor letters that belong to it. Entity names are the ones the
# shipped packs and the NER layer emit; letters take in any layer's findings of that identifier.
DEFAULT_QUASI_IDENTIFIERS: dict[str, list[str]] = {
    "RARE_DIAGNOSIS": ["RARE_DIAGNOSIS"],
    "PATIENT_STATUS": ["PATIENT_STATUS"],
    "PATIENT_PICTURED": ["PATIENT_PICTURED", "FACE_IN_IMAGE", "PERSON_PICTURED"],
    "NAME": ["A", "HANDLE"],
    "PLACE": ["B", "PLACE"],
    "AGE": ["AGE", "AGE_OVER_89"],
    "DATE": ["DATE", "DATE_TIME", "BIRTH_YEAR_OVER_89", "RELATIVE_DATE"],
    "PATIENT": ["PATIENT_REF"],
    "IMAGE_IDENTIFIER": ["IMAGE_IDENTIFIER"],
}

# What ties a rare diagnosis to one person; a pictured patient is one ("she has Treacher Collins
# syndrome" under a close-up of her).
_TIES = ["NAME", "PLACE", "AGE", "DATE", "PATIENT", "PATIENT_PICTURED"]


def _defaults() -> list[CombinationSpec]:
    return [
        CombinationSpec(
            name="rare diagnosis + name", all_of=["RARE_DIAGNOSIS", "NAME"], verdict="block",
            explanation="a rare diagnosis next to a name identifies the person"),
        CombinationSpec(
            name="rare diagnosis + two quasi-identifiers", all_of=["RARE_DIAGNOSIS"],
            any_of=_TIES, at_least=2, verdict="block",
            explanation="a rare diagnosis with two of place, age, date, a patient reference or "
                        "a pictured patient can single out one person"),
        CombinationSpec(
            name="rare diagnosis tied to a person", all_of=["RARE_DIAGNOSIS"], any_of=_TIES,
            at_least=1, verdict="review",
            explanation="a rare diagnosis tied to a person, not an awareness message"),
        CombinationSpec(
            name="patient + place", all_of=["PATIENT", "PLACE"], verdict="review",
            explanation="a town or street tied to a particular patient (Safe Harbor B)"),
        CombinationSpec(
            name="patient status + name", all_of=["PATIENT_STATUS", "NAME"], verdict="block",
            explanation="confirms that a named person is or was a patient"),
        CombinationSpec(
            name="patient pictured", all_of=["PATIENT_PICTURED", CAPTION], verdict="review",
            explanation="the image shows a patient; check the face is not recognisable or that "
                        "an authorisation is on file"),
        CombinationSpec(
            name="patient pictured + name", all_of=["PATIENT_PICTURED", CAPTION, "NAME"],
            verdict="block", explanation="a pictured patient who is also named"),
        CombinationSpec(
            name="readable identifier in image + name", all_of=["IMAGE_IDENTIFIER", "NAME"],
            verdict="block", explanation="a named person whose wristband, chart or card can be "
                                         "read in the image"),
    ]


DEFAULT_COMBINATIONS: list[CombinationSpec] = _defaults()


@dataclass(frozen=True, slots=True)
class Signal:
    """What matching needs of a finding or candidate: its entity, letter, field and span."""

    entity: str
    identifier: str
    field: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Match:
    """A combination that holds for one post, and which signals take part in it."""

    spec: CombinationSpec
    groups: tuple[str, ...]
    members: frozenset[int]

    def to_model(self) -> Combination:
        """The public Report entry."""
        return Combination(
            name=self.spec.name, entities=self.groups, verdict=self.spec.verdict,
            explanation=f"{' + '.join(g.lower().replace('_', ' ') for g in self.groups)}: "
                        f"{self.spec.explanation}".rstrip(": "),
        )


def is_reply(post: Post) -> bool:
    """A reply to a review or a comment: the person answered is visible on the platform."""
    return post.kind != "post" or post.in_reply_to is not None


def groups_of(signal: Signal, quasi: Mapping[str, Sequence[str]]) -> set[str]:
    """The groups a signal belongs to: by entity name or Safe Harbor letter, plus CAPTION."""
    out = {name for name, members in quasi.items()
           if signal.entity in members or signal.identifier in members}
    if signal.field.startswith("captions["):
        out.add(CAPTION)
    return out


def match_combinations(
    signals: Sequence[Signal], post: Post, specs: Iterable[CombinationSpec],
    quasi: Mapping[str, Sequence[str]],
) -> list[Match]:
    """The combinations that hold, most severe first, without weaker repeats of a stronger one.

    With CAPTION in `all_of`, the combination's first group must be found in a caption: a
    patient mentioned in the text does not make an unrelated photo a patient photo.
    """
    present: dict[str, set[int]] = {}
    for index in _distinct(signals):
        for group in groups_of(signals[index], quasi):
            present.setdefault(group, set()).add(index)
    if is_reply(post):
        present[REPLY] = set()
    matches: list[Match] = []
    for spec in specs:
        match = _match_one(spec, signals, present)
        if match is not None:
            matches.append(match)
    rank = {"block": 2, "review": 1, "pass": 0}
    matches.sort(key=lambda m: (-rank[m.spec.verdict], -len(m.groups)))
    kept: list[Match] = []
    for match in matches:
        if any(set(match.groups) <= set(k.groups)
               and rank[k.spec.verdict] >= rank[match.spec.verdict] for k in kept):
            continue
        kept.append(match)
    return kept


def _distinct(signals: Sequence[Signal]) -> list[int]:
    """Indices of the signals that count: where two overlap in one field, only the longer one
    (the first, for the same span), so one word never counts as two quasi-identifiers.

    "Hutchinson-Gilford progeria syndrome" is one rare diagnosis, not also a name and a place.
    """
    order = sorted(range(len(signals)), key=lambda i: signals[i].start - signals[i].end)
    kept: list[int] = []
    # Per field, the kept spans (pairwise disjoint, so sorted by start they are sorted by end
    # too) and the kept empty spans: each overlap test is a bisection, not a scan of all kept
    # signals, so a long post with thousands of findings stays linear-logarithmic.
    spans: dict[str, tuple[list[int], list[int]]] = {}
    points: dict[str, list[int]] = {}
    for index in order:
        s = signals[index]
        starts, ends = spans.setdefault(s.field, ([], []))
        empties = points.setdefault(s.field, [])
        if s.end > s.start:
            before = bisect_left(starts, s.end) - 1  # the kept span starting last before s.end
            if before >= 0 and ends[before] > s.start:
                continue
            after = bisect_right(empties, s.start)  # an empty span strictly inside s
            if after < len(empties) and empties[after] < s.end:
                continue
            at = bisect_left(starts, s.start)
            starts.insert(at, s.start)
            ends.insert(at, s.end)
        else:
            insort(empties, s.start)
        kept.append(index)
    return sorted(kept)


def _match_one(spec: CombinationSpec, signals: Sequence[Signal],
               present: dict[str, set[int]]) -> Match | None:
    members: set[int] = set()
    for position, group in enumerate(g for g in spec.all_of if g != CAPTION):
        if group not in present:
            return None
        indices = present[group]
        if position == 0 and CAPTION in spec.all_of:
            # The combination's subject (its first group) must itself be in a caption.
            indices = {i for i in indices if signals[i].field.startswith("captions[")}
            if not indices:
                return None
        members |= indices
    optional = [g for g in dict.fromkeys(spec.any_of) if g in present and g not in spec.all_of]
    if len(optional) < spec.at_least:
        return None
    for group in optional:
        members |= present[group]
    groups = tuple(dict.fromkeys([*spec.all_of, *optional]))
    return Match(spec, groups, frozenset(members))


def report_combinations(
    findings: Iterable[Finding], post: Post, specs: Iterable[CombinationSpec],
    quasi: Mapping[str, Sequence[str]],
) -> list[Combination]:
    """The combinations a post's flagged findings make, as Report entries."""
    signals = [Signal(f.entity, f.identifier.value, f.field, f.start, f.end) for f in findings
               if f.status == "flagged"]
    return [m.to_model() for m in match_combinations(signals, post, specs, quasi)]

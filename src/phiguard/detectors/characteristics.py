"""The characteristics stage: unique identifying characteristics decided in context.

Safe Harbor's last identifier (R, "any other unique identifying ... characteristic") is rarely a
shape. A rare diagnosis in an awareness post names no one; beside an age and a town it does. A
reply that says "your root canal" confirms that the reviewer, whose name the platform shows, is a
patient. A caption that says "wristband visible" publishes whatever the wristband reads.

The pattern layer finds the cues (rules/unique-characteristics.yaml). Cues that mean nothing
alone score below the policy's `min_score`, so they vanish unless this stage raises them. The
stage reads three optional named lists of each rule, so that an organisation tunes it as data:

- `unless`: phrases that, in the same field, take the candidate back ("face blurred",
  "taken from behind", "staff only");
- `consented`: phrases that, in the same field or the post text, mark it `consented`
  ("consent on file");
- `only_in`: the fields where the rule counts, `text` and/or `captions`.

Then it matches the policy's combinations (phiguard.combinations) and raises every candidate
that takes part to the combination's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from phiguard.combinations import Match, Signal, match_combinations
from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.context import compile_phrases, has_phrase
from phiguard.errors import RulePackError
from phiguard.models import PATIENT_POST, Identifier, Post
from phiguard.policy import Policy
from phiguard.rulepacks.loader import LoadedPack
from phiguard.rulepacks.schema import ListSpec

_FIELD_KINDS = ("text", "captions")


def _terms(spec: ListSpec | list[str]) -> list[str]:
    # Inline lists only: these are short cue lists, kept beside the rule they qualify.
    return list(spec) if isinstance(spec, list) else list(spec.terms)


def _has_phrase(field: FieldText, phrases: list[tuple[str, ...]]) -> bool:
    return has_phrase(field.tokens.words, phrases)


def _inside_diagnosis(candidate: Candidate, diagnoses: list[Candidate]) -> bool:
    # Eponymous diseases ("Fabry disease", "Rocky Mountain spotted fever") read to a name or
    # place model as a person or a place; inside a rare-disease match they are neither.
    if candidate.identifier not in (Identifier.NAMES, Identifier.GEOGRAPHIC):
        return False
    return any(d.field is candidate.field and d.start <= candidate.start
               and candidate.end <= d.end for d in diagnoses)


class CharacteristicsStage:
    """Post-level stage for rare diagnoses, patient status, images and combined risk."""

    name = "characteristics"

    def __init__(self, policy: Policy, pack: LoadedPack) -> None:
        self.policy = policy
        self.unless: dict[str, list[tuple[str, ...]]] = {}
        self.consented: dict[str, list[tuple[str, ...]]] = {}
        self.only_in: dict[str, frozenset[str]] = {}
        for rule, _path in pack.rules:
            lists = rule.lists
            if "unless" in lists:
                self.unless[rule.id] = compile_phrases(_terms(lists["unless"]))
            if "consented" in lists:
                self.consented[rule.id] = compile_phrases(_terms(lists["consented"]))
            if "only_in" in lists:
                kinds = frozenset(_terms(lists["only_in"]))
                unknown = kinds - set(_FIELD_KINDS)
                if unknown:
                    raise RulePackError(
                        f"only_in names unknown fields {sorted(unknown)}; use text or captions",
                        path=str(_path), rule_id=rule.id, key="lists.only_in")
                self.only_in[rule.id] = kinds

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Apply field scope, safeguards and consent, then raise combined quasi-identifiers."""
        text_field = next((f for f in fields if f.field == "text"), None)
        diagnoses = [c for c in candidates if c.entity == "RARE_DIAGNOSIS"]
        kept: list[Candidate] = []
        for candidate in candidates:
            if diagnoses and _inside_diagnosis(candidate, diagnoses):
                continue
            rule_id = candidate.rule_id
            kind = "text" if candidate.field.field == "text" else "captions"
            if rule_id in self.only_in and kind not in self.only_in[rule_id]:
                continue
            if rule_id in self.unless and _has_phrase(candidate.field, self.unless[rule_id]):
                continue
            phrases = self.consented.get(rule_id)
            if phrases and candidate.status == "flagged" and (
                    _has_phrase(candidate.field, phrases)
                    or (text_field is not None and _has_phrase(text_field, phrases))):
                candidate.status = "consented"
                candidate.explanation += "; the post says an authorisation is on file"
            kept.append(candidate)
        if any(c.status == "consented" for c in kept):
            # The owner stage's "a post about a patient, nothing found" is that same patient's.
            for c in kept:
                if c.entity == PATIENT_POST and c.status == "flagged":
                    c.status = "consented"
                    c.explanation += "; the post says an authorisation is on file"
        self._combine(post, kept)
        return kept

    def _combine(self, post: Post, candidates: list[Candidate]) -> None:
        flagged = [c for c in candidates if c.status == "flagged"]
        # The same words read two ways ("Lusk" the model's PERSON, "Lusk" the gazetteer's
        # town): the better-scored reading takes part; raised, the weaker would replace it.
        best: dict[tuple[int, int, int], Candidate] = {}
        for c in flagged:
            key = (id(c.field), c.start, c.end)
            if key not in best or c.score > best[key].score:
                best[key] = c
        live = [c for c in flagged if (held := best[(id(c.field), c.start, c.end)]) is c
                or held.identifier is c.identifier]
        signals = [Signal(c.entity, c.identifier.value, c.field.field,
                          *c.field.norm.to_original(c.start, c.end)) for c in live]
        matches = match_combinations(signals, post, self.policy.combinations,
                                     self.policy.quasi_identifiers)
        # Most severe first: a candidate in several combinations takes the highest floor.
        for match in matches:
            for index in sorted(match.members):
                self._raise(live[index], match)

    def _raise(self, candidate: Candidate, match: Match) -> None:
        floor = self._floor(candidate.identifier, match.spec.verdict)
        if candidate.score < floor:
            candidate.score = floor
        note = f"part of combination {match.spec.name!r} ({' + '.join(match.groups)})"
        if note not in candidate.notes:
            candidate.notes.append(note)
            candidate.explanation += "; " + note

    def _floor(self, identifier: Identifier, verdict: str) -> float:
        # Between the thresholds, so the verdict is the combination's and not a rounding edge.
        thresholds = self.policy.thresholds_for(identifier)
        if verdict == "block":
            return round((thresholds.block + 1.0) / 2, 4)
        if verdict == "review":
            return round((thresholds.review + thresholds.block) / 2, 4)
        return 0.0

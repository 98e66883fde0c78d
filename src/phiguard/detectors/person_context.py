"""The place-date-context stage: places (Safe Harbor B) and dates (C) are PHI when tied to a person.

Places: cities, towns, counties, streets, neighbourhoods and facilities are PHI in a post that
names or describes a person; states, countries and regions never are; the organisation's own
address and campus are allowed by its pack's allowlist. A model ORG is kept only when it is a
facility (a hospital, a rehab centre).

Dates: a date finer than a year is PHI when its context ties it to an individual (admitted,
discharged, born, died, surgery, "discharged yesterday"); an event date in an announcement
("flu clinic Saturday 9-1") is not. Pattern dates keep their score when the context says
neither; the model's relative dates ("yesterday", "this weekend") count only next to a
patient's event. The clinical profile (`Policy.dates == "all"`) counts every date finer than
a year, as in a chart every date is the patient's. Every decision is written in the finding.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.context import compile_phrases, find_context
from phiguard.detectors.names import words
from phiguard.models import Identifier, Post
from phiguard.policy import Policy
from phiguard.rulepacks.loader import LoadedPack

# A model DATE that is a year, a decade, an age or a duration: not a date of an individual.
_NOT_A_DAY = regex.compile(
    r"(?i)^(?:(?:the\s+)?(?:early\s+|late\s+|mid-?)?(?:18|19|20)?\d0'?s|(?:in\s+)?(?:18|19|20)\d\d"
    r"|(?:fy|fiscal\s+year)\s*\d+|(?:about|almost|over|nearly|more\s+than|the\s+(?:past|last|next))?"
    r"\s*(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|few|many)"
    r"[\s-]+(?:days?|weeks?|months?|years?|yrs?|hours?|decades?)(?:[\s-]+(?:old|long|ago|later))?"
    r"|(?:\w+\s+)?(?:years?|months?|weeks?|days?)(?:\s+old)?|annual|annually|daily|weekly"
    r"|monthly|yearly|each\s+year|every\s+year|this\s+year|last\s+year|next\s+year|today"
    r"|tonight|now|(?:this\s+)?season|the\s+holidays?|holiday\s+season)$")
_HAS_DAY = regex.compile(r"\d")
_MONTH = regex.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d|\d(?:st|nd|rd|th)\b")


class PlaceDateContext:
    """Decides in context on place and date candidates of a post."""

    name = "place-date-context"

    def __init__(self, policy: Policy, pack: LoadedPack) -> None:
        lists = pack.lists
        self.policy = policy
        self.allowed = lists.get("allowed_places", frozenset())
        self.facility = compile_phrases(lists.get("facility_words", ()))
        self.person_cues = compile_phrases(lists.get("person_cues", ()))
        self.person_words = frozenset(p[0] for p in self.person_cues if len(p) == 1)
        self.person_phrases = [p for p in self.person_cues if len(p) > 1]
        self.patient_cues = compile_phrases(lists.get("patient_date_cues", ()))
        self.event_cues = compile_phrases(lists.get("event_date_cues", ()))
        org = [*pack.allow.terms, *policy.allow_terms]
        self.org = [set(words(t)) for t in org if words(t)]

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Decide on each place and date candidate; others pass through unchanged."""
        person = self._person(fields, candidates)
        out = []
        for c in candidates:
            if c.identifier is Identifier.GEOGRAPHIC and c.layer == "ner":
                if self._place(c, person):
                    out.append(c)
            elif c.identifier is Identifier.DATES and c.entity == "DATE":
                if self._date(c, person):
                    out.append(c)
            else:
                out.append(c)
        return out

    def _person(self, fields: Sequence[FieldText], candidates: list[Candidate]) -> str | None:
        """What shows the post is about a person: a flagged name, or a cue word."""
        for c in candidates:
            if c.identifier is Identifier.NAMES and c.status != "suppressed":
                return "a person is named in the post"
        for field in fields:
            tokens = field.tokens.words
            # One set intersection for the one-word cues; only phrases are scanned.
            found = self.person_words.intersection(tokens)
            if found:
                return f"the post describes a person ({min(found)!r})"
            for phrase in self.person_phrases:
                size = len(phrase)
                if any(tuple(tokens[i:i + size]) == phrase for i in range(len(tokens))):
                    return f"the post describes a person ({' '.join(phrase)!r})"
        return None

    def _place(self, c: Candidate, person: str | None) -> bool:
        tokens = words(c.text)
        if not tokens or " ".join(tokens) in self.allowed or c.text.lower() in self.allowed:
            return False
        if c.entity == "ORGANIZATION":
            inside = [p for p in self.facility if _contains(tokens, p)]
            after = find_context(c.field, c.start, c.end, self.facility, 1, "after")
            facility = " ".join(inside[0]) if inside else after
            if facility is None:
                return False
            c.entity = "FACILITY"
            c.explanation += f"; a facility ({facility!r})"
        if any(set(tokens) <= org for org in self.org):
            c.status = "suppressed"
            c.explanation += "; the organisation's own address or campus, on its allowlist"
        elif self.policy.dates == "all":
            c.score = max(c.score, 0.75)
            c.explanation += "; the clinical profile counts every place smaller than a state"
        elif person is not None:
            c.score = max(c.score, 0.75)
            c.explanation += f"; a place smaller than a state, and {person}"
        else:
            c.status = "suppressed"
            c.explanation += "; no person in the post, so the place identifies no one"
        return True

    def _date(self, c: Candidate, person: str | None) -> bool:
        text = c.text
        from_model = c.layer == "ner"
        if from_model and _NOT_A_DAY.match(text.strip()):
            return False
        if self.policy.dates == "all":
            if from_model and not _MONTH.search(text):
                # The patterns find a chart's numeric dates; the model's DATE there is mostly a
                # lab value or a clock time, and "yesterday" or "Monday" no date at all.
                return False
            c.score = max(c.score, 0.8)
            c.explanation += "; the clinical profile counts every date finer than a year"
            return True
        patient = find_context(c.field, c.start, c.end, self.patient_cues, 8)
        event = find_context(c.field, c.start, c.end, self.event_cues, 6)
        if patient is not None and (person is not None or not from_model):
            c.score = max(c.score, 0.85)
            c.explanation += f"; tied to an individual's event ({patient!r})"
        elif event is not None and patient is None:
            c.status = "suppressed"
            c.explanation += f"; an event date in an announcement ({event!r})"
        elif from_model and not _HAS_DAY.search(text):
            return False  # a weekday or "this weekend" with nothing tying it to a person
        elif person is not None:
            c.score = max(c.score, 0.5)
            c.explanation += f"; a date in a post where {person}"
        elif from_model:
            c.status = "suppressed"
            c.explanation += "; no person or patient event near it"
        return True


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tokens[i:i + size] == phrase for i in range(len(tokens) - size + 1))

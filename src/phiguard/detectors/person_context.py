"""The place-date-context stage: places (Safe Harbor B) and dates (C) are PHI when tied to a person.

Places: cities, towns, counties, streets, neighbourhoods and facilities are PHI in a post that
names or describes a person; states, countries and regions never are; the organisation's own
address and campus are allowed by its pack's allowlist. A model ORG is kept only when it is a
facility (a hospital, a rehab centre). The names pack's place rules ("transferred to
...", "... Hospital") are decided the same way. A model place made of clinical vocabulary or
an acronym ("Cont", "NICUs") is none; in the clinical profile a one-word model place needs a
preposition of place before it ("lives in ...", "from ..."), as the small model tags many
capitalised chart words GPE. A place flagged once is flagged wherever else it occurs in the
post (`place-repeat`).

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

from phiguard.detectors.base import WORD_PATTERN, Candidate, FieldText
from phiguard.detectors.context import compile_phrases, find_context
from phiguard.detectors.names import ClinicalVocabulary, mixed_case, words
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
    r"|tonight|now|(?:this\s+)?season|the\s+holidays?|holiday\s+season"
    r"|\d+\s*(?:west|east|north|south))$")  # "4 West" is a ward
_OUR = compile_phrases(["our"])
# The names pack's place rules, decided here like the model's places (the safe-harbor pack's
# own place rules carry their own context and pass through).
_PLACE_RULES = frozenset({"place-facility", "place-movement", "place-saint",
                          "place-gazetteer", "place-acronym", "place-street"})
_HAS_DAY = regex.compile(r"\d")
_MONTH = regex.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d")
# A day of the month without one: "on the 11th" is a date, "1st dose" and "2ND TO" are not.
_THE_ORDINAL_DAY = regex.compile(r"(?i)\bthe\s+(\d{1,2}(?:st|nd|rd|th))\b")


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
        self.place_cues = compile_phrases(lists.get("place_prepositions", ()))
        self.not_places = lists.get("not_names", frozenset())
        self.facility_words = lists.get("facility_words", frozenset())
        self.facility_kinds = lists.get("facility_kinds", frozenset())
        self.clinical = ClinicalVocabulary(lists)
        org = [*pack.allow.terms, *policy.allow_terms]
        self.org = [set(words(t)) for t in org if words(t)]

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Decide on each place and date candidate; others pass through unchanged."""
        person = self._person(fields, candidates)
        out = []
        places = []
        for c in candidates:
            if c.identifier is Identifier.GEOGRAPHIC and (
                    c.layer == "ner" or c.rule_id in _PLACE_RULES):
                if self._place(c, person):
                    out.append(c)
                    places.append(c)
            elif c.identifier is Identifier.DATES and c.entity == "DATE":
                if self._date(c, person):
                    out.append(c)
            else:
                out.append(c)
        out.extend(self._repeats(fields, places))
        return out

    def _repeats(self, fields: Sequence[FieldText], places: list[Candidate]) -> list[Candidate]:
        """Other mentions in the post of a place flagged in it ("sent to GH ... arrived at GH")."""
        found: dict[tuple[str, ...], Candidate] = {}
        for c in places:
            if c.status != "flagged":
                continue
            tokens = words(c.text)
            while tokens and tokens[-1] in self.facility_words:
                tokens = tokens[:-1]  # "Calvert Hospital": "Calvert" alone is the same place
            if tokens and (len(tokens) > 1 or len(tokens[0]) > 1):
                found.setdefault(tokens, c)
        if not found:
            return []
        covered = {(id(c.field), s) for c in places for s in range(c.start, c.end)}
        # Phrases by first word, so each token is looked up once, not against every phrase.
        by_first: dict[str, list[tuple[tuple[str, ...], Candidate]]] = {}
        for phrase, source in found.items():
            by_first.setdefault(phrase[0], []).append((phrase, source))
        out = []
        for field in fields:
            toks = field.tokens
            for index, start in enumerate(toks.starts):
                for phrase, source in by_first.get(toks.words[index], ()):
                    size = len(phrase)
                    if (tuple(toks.words[index:index + size]) != phrase
                            or (id(field), start) in covered):
                        continue
                    end = toks.ends[index + size - 1]
                    if source.text.isupper() != field.text[start:end].isupper() and len(
                            phrase[0]) < 4:
                        continue  # "GH" named, "gh" elsewhere may be a word: keep case
                    out.append(Candidate(
                        field=field, start=start, end=end, identifier=Identifier.GEOGRAPHIC,
                        entity=source.entity, score=source.score, rule_id="place-repeat",
                        layer=self.name, explanation="the same place is flagged elsewhere in "
                        "the post", status="flagged"))
                    break
        return out

    def _person(self, fields: Sequence[FieldText], candidates: list[Candidate]) -> str | None:
        """What shows the post is about a person: a flagged name, or a cue word."""
        # A "name" on the same words as a place candidate is that place ("serving Austin"), not
        # a person: it is no evidence that the post is about someone.
        places = {(id(c.field), c.start, c.end) for c in candidates
                  if c.identifier is Identifier.GEOGRAPHIC}
        for c in candidates:
            if (c.identifier is Identifier.NAMES and c.status != "suppressed"
                    and (id(c.field), c.start, c.end) not in places):
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
        if c.rule_id in _PLACE_RULES and mixed_case(c.field.text) and any(
                w[:1].islower() for w in c.text.split() if w.lower() not in self.facility_words):
            return False  # "a Baby-Friendly designated hospital": names here are capitalised
        if any(t in self.not_places for t in tokens) or self.clinical.any_of(tokens):
            return False  # "ICU", "Email", "Cont", "Lasix", "returned to SIMV": not places
        if all(len(t) == 1 for t in tokens if t.isalpha()):
            return False  # the model's "L s/c", "A&O x3": sides and scores, no place
        if (c.layer == "ner" and self.policy.dates == "all" and len(tokens) == 1
                and c.entity == "LOCATION"
                and find_context(c.field, c.start, c.end, self.place_cues, 2, "before") is None):
            return False
        if c.entity == "ORGANIZATION":
            inside = [p for p in self.facility if _contains(tokens, p)]
            after = find_context(c.field, c.start, c.end, self.facility, 1, "after")
            facility = " ".join(inside[0]) if inside else after
            if facility is None:
                return False
            c.entity = "FACILITY"
            c.explanation += f"; a facility ({facility!r})"
            self._drop_kind(c)
        if any(set(tokens) <= org for org in self.org):
            c.status = "suppressed"
            c.explanation += "; the organisation's own address or campus, on its allowlist"
        elif c.entity == "FACILITY" and find_context(c.field, c.start, c.end, _OUR, 1, "before"):
            c.status = "suppressed"
            c.explanation += "; 'our' facility: the posting organisation's own"
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

    def _drop_kind(self, c: Candidate) -> None:
        """"Holy Cross Hospital" -> "Holy Cross": the name identifies, the kind of place does not
        (as the place-facility rule reports it)."""
        spans = list(WORD_PATTERN.finditer(c.field.text, c.start, c.end))
        while len(spans) > 1 and spans[-1].group().lower() in self.facility_kinds:
            spans.pop()
            c.end = spans[-1].end()

    def _date(self, c: Candidate, person: str | None) -> bool:
        text = c.text
        from_model = c.layer == "ner"
        if from_model and _NOT_A_DAY.match(text.strip()):
            return False
        if from_model and not any(ch.isalpha() for ch in text):
            # A bare number the model calls a date ("54", "2130") is a lab value or a clock
            # time; real numeric dates are the patterns' job, validated against the calendar.
            return False
        if self.policy.dates == "all":
            month = _MONTH.search(text) is not None
            ordinal = None if month else _THE_ORDINAL_DAY.search(text)
            if ordinal is not None:
                c.start, c.end = c.start + ordinal.start(1), c.start + ordinal.end(1)
            elif from_model and not month:
                # The patterns find a chart's numeric dates; the model's DATE there is mostly a
                # lab value or a clock time, and "yesterday" or "Monday" no date at all.
                return False
            c.score = max(c.score, 0.8)
            c.explanation += "; the clinical profile counts every date finer than a year"
            return True
        patient = find_context(c.field, c.start, c.end, self.patient_cues, 8)
        event = find_context(c.field, c.start, c.end, self.event_cues, 6)
        if patient is not None and (person is not None or (not from_model and event is None)):
            c.score = max(c.score, 0.85)
            c.explanation += f"; tied to an individual's event ({patient!r})"
        elif event is not None and (patient is None or person is None):
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

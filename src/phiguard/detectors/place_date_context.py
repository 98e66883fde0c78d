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
from phiguard.detectors.context import compile_phrases, find_context, mixed_case, words
from phiguard.detectors.vocabulary import ClinicalVocabulary, stage_lists
from phiguard.models import Identifier, Post
from phiguard.policy import Policy
from phiguard.rulepacks.loader import LoadedPack

# The word lists a model DATE is read with to tell it is no day of anyone (`_not_a_day`).
# The rule id of the mentions this stage adds for a place flagged elsewhere in the post.
REPEAT_RULE = "place-repeat"
_NOT_A_DAY_LISTS = ("approximations", "count_words", "duration_units", "age_units",
                    "duration_after_words", "recurring_times", "ward_directions")

# The note on a place taken back for want of a person in the post (read by the owner stage).
NO_PERSON = "no-person"


def _alternatives(phrases: frozenset[str]) -> str:
    """A regex alternation of whole phrases, any whitespace between their words."""
    return "|".join(r"\s+".join(regex.escape(w) for w in phrase.split())
                    for phrase in sorted(phrases, key=lambda p: (-len(p), p)))


def _not_a_day(lists: dict[str, frozenset[str]]) -> regex.Pattern[str]:
    """A model DATE that is a year, a decade, an age ("age 7", "under 12"), a duration, a
    recurring time ("annual", "this season"), a ward ("4 West") or a room ("Room 12"): not a
    date of an individual."""
    approx, counts, units, ages, after, recurring, wards = (
        _alternatives(lists[name]) for name in _NOT_A_DAY_LISTS)
    return regex.compile(
        r"(?i)^(?:(?:the\s+)?(?:early\s+|late\s+|mid-?)?(?:18|19|20)?\d0'?s"
        r"|(?:in\s+)?(?:18|19|20)\d\d|(?:fy|fiscal\s+year)\s*\d+"
        rf"|(?:{approx})?\s*(?:\d+|{counts})[\s-]+(?:{units})(?:[\s-]+(?:{after}))?"
        rf"|(?:\w+\s+)?(?:{ages})(?:\s+old)?|{recurring}|\d+\s*(?:{wards})"
        r"|(?:room|rm|bed|bay|suite|habitaci[oó]n|cuarto|cama)\.?\s*\#?\s*\d+[a-z]?"
        r"|(?:aged?|edad)\s*:?\s*\d{1,3}"
        # An age band: "children under 12", "adults over 65", "menores de 12".
        r"|(?:under|over|above|below|menores\s+de|mayores\s+de)\s+\d{1,3})$")


# The person cues that may instead name a department or a building ("patient tower").
_PATIENT_WORDS = frozenset({"patient", "patients", "paciente", "pacientes"})
_HAS_DAY = regex.compile(r"\d")
_AFTER_NUMBER = regex.compile(r"\d[ \t]*\Z")
# A day of the month without one: "on the 11th" is a date, "1st dose" and "2ND TO" are not.
_THE_ORDINAL_DAY = regex.compile(r"(?i)\bthe\s+(\d{1,2}(?:st|nd|rd|th))\b")


class PlaceDateContext:
    """Decides in context on place and date candidates of a post."""

    name = "place-date-context"
    # The pack-level word lists this stage decides with (rules/names.yaml ships them).
    LISTS = ("allowed_places", "facility_words", "facility_kinds", "person_cues",
             "patient_date_cues", "event_date_cues", "place_prepositions", "not_names",
             "organisation_possessives", "months", "employment_cues", "patient_departments",
             *_NOT_A_DAY_LISTS,
             *ClinicalVocabulary.LISTS)

    def __init__(self, policy: Policy, pack: LoadedPack) -> None:
        lists = stage_lists(self.name, self.LISTS, policy, pack, home=("names", "owner"))
        self.policy = policy
        self.patient_departments = lists["patient_departments"]
        self.allowed = lists["allowed_places"]
        self.facility = compile_phrases(lists["facility_words"])
        self.person_cues = compile_phrases(lists["person_cues"])
        self.person_words = frozenset(p[0] for p in self.person_cues if len(p) == 1)
        self.person_phrases = [p for p in self.person_cues if len(p) > 1]
        self.patient_cues = compile_phrases(lists["patient_date_cues"])
        self.event_cues = compile_phrases(lists["event_date_cues"])
        self.place_cues = compile_phrases(lists["place_prepositions"])
        self.not_places = lists["not_names"]
        self.facility_words = lists["facility_words"]
        self.facility_kinds = lists["facility_kinds"]
        # "our hospital": the posting organisation's own facility.
        self.ours = compile_phrases(lists["organisation_possessives"])
        self.employment_cues = compile_phrases(lists["employment_cues"])
        self.clinical = ClinicalVocabulary(lists)
        self.not_a_day = _not_a_day(lists)
        self.ward_directions = lists["ward_directions"]
        # A month's name or abbreviation before a day ("Mar 3", "sept. 14"): a chart's date.
        self.month_day = regex.compile(r"(?i)\b(?:\L<months>|may)[a-z]*\.?\s*\d",
                                       months=sorted(lists["months"]))
        org = [*pack.allow.terms, *policy.allow_terms]
        self.org = [set(words(t)) for t in org if words(t)]

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Decide on each place and date candidate; others pass through unchanged."""
        person = self._person(fields, candidates)
        # Words a cue names as a person ("the Abernathy triplets", "Mrs. Sheridan") are that
        # person's name, though a town shares them.
        named = {(id(c.field), c.start, c.end) for c in candidates
                 if c.identifier is Identifier.NAMES and c.status == "flagged"
                 and c.role is not None and c.role.cue == "identifying"}
        out = []
        places = []
        for c in candidates:
            if c.identifier is Identifier.GEOGRAPHIC and (id(c.field), c.start, c.end) in named:
                continue
            if self._employer(c):
                out.append(c)
            elif c.identifier is Identifier.GEOGRAPHIC and (
                    c.layer == "ner" or (c.role is not None and c.role.stage == "places")):
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
        by_first = self._repeatable(places)
        if not by_first:
            return []
        covered = {(id(c.field), s) for c in places for s in range(c.start, c.end)}
        out = []
        for field in fields:
            toks = field.tokens
            for index, start in enumerate(toks.starts):
                if (id(field), start) in covered:
                    continue
                for phrase, source in by_first.get(toks.words[index], ()):
                    repeat = self._repeat_at(field, index, phrase, source)
                    if repeat is not None:
                        out.append(repeat)
                        break
        return out

    def _repeatable(
        self, places: list[Candidate],
    ) -> dict[str, list[tuple[tuple[str, ...], Candidate]]]:
        """The flagged places' word phrases, by first word (each token is looked up once, not
        against every phrase)."""
        found: dict[tuple[str, ...], Candidate] = {}
        for c in places:
            if c.status != "flagged":
                continue
            tokens = words(c.text)
            while tokens and tokens[-1] in self.facility_words:
                tokens = tokens[:-1]  # "Calvert Hospital": "Calvert" alone is the same place
            if tokens and (len(tokens) > 1 or len(tokens[0]) > 1):
                found.setdefault(tokens, c)
        by_first: dict[str, list[tuple[tuple[str, ...], Candidate]]] = {}
        for phrase, source in found.items():
            by_first.setdefault(phrase[0], []).append((phrase, source))
        return by_first

    def _repeat_at(self, field: FieldText, index: int, phrase: tuple[str, ...],
                   source: Candidate) -> Candidate | None:
        toks = field.tokens
        size = len(phrase)
        if tuple(toks.words[index:index + size]) != phrase:
            return None
        start, end = toks.starts[index], toks.ends[index + size - 1]
        if source.text.isupper() != field.text[start:end].isupper() and len(phrase[0]) < 4:
            return None  # "GH" named, "gh" elsewhere may be a word: keep case
        return Candidate(
            field=field, start=start, end=end, identifier=Identifier.GEOGRAPHIC,
            entity=source.entity, score=source.score, rule_id=REPEAT_RULE,
            layer=self.name, explanation="the same place is flagged elsewhere in the post",
            status="flagged")

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
            if found & _PATIENT_WORDS:
                found = (found - _PATIENT_WORDS) | self._patients_as_persons(tokens)
            if found:
                return f"the post describes a person ({min(found)!r})"
            for phrase in self.person_phrases:
                size = len(phrase)
                if any(tuple(tokens[i:i + size]) == phrase for i in range(len(tokens))):
                    return f"the post describes a person ({' '.join(phrase)!r})"
        return None

    def _patients_as_persons(self, tokens: Sequence[str]) -> set[str]:
        """The "patient" words said of a person, not before a thing of ours ("the new patient
        tower", "Patient Relations"), which describes no one."""
        return {word for word, following in zip(tokens, (*tokens[1:], ""), strict=True)
                if word in _PATIENT_WORDS and following not in self.patient_departments}

    def _employer(self, c: Candidate) -> bool:
        """The model's organisation beside a word of employment ("his coworkers at Dot's
        Diner") is someone's employer: a name (A), whose it is the owner stage decides."""
        if not (c.layer == "ner" and c.entity in ("ORGANIZATION", "FACILITY")):
            return False
        cue = find_context(c.field, c.start, c.end, self.employment_cues, 4)
        if cue is None:
            return False
        c.identifier, c.entity = Identifier.NAMES, "EMPLOYER"
        c.score = max(c.score, 0.75)
        c.explanation += f"; an employer, by the word {cue!r} beside it"
        return True

    def _place(self, c: Candidate, person: str | None) -> bool:
        """Update a place candidate in place; False drops it as no place at all."""
        tokens = words(c.text)
        if self._not_a_place(c, tokens):
            return False
        if c.entity == "ORGANIZATION" and not self._facility(c, tokens):
            return False
        if any(set(tokens) <= org for org in self.org):
            c.status = "suppressed"
            c.explanation += "; the organisation's own address or campus, on its allowlist"
        elif c.entity == "FACILITY" and find_context(c.field, c.start, c.end, self.ours, 1,
                                                     "before"):
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
            c.notes.append(NO_PERSON)  # the owner stage may know the post is about someone
            c.explanation += "; no person in the post, so the place identifies no one"
        return True

    def _not_a_place(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        if not tokens or " ".join(tokens) in self.allowed or c.text.lower() in self.allowed:
            return True  # states, countries and regions
        if c.role is not None and mixed_case(c.field.text) and any(
                w[:1].islower() for w in c.text.split() if w.lower() not in self.facility_words):
            return True  # "a Baby-Friendly designated hospital": names here are capitalised
        if any(t in self.not_places for t in tokens) or self.clinical.any_of(tokens):
            return True  # "ICU", "Email", "Cont", "Lasix", "returned to SIMV": not places
        if len(tokens) == 1 and tokens[0] in self.ward_directions and _AFTER_NUMBER.search(
                c.field.text, max(0, c.start - 6), c.start):
            return True  # "3 South", "5 Norte": a ward, though the model took only the word
        if all(len(t) == 1 for t in tokens if t.isalpha()):
            return True  # the model's "L s/c", "A&O x3": sides and scores, no place
        # In a chart, the model's one-word place needs a preposition of place before it.
        return (c.layer == "ner" and self.policy.dates == "all" and len(tokens) == 1
                and c.entity == "LOCATION"
                and find_context(c.field, c.start, c.end, self.place_cues, 2, "before") is None)

    def _facility(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        """A model ORG is a place only when it is a facility; it becomes a FACILITY."""
        inside = [p for p in self.facility if _contains(tokens, p)]
        after = find_context(c.field, c.start, c.end, self.facility, 1, "after")
        facility = " ".join(inside[0]) if inside else after
        if facility is None:
            return False
        c.entity = "FACILITY"
        c.explanation += f"; a facility ({facility!r})"
        self._drop_kind(c)
        return True

    def _drop_kind(self, c: Candidate) -> None:
        """"Holy Cross Hospital" -> "Holy Cross": the name identifies, the kind of place does not
        (as the place-facility rule reports it)."""
        spans = list(WORD_PATTERN.finditer(c.field.text, c.start, c.end))
        while len(spans) > 1 and spans[-1].group().lower() in self.facility_kinds:
            spans.pop()
            c.end = spans[-1].end()

    def _date(self, c: Candidate, person: str | None) -> bool:
        """Update a date candidate in place; False drops it as no date of anyone."""
        from_model = c.layer == "ner"
        if from_model and self._model_not_a_date(c.text):
            return False
        if self.policy.dates == "all":
            return self._chart_date(c, from_model)
        return self._date_in_context(c, person, from_model)

    def _model_not_a_date(self, text: str) -> bool:
        """A model DATE that is a year, an age or a duration, or a bare number ("54", "2130": a
        lab value or a clock time; real numeric dates are the patterns' job, checked on the
        calendar)."""
        return (self.not_a_day.match(text.strip()) is not None
                or not any(ch.isalpha() for ch in text))

    def _chart_date(self, c: Candidate, from_model: bool) -> bool:
        """The clinical profile: every date finer than a year is the patient's."""
        month = self.month_day.search(c.text) is not None
        ordinal = None if month else _THE_ORDINAL_DAY.search(c.text)
        if ordinal is not None:
            c.start, c.end = c.start + ordinal.start(1), c.start + ordinal.end(1)
        elif from_model and not month:
            # The patterns find a chart's numeric dates; the model's DATE there is mostly a lab
            # value or a clock time, and "yesterday" or "Monday" no date at all.
            return False
        c.score = max(c.score, 0.8)
        c.explanation += "; the clinical profile counts every date finer than a year"
        return True

    def _date_in_context(self, c: Candidate, person: str | None, from_model: bool) -> bool:
        patient = find_context(c.field, c.start, c.end, self.patient_cues, 8)
        event = find_context(c.field, c.start, c.end, self.event_cues, 6)
        if patient is not None and (person is not None or (not from_model and event is None)):
            c.score = max(c.score, 0.85)
            c.explanation += f"; tied to an individual's event ({patient!r})"
        elif event is not None and (patient is None or person is None):
            c.status = "suppressed"
            c.explanation += f"; an event date in an announcement ({event!r})"
        elif from_model and not _HAS_DAY.search(c.text):
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

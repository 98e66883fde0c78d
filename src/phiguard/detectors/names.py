"""The name-context stage: which name candidates (Safe Harbor A) are a patient's or a relative's.

Names come from the model's PERSON entities (`ner`) and from the cue rules of rules/names.yaml
(`patterns`, with the Census and SSA lexicons). This post-level stage decides on all of them:

- a clinician (a title such as Dr. or nurse before it, credentials such as RN after it) or
  other staff member (a role such as volunteer or security officer that introduces the name,
  singular or plural) is allowed by the social policy and flagged by the strict one; Safe Harbor
  does not require removing workforce names; other mentions of the same person in the post are
  decided the same way, unless the post makes them a patient ("our volunteer Ernie is a patient
  on 3 West", the `own_care` list): then every mention is a patient's name;
- a name of the organisation's staff (the policy's `allow_staff`, or any allowlisted term of
  the packs that contains the name) is allowed;
- a public figure is allowed;
- a common word that is also a name (Will, May, Grace ...) needs other evidence; the same word
  flagged as a name elsewhere in the post, capitalised mid-sentence, is that evidence;
- a person who signed a publication authorisation is reported as `consented`;
- a relative's name is PHI like the patient's, and a cue word next to a model PERSON raises it;
- a model PERSON made of clinical vocabulary (devices, shorthand, drug names) is no name;
- a name flagged once is flagged wherever else it occurs in the post ("son David called ...
  per David"), as `name-repeat`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import date

import regex

from phiguard.combinations import is_reply
from phiguard.detectors.base import WORD_PATTERN, Candidate, FieldText
from phiguard.detectors.context import (
    compile_phrases,
    find_context,
    fold,
    mixed_case,
    sentence_initial,
    words,
)
from phiguard.detectors.vocabulary import ClinicalVocabulary, stage_lists
from phiguard.models import Identifier, Post
from phiguard.policy import Consent, Policy
from phiguard.rulepacks.loader import LoadedPack
from phiguard.rulepacks.roles import Role

# The note this stage leaves on a clinician's or staff member's name (the owner and disclosure
# stages read it).
WORKFORCE = "workforce"
COMMON_WORD = "common-word"
# Words that may stand between a staff role and the name it introduces.
_BETWEEN_ROLE_AND_NAME = frozenset({"and", "our", "the", "a", "an", "of", "y", "nuestra",
                                    "nuestro"})


# The rule id of the mentions this stage adds for a name flagged elsewhere in the post.
REPEAT_RULE = "name-repeat"
# A room or bed word before a board entry's number ("Rm 603 Ngata", "BED 14 - LINDQVIST"),
# and one entry of a board's list ("'412 - Delacroix - NPO · 414 - Whitby'").
_ROOM_WORD_BEFORE = regex.compile(
    r"(?i)\b(?:rm|room|bed|bd|bay|cuarto|habitaci[oó]n|cama)\.?[ \t]*\d{1,4}[A-Z]?"
    r"[ \t]*[–—·:-]?[ \t]*(?:(?:Mr|Mrs|Ms|Mx|Sr|Sra|Srta)\.?[ \t]+)?$")
_BOARD_ENTRY = regex.compile(
    r"(?<![\p{L}\d.,])\d{1,4}[A-Z]?[ \t]*[–—·:-]?[ \t]*(?:(?:Mr|Mrs|Ms)\.?[ \t]+)?\p{Lu}[\p{L}-]+")
# "the Millbrook family of nurses": an organisation's family, after its family noun.
_OF_AFTER = regex.compile(r"[ \t]+\w+[ \t]+of\b")
# The parts of a hashtag or handle: CamelCase words, or runs of letters between "_", "." and
# digits ("HernandezStrong" -> Hernandez, Strong; "rileys_journey" -> rileys, journey).
_TAG_PARTS = regex.compile(r"\p{Lu}\p{Ll}+|\p{Lu}+(?!\p{Ll})|\p{Ll}+")


class NameContext:
    """Decides in context on every name candidate of a post."""

    name = "name-context"

    # The pack-level word lists this stage decides with (rules/names.yaml ships them).
    LISTS = ("clinician_titles", "clinician_credentials", "person_cues", "relations",
             "place_prepositions", "staff_roles", "verb_word_names", "common_word_names",
             "not_names", "last_names", "public_figures", "patient_words", "shorthand_titles",
             "person_possessives", "others_possessives", "known_places",
             "place_only_prepositions", "own_care", "institution_nouns",
             "institution_nouns_first", "board_words",
             *ClinicalVocabulary.LISTS)

    def __init__(self, policy: Policy, pack: LoadedPack) -> None:
        lists = stage_lists(self.name, self.LISTS, policy, pack, home="names")
        self.policy = policy
        self.clinician_titles = compile_phrases(lists["clinician_titles"])
        self.credentials = compile_phrases(lists["clinician_credentials"])
        self.person_cues = compile_phrases(lists["person_cues"])
        self.relations = compile_phrases(lists["relations"])
        self.place_prepositions = compile_phrases(lists["place_prepositions"])
        # Each role in the plural too ("Phlebotomists Keisha Grant and Tomás Rivera").
        self.roles = compile_phrases(sorted({*lists["staff_roles"], *(
            f"{r}s" for r in lists["staff_roles"] if not r.endswith("s"))}))
        # Words the model takes into a PERSON span before the name ("Chef Marco", "Dr Kim").
        self.lead_words = frozenset(p[0] for p in [*self.roles, *self.clinician_titles,
                                                   *self.relations] if len(p) == 1)
        # ... and after it ("Ilene Macdonald RN").
        self.trail_words = frozenset(p[0] for p in self.credentials if len(p) == 1)
        self.clinical = ClinicalVocabulary(lists)
        self.verb_names = lists["verb_word_names"]
        self.common = lists["common_word_names"]
        # English function words ("well", "soon", "will") are never read as names in a tag or
        # a label, whatever a name lexicon holds; spaCy's list, loaded with the pipeline.
        from spacy.lang.en.stop_words import STOP_WORDS

        self.function_words = frozenset(STOP_WORDS)
        # Spanish function words ("la", "su", "ya") that English does not share: never a name
        # written in lower case, though a name lexicon holds some of them.
        from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS

        self.spanish_words = frozenset(SPANISH_STOP_WORDS) - self.function_words
        self.not_names = lists["not_names"]
        self.first = _AccentBlind(lists["first_names"])
        self.last = _AccentBlind(lists["last_names"])
        self.lexicon = _AccentBlind(self.first | self.last)
        self.known_places = lists["known_places"]
        self.institution_nouns = lists["institution_nouns"]
        self.institution_nouns_first = lists["institution_nouns_first"]
        self.board_words = lists["board_words"]
        self.place_only_prepositions = compile_phrases(lists["place_only_prepositions"])
        self.stop = self.not_names
        # "Our patient Dr. Grant": a clinician who is the patient is named as a patient.
        self.patient_words = compile_phrases(lists["patient_words"])
        self.own_care = compile_phrases(lists["own_care"])
        # A title that is also clinical shorthand ("MS", "Lt."), just before a title's capture.
        self.shorthand_title = regex.compile(r"(?i)(?<![\w.])(?:\L<titles>)\.?[ \t]+\Z",
                                             titles=sorted(lists["shorthand_titles"]))
        # "her husband ", "their son ": a relation word owned by a person, just before a
        # capture. Only then is a capitalised word the lexicon lacks taken as the relative's
        # name ("Tomasz"); a note's "wife Called" or "Son Given" is not.
        self.owned_relation = regex.compile(r"(?i)\b(?:\L<owners>)[ \t]+\p{L}+[ \t]+\Z",
                                            owners=sorted(lists["person_possessives"]))
        # "Gwen, one of our music volunteers!", "Luis is our unit clerk": our staff role said of
        # the name right after it, in apposition or as what the person is, before the clause
        # ends; two words may describe the role ("our 92-year-old volunteer"). "Meet Denise, a
        # bus driver" is her own job, and "Leah, our nurses were honored" addresses Leah.
        self.role_after = regex.compile(
            r"(?i)(?:[ \t]*,[ \t]*|[ \t]+(?:is|was|has\s+been)[ \t]+|['’]s[ \t]+)"
            r"(?:(?:one|two|all)[ \t]+of[ \t]+)?(?:our|nuestra|nuestro|nuestras|nuestros)[ \t]+"
            r"(?:[\p{L}\d-]+[ \t]+){0,2}?(?P<role>\L<roles>)(?!\p{L})"
            r"(?=[ \t]*(?:[,.!?;:)—–]|\Z|(?:who|since|for|at|in|on|and|de|en|desde)\b))",
            roles=sorted({" ".join(p) for p in self.roles}))
        # "Harold turns 94 next month. He's our longest-serving volunteer.": our staff role
        # said of the name by the pronoun that next speaks of someone, in the name's sentence
        # or the one after it, with no other capitalised word naming anyone between.
        self.role_by_pronoun = regex.compile(
            r"(?i)[^.!?\n]*?(?:[.!?]+[ \t]+[^.!?\n]*?)??\b(?:he|she|they)"
            r"(?:['’]s|['’]re|[ \t]+(?:is|was|are|were|has[ \t]+been|have[ \t]+been))[ \t]+"
            r"(?:(?:one|two|all)[ \t]+of[ \t]+)?(?:our|nuestra|nuestro)[ \t]+"
            r"(?:[\p{L}-]+[ \t]+){0,3}?(?P<role>\L<roles>)(?!\p{L})",
            roles=sorted({" ".join(p) for p in self.roles}))
        # "Nurse Kevin was amazing", "Dr. Oyelaran": a name the comment answered gives after a
        # clinician's title (any case), itself capitalised, or signs with a credential after it
        # ("– Tanya, RN"), in capitals as one signs. Not a staff role: in a comment, "our
        # driver Hank" is the commenter's colleague.
        self.titled_name = regex.compile(
            r"(?i:\b(?:\L<titles>))\.?[ \t]+(?P<name>\p{Lu}\p{Ll}+(?:[ \t]+\p{Lu}\p{Ll}+)?)"
            r"|\b(?P<name>\p{Lu}\p{Ll}+(?:[ \t]+\p{Lu}\p{Ll}+)?),?[ \t]+(?:\L<credentials>)\b",
            titles=sorted(" ".join(p) for p in self.clinician_titles),
            credentials=sorted(" ".join(p).upper() for p in self.credentials))
        # "their coworker ": a staff role owned by someone, just before a capture.
        self.others_role = regex.compile(r"(?i)\b(?:\L<owners>)[ \t]+\p{L}+(?:[ \t]+\p{L}+)?"
                                         r"[ \t,]+\Z", owners=sorted(lists["others_possessives"]))
        # Public figures by their whole name and by each ending of it ("Obama" of "Barack
        # Obama"): one set lookup per candidate, not a loop over the list. A one-word ending
        # that is a known given name or surname names anyone ("our patient James", "Mr.
        # Harris"), so it does not stand for the public figure alone.
        public = [words(p) for p in lists["public_figures"]]
        self.public = frozenset(p[i:] for p in public for i in range(len(p))
                                if i == 0 or len(p) - i > 1 or p[i] not in self.lexicon)
        staff = [*policy.allow_staff, *pack.allow.terms, *policy.allow_terms]
        self.staff = [set(words(s)) for s in staff if words(s)]

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Decide on each name candidate; other candidates pass through unchanged."""
        consents = self._consents(post, fields)
        self._places_taken_for_names(candidates)
        candidates = self._names_taken_for_places(candidates)
        places = {(id(c.field), c.start, c.end) for c in candidates
                  if c.identifier is Identifier.GEOGRAPHIC}
        out = []
        for c in candidates:
            if c.identifier is not Identifier.NAMES or self._decide(c, consents, places):
                out.append(c)
        names = [c for c in out if c.identifier is Identifier.NAMES]
        self._same_person_as_workforce(names)
        self._staff_named_in_comment(post, names)
        self._workforce_who_is_patient(names)
        out.extend(self._repeats(fields, names))
        # A kept name brings the finding its match holds beside it (a board's room number).
        out.extend(c.companion for c in names if c.companion is not None
                   and c.status == "flagged")
        return out

    def _places_taken_for_names(self, candidates: list[Candidate]) -> None:
        """The model's PERSON that is a town: words the gazetteer knows as a place, none of
        them a known first name, right after a preposition of place or a way home ("a patient
        in Dunmore", "escorted the family back to Cedar Falls"), are decided as a place by the
        place stage, as the model's places are."""
        for c in candidates:
            if not (_from_model(c) and c.identifier is Identifier.NAMES):
                continue
            tokens = words(c.text)
            if not tokens or " ".join(tokens) not in self.known_places \
                    or any(t in self.first for t in tokens) \
                    or (find_context(c.field, c.start, c.end, self.place_only_prepositions, 1,
                                     "before") is None
                        and not _HOME_TO.search(c.field.text, max(0, c.start - 20), c.start)):
                continue
            c.identifier, c.entity, c.rule_id = Identifier.GEOGRAPHIC, "LOCATION", "ner-gpe"
            c.score = min(c.score, 0.5)
            c.explanation += ("; a town the gazetteer knows, after a preposition of place and "
                              "no known first name: decided as a place")

    def _names_taken_for_places(self, candidates: list[Candidate]) -> list[Candidate]:
        """The model's places that are names: decided as names, or dropped where a name rule
        already proposed the same words."""
        named = {(id(c.field), c.start, c.end) for c in candidates
                 if c.identifier is Identifier.NAMES}
        out = []
        for c in candidates:
            why = self._name_taken_for_place(c)
            if why is not None:
                # A name rule proposed the same words: its decision stands, unless the word is
                # set off to address someone (the rule's lexicon check would drop "Tamsin").
                if (id(c.field), c.start, c.end) in named and (
                        why != _ADDRESSED and not _vocative(c)):
                    continue
                c.identifier, c.entity, c.rule_id = Identifier.NAMES, "PERSON", "ner-person"
                c.explanation += (f"; one word the model took for a place, but {why} and no "
                                  "known place: decided as a name")
            out.append(c)
        return out

    def _name_taken_for_place(self, c: Candidate) -> str | None:
        """Why the model's one-word place, building or organisation (GPE, LOC, FAC, ORG) is a
        name, or None: a known first name or a word set off to address someone (no common
        word), no place the gazetteer knows, and not after a preposition of place: "Liam's
        chin", "a day Marcus will never forget", "seeing Camila go home", "Sending strength to
        your family, Tamsin"."""
        if not (_from_model(c) and c.entity in _PLACE_ENTITIES and c.text[:1].isupper()):
            return None
        tokens = words(c.text)
        if not (len(tokens) == 1 and tokens[0] not in self.common
                and tokens[0] not in self.known_places and tokens[0] not in self.function_words
                and not self._spanish_function_word(c)
                # "in Paris", "from Savannah": a preposition of place keeps it a place
                and find_context(c.field, c.start, c.end, self.place_only_prepositions, 1,
                                 "before") is None):
            return None
        if tokens[0] in self.first:
            return "a known first name"
        return _ADDRESSED if _vocative(c) else None

    def _same_person_as_workforce(self, names: list[Candidate]) -> None:
        """"Our officer Dave Kim ... Dave is a hero": a model PERSON, or an open cue's name
        ("Congrats to Priya" of "Priya Natarajan, RN"), that is part of a staff member's name
        decided in the post is that staff member."""
        staff = {frozenset(words(c.text)) for c in names if WORKFORCE in c.notes}
        self._mark_staff(names, staff, "the same person as a staff member named in the post")

    def _staff_named_in_comment(self, post: Post, names: list[Candidate]) -> None:
        """"Nurse Kevin was amazing" answered by "Kevin will be so proud!": a name the comment
        answered gives with a clinician's title or credential is that clinician's."""
        if not post.in_reply_to:
            return
        staff = {frozenset(words(m.group("name")))
                 for m in self.titled_name.finditer(post.in_reply_to)}
        self._mark_staff(names, staff, "a clinician the comment answered names by title or "
                                       "credential")

    def _mark_staff(self, names: list[Candidate], staff: set[frozenset[str]],
                    reason: str) -> None:
        """A model PERSON, or an open cue's name, that is part of one of the staff names."""
        # Distinct staff names, and all their words as a first test: keeps a long post linear.
        if not staff:
            return
        staff_words = frozenset().union(*staff)
        for c in names:
            if not ((_from_model(c) or _cue(c) in _OPEN_CUES)
                    and c.status == "flagged" and WORKFORCE not in c.notes):
                continue
            name = set(words(c.text))
            if name <= staff_words and any(name <= s for s in staff):
                if self.policy.clinician_names == "allow":
                    c.status = "suppressed"
                c.notes.append(WORKFORCE)
                c.explanation += f"; {reason}"

    def _workforce_who_is_patient(self, names: list[Candidate]) -> None:
        """"Our volunteer Ernie is a patient on 3 West": a staff member the post makes a patient
        (or a patient's relative) is named as a patient, in every mention (LABELLING.md)."""
        patients = [frozenset(words(c.text)) for c in names if WORKFORCE in c.notes
                    and find_context(c.field, c.start, c.end, self.own_care,
                                     _OWN_CARE_WINDOW, "after")]
        if not patients:
            return
        for c in names:
            if WORKFORCE in c.notes and any(frozenset(words(c.text)) & p for p in patients):
                c.notes.remove(WORKFORCE)
                c.status = "flagged"
                c.score = max(c.score, 0.8)
                c.explanation += ("; but the post makes this staff member, or their family, a "
                                  "patient: their name is a patient's")

    def _repeats(self, fields: Sequence[FieldText], names: list[Candidate]) -> list[Candidate]:
        """Other mentions in the post of a name flagged in it ("son David ... per David")."""
        found = self._repeatable(names)
        if not found:
            return []
        covered = {(id(c.field), s) for c in names
                   for s in range(c.start, c.end)}
        # A common word suppressed for want of evidence ("Rose, 101, says ..."), where the same
        # word is flagged as a name elsewhere in the post: that mention is the evidence.
        doubted = {(id(c.field), c.start): c for c in names
                   if c.status == "suppressed" and COMMON_WORD in c.notes}
        out = []
        for field in fields:
            tokens = field.tokens
            for start, word in zip(tokens.starts, tokens.words, strict=True):
                word = _bare(word)
                source = found.get(word)
                if source is None:
                    continue
                if source.text[:1].isupper() and not field.text[start:start + 1].isupper():
                    continue  # "Rose" named, "the rose garden": capitals must agree
                if (id(field), start) in covered:
                    doubt = doubted.get((id(field), start))
                    if doubt is not None and doubt is not source:
                        doubt.status = "flagged"
                        doubt.score = max(doubt.score, source.score)
                        doubt.explanation += "; but the same name is flagged elsewhere in the post"
                    continue
                out.append(Candidate(
                    field=field, start=start, end=start + len(word), identifier=Identifier.NAMES,
                    entity="PERSON", score=source.score, rule_id=REPEAT_RULE,
                    layer=self.name, explanation="the same name is flagged elsewhere in the post",
                ))
        return out

    def _repeatable(self, names: list[Candidate]) -> dict[str, Candidate]:
        """The words of flagged names that stand for the name elsewhere in the post, each with
        the best-scored mention as its source: a cue's weak score (a capitalised word) must not
        stand for a relative's name found by its relation word."""
        found: dict[str, Candidate] = {}
        for c in names:
            if c.status != "flagged":
                continue
            strong = (c.role is not None and c.role.strong) or "relative's name" in c.explanation
            # A common word capitalised where no sentence starts ("thanks, Rose!") was a name
            # there; its capitalised mentions elsewhere are the same name.
            strong = strong or (c.text[:1].isupper() and not sentence_initial(c.field, c.start))
            for token in map(_bare, words(c.text)):
                if (len(token) >= 3 and token.isalpha() and token not in self.stop
                        and token not in self.clinical and (strong or token not in self.common)
                        and (token not in found or c.score > found[token].score)):
                    found[token] = c
        return found

    def _consents(self, post: Post, fields: Sequence[FieldText]) -> list[set[str]]:
        if not self.policy.consents:
            return []
        today = fields[0].reference_date if fields else date.today()
        return [set(words(c.name)) for c in self.policy.consents if _applies(c, post, today)]

    def _decide(self, c: Candidate, consents: list[set[str]],
                places: set[tuple[int, int, int]]) -> bool:
        """Update the candidate in place; False drops it as not a name at all."""
        tokens = self._name_tokens(c, places)
        if not tokens:
            return False
        relation = find_context(c.field, c.start, c.end, self.relations, 3, "before")
        if relation is not None:
            c.score = max(c.score, 0.8)
            c.explanation += (f"; a relative's name ({relation!r}): Safe Harbor covers "
                              "relatives, employers and household members")
        self._decide_workforce(c)
        set_tokens = set(tokens)
        # Named filters, in order: the first that applies to a flagged name decides it, and
        # leaves its note (a common word's doubt is lifted by the same name flagged elsewhere).
        filters: tuple[tuple[Callable[[], bool], str, str, str | None], ...] = (
            (lambda: any(set_tokens <= staff for staff in self.staff), "suppressed",
             "a staff name on the organisation's allowlist", None),
            (lambda: tokens in self.public, "suppressed", "a public figure", None),
            (lambda: self._common_word_without_evidence(c, tokens), "suppressed",
             "the name is also a common word and nothing else shows it is a name here",
             COMMON_WORD),
            (lambda: any(set_tokens <= person for person in consents), "consented",
             "the person signed a publication authorisation for this post", None),
        )
        for applies, status, reason, note in filters:
            if c.status == "flagged" and applies():
                c.status = status
                c.explanation += "; " + reason
                if note is not None:
                    c.notes.append(note)
        return True

    def _name_tokens(self, c: Candidate,
                     places: set[tuple[int, int, int]]) -> tuple[str, ...] | None:
        """The candidate's name words, trimmed as its role or the model's span asks; None or
        nothing: not a name at all."""
        tokens = words(c.text)
        if not tokens or not any(ch.isalpha() for ch in c.text):
            return None
        if all(t in self.not_names for t in tokens):
            # Whatever layer or cue proposed it, "WITH" or "AND" is no name ("CATH LAB WITH ...").
            return None
        if _HOLIDAY_AFTER.match(c.field.text, c.end):
            return None  # "Valentine's Day", "St. Patrick's Day": a holiday's name
        if len(tokens) == 1 and tokens[0] in self.common and sentence_initial(
                c.field, c.start) and _PRONOUN_AFTER.match(c.field.text, c.end):
            return None  # "Hope he's feeling better", "Will you join us": the word, not a name
        role = c.role
        if role is not None and role.lexicon != "none":
            tokens = self._lexicon_trim(c, tokens, role)
        if role is not None and role.title and tokens and self._ambiguous_title(c, tokens):
            return None
        if _from_model(c):
            tokens = self._model_person(c, tokens, places) or ()
        if tokens and self._names_an_institution(c, tokens):
            return None
        return tokens

    def _names_an_institution(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        """"Child Life specialist", "the Birth Center", "Glasgow Coma Scale", "Centro
        Comunitario": capitalised words that end in, open with (in Spanish), or stand before, a
        program's, place's or scale's noun name no person."""
        if c.role is not None and c.role.name in ("name-hashtag", "name-handle"):
            return False
        if len(tokens) > 1 and (tokens[-1] in self.institution_nouns
                                or tokens[0] in self.institution_nouns_first):
            return True
        following = _NEXT_WORD.match(c.field.text, c.end)
        return following is not None and following.group(1).lower() in self.institution_nouns

    def _ambiguous_title(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        """"MS" is also mental status and morphine sulfate, "Lt." is left: after them only a
        known first name or surname is a name ("MS WORSENING", "Lt. Hip replacement")."""
        return (len(tokens[0]) > 1 and tokens[0] not in self.lexicon
                and self.shorthand_title.search(c.field.text, max(0, c.start - 8), c.start)
                is not None)

    def _model_person(self, c: Candidate, tokens: tuple[str, ...],
                      places: set[tuple[int, int, int]]) -> tuple[str, ...] | None:
        """A model PERSON: its span trimmed of the cue or credentials the model took in, then
        kept only with evidence that it is a name."""
        if c.start and c.field.text[c.start - 1] in "#@":
            return None  # hashtags and handles: the name-hashtag and name-mention rules
        if self._spanish_function_word(c):
            return None
        tokens = self._trim_model_span(c, tokens)
        if len(tokens) == 1 and (tokens[0] in self.not_names or not c.text[:1].isupper()
                                 or tokens[0] in self.lead_words):
            return None  # "Surgeon", "Pediatrician of the Year": a role, no one's name
        if self.clinical.any_of(tokens):
            return None  # "Foley", "Swan Ganz", "Captopril": the chart's vocabulary
        field = c.field
        cue = find_context(field, c.start, c.end, self.person_cues, 3, "before")
        if (cue is None and len(tokens) == 1 and (id(field), c.start, c.end) in places
                and find_context(field, c.start, c.end, self.place_prepositions, 1, "before")):
            return None  # "clinics in Austin": a known place after "in", no person cue
        if cue is not None:
            c.score = max(c.score, 0.8)
            c.explanation += f"; cue {cue!r} before it"
        elif self._model_noise(c, tokens):
            if not (len(tokens) == 1 and _vocative(c)):
                return None
            c.explanation += f"; one word {_ADDRESSED}"
        elif any(t in self.lexicon for t in tokens):
            c.explanation += "; a known first name or surname"
        else:
            c.explanation += "; capitalised words in a sentence, a name the lists lack"
        return tokens

    def _trim_model_span(self, c: Candidate, tokens: tuple[str, ...]) -> tuple[str, ...]:
        field = c.field
        while len(tokens) > 1 and (tokens[0] in self.not_names or tokens[0] in self.lead_words):
            # "Meet Keisha Brown", "Congrats Jaxon": the model took the cue in.
            cut = field.text.lower().index(tokens[0], c.start) + len(tokens[0])
            rest = field.text[cut:c.end]
            c.start = cut + len(rest) - len(rest.lstrip(" ,!:"))
            tokens = tokens[1:]
        lower = next((m for m in _LOWERCASE_WORD.finditer(field.text, c.start, c.end)
                      if not self._lowercase_name(m.group())), None) if len(tokens) > 1 else None
        if lower is not None:
            # "Doña Rosa estuvo internada", "Diego ya se prende": the model ran on into the
            # sentence; a name's words are capitalised but for particles ("María de la Cruz").
            c.end = c.start + len(field.text[c.start:lower.start()].rstrip(" ,"))
            tokens = words(c.text)
            while len(tokens) > 1 and tokens[-1] in _NAME_PARTICLES:
                c.end = field.text.lower().rindex(tokens[-1], c.start, c.end)
                c.end = c.start + len(field.text[c.start:c.end].rstrip(" ,"))
                tokens = words(c.text)
        while len(tokens) > 1 and tokens[-1] in self.trail_words:
            c.end = field.text.lower().rindex(tokens[-1], c.start, c.end)
            c.end = c.start + len(field.text[c.start:c.end].rstrip(" ,"))
            tokens = tokens[:-1]
        return tokens

    def _spanish_function_word(self, c: Candidate) -> bool:
        """"Una labradora", "Después de 35": the model's entity opens on a Spanish function word
        the name lists also hold, and a lower-case word follows it: a sentence, not a name."""
        first = WORD_PATTERN.search(c.field.text, c.start)
        if first is None or first.group().lower() not in self.spanish_words:
            return False
        following = WORD_PATTERN.search(c.field.text, first.end())
        return following is not None and following.group()[:1].islower()

    def _lowercase_name(self, word: str) -> bool:
        """A known name written in lower case ("nana ruth"), no common or function word."""
        word = word.lower()
        return (word in self.lexicon and word not in self.common
                and word not in self.function_words and word not in self.spanish_words)

    def _model_noise(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        """One word, neither a known first name or surname nor after a cue: on emoji, greetings
        and telegraphic notes the small model's PERSON is mostly noise. Two capitalised words
        ("Teresa Kreutzmann") are kept: foreign names are names; but not in the clinical
        profile, where "Aloe Vesta" and "Foley Cath" abound, and where a note's sentences start
        with a capitalised verb or noun ("Felt to be...")."""
        chart = self.policy.dates == "all"
        unknown = bool(self.lexicon) and (len(tokens) == 1 or chart) and not any(
            t in self.lexicon for t in tokens)
        return unknown or (
            chart and len(tokens) == 1 and sentence_initial(c.field, c.start)
            and find_context(c.field, c.start, c.end, self.relations, 3, "before") is None)

    def _decide_workforce(self, c: Candidate) -> None:
        workforce = self._workforce(c)
        if workforce is None:
            return
        c.notes.append(WORKFORCE)
        if self.policy.clinician_names == "allow":
            c.status = "suppressed"
            c.explanation += (f"; {workforce}: workforce names are not Safe Harbor "
                              f"identifiers under the {self.policy.name!r} policy")
        else:
            c.score = max(c.score, 0.8)
            c.explanation += f"; {workforce}, flagged by the {self.policy.name!r} policy"

    def _lexicon_trim(self, c: Candidate, tokens: tuple[str, ...],
                      role: Role) -> tuple[str, ...]:
        """A cue rule's capture, checked as its role says (see `LexiconCheck`); by default its
        first word must be a known first name, and a second word is kept only if it is a known
        surname. Returns the kept tokens (none: not a name)."""
        if role.lexicon in ("tag", "entry"):
            return tokens if self._tag_or_entry(c, tokens, role) else ()
        if role.lexicon == "surname":
            # "the Romero family": a surname, listed or not.
            return tokens if tokens[0] in self.last or self._unlisted_surname(c, tokens) else ()
        if role.lexicon == "last-surname":
            return tokens if tokens[-1] in self.last else ()  # "M. Ferrante": a known surname
        if len(tokens) == 2 and tokens[0] not in self.first and tokens[1] in self.first:
            return self._second_word_first_name(c, tokens)
        parts = tuple(p for t in tokens for p in t.replace("_", ".").split(".") if p)
        if not parts or parts[0] not in self.first:
            return self._unknown_relative(c, tokens, role)
        if role.lexicon == "handle" or len(tokens) == 1:
            return tokens
        written = c.text.split()
        lower_after_capital = len(written) == 2 and written[0][:1].isupper() \
            and written[1][:1].islower()
        if not lower_after_capital and (tokens[1] in self.last or (
                tokens[1] in self.first and tokens[1] not in self.common)):
            # "Irene Czyzewicz"... and double names: "CARROLL ANNE"; not "Marisol dice": a
            # writer who capitalises a first name capitalises the surname too.
            return tokens
        if (role.relative and c.text.istitle() and mixed_case(c.field.text)
                and not self.clinical.any_of(tokens) and tokens[1] not in self.stop):
            return tokens  # "grandaughter: Irene Czyzewicz": a capitalised surname, however rare
        match = WORD_PATTERN.search(c.field.text, c.start, c.end)
        if match is not None:
            c.end = match.end()
        return tokens[:1]

    def _second_word_first_name(self, c: Candidate, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Two words, the second a known first name: a label's name written surname first
        ("DEMARCO, ANGELA", "Reyes, Ana") is kept whole, unless its first word is a common one
        ("Thanks, Ana"); else the capture began at a second cue word ("welcome home, little
        Grace") and the name is the second word."""
        if "," in c.text and (tokens[0] in self.last or (
                tokens[0] not in self.common and tokens[0] not in self.not_names)):
            return tokens
        second = list(WORD_PATTERN.finditer(c.field.text, c.start, c.end))[-1]
        c.start = second.start()
        return tokens[1:]

    def _unlisted_surname(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        """A surname the lists lack, as a mixed-case writer capitalises it before a family
        noun ("the whole Delacroix family"): no common, clinical or stop word, no acronym, and
        no organisation's "family of nurses"."""
        return (len(tokens) == 1 and c.text[1:].islower() and mixed_case(c.field.text)
                and not _OF_AFTER.match(c.field.text, c.end)
                and tokens[0] not in self.common and tokens[0] not in self.clinical
                and tokens[0] not in self.stop)

    def _tag_or_entry(self, c: Candidate, tokens: tuple[str, ...], role: Role) -> bool:
        """A tag with a known name in it, or a board's entry (see `LexiconCheck`)."""
        return self._tag_names_someone(c.text, role.strong) or (
            role.lexicon == "entry" and self._unlisted_entry(c, tokens))

    def _unlisted_entry(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        """A board entry's one word beside a room number that no list knows ("'603 Ngata'",
        "BED 14 - LINDQVIST"): the board's form makes it a surname where a room or bed word
        marks the number or the entry is one of a list of them, unless it is a common,
        clinical or function word or a status a board shows ("'603 Clean'", "'4 - OPEN'"); a
        lone "'3 - Radiology'" on a sign is a department."""
        text = c.field.text
        board = (_ROOM_WORD_BEFORE.search(text, max(0, c.start - 14), c.start) is not None
                 or len(_BOARD_ENTRY.findall(text)) >= 2)
        return (board and len(tokens) == 1 and len(tokens[0]) >= 3
                and self._unlisted_word(tokens[0]) and tokens[0] not in self.board_words)

    def _unlisted_word(self, word: str) -> bool:
        """No common, clinical, stop or function word: what a name the lists lack must be."""
        return (word not in self.common and word not in self.clinical
                and word not in self.stop and word not in self.function_words)

    def _tag_names_someone(self, tag: str, strong: bool) -> bool:
        """Is one part of a hashtag or handle a known first name or surname? After a support
        cue ("#PrayFor...", "...Strong") a common word is a name too ("#TeamHope")."""
        for part in _TAG_PARTS.findall(tag):
            part = part.lower()
            if part in self.function_words:
                continue  # "GET WELL SOON": English function words, whatever lexicon has them
            for word in (part, part[:-1]) if len(part) > 3 and part.endswith("s") else (part,):
                if (word in self.first or word in self.last) and (
                        strong or word not in self.common):
                    return True
        return False

    def _unknown_relative(self, c: Candidate, tokens: tuple[str, ...],
                          role: Role) -> tuple[str, ...]:
        """"her husband Tomasz": right after a relation word, a capitalised word in
        sentence-case text is the relative's name even when the US lexicon lacks it; so, in a
        reply, is one word a greeting or thanks sets off to address someone ("Thank you,
        Priyanka!")."""
        first = WORD_PATTERN.search(c.field.text, c.start, c.end)
        if not (first is not None and first.group().istitle() and mixed_case(c.field.text)
                and self._unlisted_word(tokens[0])):
            return ()
        if role.relative and self.owned_relation.search(c.field.text, max(0, c.start - 40),
                                                        c.start):
            c.end = first.end()
            return tokens[:1]
        # Only in a reply or comment, said to the person it answers: a note addresses no one.
        if len(tokens) == 1 and is_reply(c.field.post) and _vocative(c):
            c.explanation += f"; one word {_ADDRESSED}"
            return tokens
        return ()

    def _workforce(self, c: Candidate) -> str | None:
        """Why the name is a clinician's or staff member's, or None."""
        # "Our patient Dr. Grant": a clinician who is the patient is named as a patient.
        if find_context(c.field, c.start, c.end, self.patient_words, 4, "before"):
            return None
        clinician = "a clinician named with a title"
        if c.role is not None and c.role.clinician:
            return clinician
        credential = find_context(c.field, c.start, c.end, self.credentials, 1, "after")
        cue = _cue(c)
        if cue == "identifying":
            return None
        if cue in _OPEN_CUES and credential:
            return clinician
        if cue == "open":
            return None  # "Congrats to Jenna": a cue that introduces anyone, staff or not
        if credential or find_context(c.field, c.start, c.end, self.clinician_titles, 2,
                                      "before"):
            return clinician
        role = self._role_before(c)
        if role and self.others_role.search(c.field.text, max(0, c.start - 40), c.start):
            return None  # "their coworker Travis": someone else's colleague, not our staff
        if role:
            return f"a staff member named with a role ({role!r})"
        # Only the listed role is quoted: the words around it are the post's own.
        after = self.role_after.match(c.field.text, c.end) or self.role_by_pronoun.match(
            c.field.text, c.end)
        return (f"a staff member whose role follows the name ({after.group('role').lower()!r})"
                if after else None)

    def _role_before(self, c: Candidate) -> str | None:
        """A staff role that introduces the name: within four words before it, with only
        names, "and" or a determiner between ("volunteer Gene", "Phlebotomists Keisha Grant
        and Tomás Rivera"); "the nurses loved caring for Dorothy" introduces no nurse."""
        tokens = c.field.tokens
        words, text = tokens.words, c.field.text
        first = bisect_left(tokens.ends, c.start + 1)  # the name's first token
        for index in range(first - 1, max(-1, first - 5), -1):
            for _order, phrase in self.roles.firsts.get(words[index], ()):
                after = index + len(phrase)
                if after > first or tuple(words[index:after]) != phrase:
                    continue
                if all(words[i] in _BETWEEN_ROLE_AND_NAME or text[tokens.starts[i]].isupper()
                       for i in range(after, first)):
                    return " ".join(phrase)
        return None

    def _common_word_without_evidence(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        if len(tokens) != 1 or tokens[0] not in self.common:
            return False
        role = c.role
        if (role is not None and role.strong) or _PATIENT_AFTER.match(c.field.text, c.end):
            return False  # "Bill is the 4 West patient who ...": said to be a patient
        text = c.text
        # A capital letter is evidence only mid-sentence and in text that is not all capitals.
        capital = (text[:1].isupper() and not text.isupper()
                   and not sentence_initial(c.field, c.start))
        if capital and (_cue(c) in _CUES or _from_model(c)):
            return False
        # "pt's son, bill, called": a name set off by commas after a relative is one; "her son
        # will visit" is not.
        full = c.field.text
        before = full[:c.start].rstrip(" \t")[-1:]
        after = full[c.end:].lstrip(" \t")[:1]
        delimited = (before != "" and before in ",:(-") or (after != "" and after in ",;)-")
        # "son bill called" is a name; "her son will visit", "son drew a card" are verbs. What a
        # person does is evidence too: "bill called", "bob visited".
        return not (role is not None and role.verb_check
                    and (delimited or tokens[0] not in self.verb_names))


# How many words after a staff member's name may say they are a patient ("Verna Sloane, 93, is
# on the other side of the cart this week as a patient on 3 North").
_OWN_CARE_WINDOW = 14
# A way home right before a town: "back to Cedar Falls", "welcome home to Sweetwater".
_HOME_TO = regex.compile(r"(?i)\b(?:back|home|headed|heading|returned|returning)[ \t]+to[ \t]+\Z")
# "Valentine's Day", "St. Patrick's Day": a name that names a holiday.
_HOLIDAY_AFTER = regex.compile(r"['’]s[ \t]+Day\b")
# A pronoun right after a word that is also a name, opening a sentence, makes it the word:
# "Hope you're well", "Hope the antibiotics help", "May your holidays be bright", "Will she
# need a ride?" (not "Tell Grandma Rose her rehab is on track").
_PRONOUN_AFTER = regex.compile(
    r"(?i)[ \t]+(?:you|you['’](?:re|ll|ve|d)|he|he['’]s|she|she['’]s|they|they['’]re|we|it|"
    r"your|his|her|their|everyone|everything|y['’]all|the|this|that|all)(?!\p{L})")


# What the text says the name is, right after it: a patient ("Bill is the 5 West patient who
# runs our puzzle club", "Hope was our first patient").
_PATIENT_AFTER = regex.compile(
    r"(?i)[ \t]+(?:is|was|has[ \t]+been|es|era|fue)[ \t]+(?:our|the|a|an|one[ \t]+of[ \t]+our|"
    r"nuestr[oa]|la|el|una?)[ \t]+(?:[\p{L}\d-]+[ \t]+){0,2}?(?:patient|patients|paciente)\b")


# A word set off to address someone: after a comma that follows a lower-case word ("your whole
# family, Tamsin.", "Congrats on your last chemo, Oksana!"; not "Austin, Texas.") or a greeting
# ("Thanks, Oksana"), and before the sentence's end or an emoji.
_VOCATIVE_BEFORE = regex.compile(
    r"(?:(?<=(?<!\p{L})\p{Ll}[\p{L}'’]*),"
    r"|\b(?i:hi|hello|hey|thanks|thank\s+you|congrats|congratulations|welcome(?:\s+(?:back|home))?"
    r"|happy\s+birthday|dear|love\s+you|miss\s+you),?)[ \t]*\Z")
_VOCATIVE_AFTER = regex.compile(r"[ \t]*(?:[!.?…]|\Z|[^\w\s,;:'’()-])")
_ADDRESSED = "set off to address someone"


def _vocative(c: Candidate) -> bool:
    """Is the model's one-word place set off as the name of someone addressed?"""
    text = c.field.text
    return (_VOCATIVE_BEFORE.search(text, max(0, c.start - 40), c.start) is not None
            and _VOCATIVE_AFTER.match(text, c.end) is not None)


# A cue that is evidence of a name ("Baby", "her son", "meet"), and one whose name may still be
# a staff member's (open: decided by credentials after it, or by a staff name in the post).
_CUES = frozenset({"identifying", "open"})
_OPEN_CUES = frozenset({"open", "capital"})


def _cue(c: Candidate) -> str:
    return c.role.cue if c.role is not None else "none"


class _AccentBlind(frozenset[str]):
    """A name lexicon that also knows a name written with its accents ("maría", "andrés",
    "sofía"): the Census and SSA lists spell names without them."""

    def __contains__(self, word: object) -> bool:
        if frozenset.__contains__(self, word):
            return True
        if not isinstance(word, str) or word.isascii():
            return False
        return frozenset.__contains__(self, fold(word))


# The lower-case words a name may hold between its capitalised ones ("María de la Cruz",
# "Ludwig van Beethoven"), or join two names ("Sarah and Mike"); any other lower-case word ends
# a name.
_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "das", "do", "dos",
                             "di", "du", "van", "von", "der", "den", "ter", "bin", "ibn", "al",
                             "el", "le"})
_LOWERCASE_WORD = regex.compile(
    r"(?<=\s)(?!(?:" + "|".join(sorted(_NAME_PARTICLES | {"and", "e", "or", "o"}))
    + r")(?![\p{L}'’-]))\p{Ll}[\p{L}'’-]*")


# The word right after a span, across spaces only (not "Kim's team" or "Ana, team lead").
_NEXT_WORD = regex.compile(r"[ \t]+(\p{L}+)(?![\p{L}'’-])")


# The model's entities a lone first name is often mistaken for.
_PLACE_ENTITIES = frozenset({"LOCATION", "FACILITY", "ORGANIZATION"})


def _from_model(c: Candidate) -> bool:
    """A model PERSON (the ner layer's only name entity)."""
    return c.layer == "ner"


def _bare(word: str) -> str:
    """The word without a possessive 's."""
    return word.removesuffix("'s").removesuffix("’s")


def _applies(consent: Consent, post: Post, today: date) -> bool:
    if consent.expires is not None and today > consent.expires:
        return False
    return not consent.post_ids or post.id in consent.post_ids

"""The disclosure stage: does a reply confirm that someone is a patient, or state their care?

The fines that started this field were for review replies: "your root canal", "your son's
surgery went well", "Yes, that's him!". The platform shows who the reviewer is, so a reply that
confirms their care discloses it. This stage reads every post that answers someone (a reply, a
comment, or a post with `in_reply_to`), sentence by sentence, and reports the minimal phrase as
an R / PATIENT_STATUS finding when the sentence

- names care: a cue of rules/disclosure.yaml (a clinical vocabulary term, "caring for him",
  "is resting comfortably", "our records show", or "yes" to a question about a patient), and
- points at a person: the person answered ("your", "you"), their relative ("your dad's"), the
  person asked about ("his", "she"), or a name found by the name layers, and
- takes nothing back: no privacy statement ("we can't discuss anyone's care") and no statement
  about everyone ("every patient", "if you").

The explanation says who and what kind of care, in plain words, never the text itself. A trained
sentence classifier (phiguard.detectors.disclosure_model) reads every sentence the rules did not
explain, with or without a person's word in it (a reply is said to the person answered: "Glad the
stitches came out clean"), and may add what the rules missed: its hit alone sends a post to
review, never to block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from phiguard.combinations import is_reply
from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.context import (
    ABBREVIATIONS,
    compile_phrases,
    has_phrase,
    mixed_case,
    phrase_hits,
)
from phiguard.detectors.names import WORKFORCE
from phiguard.detectors.shipped_models import Prepared
from phiguard.detectors.vocabulary import Trie, list_terms, stage_lists, term_tokens
from phiguard.models import Identifier, Post
from phiguard.policy import Policy
from phiguard.rulepacks.loader import LoadedPack
from phiguard.rulepacks.schema import Rule

CUE = "CARE_CUE"
ENTITY = "PATIENT_STATUS"
MODEL_RULE = "disclosure-model"
# A cue tied to the person by a possessive or inside its own phrase blocks; a cue in the same
# sentence as a person reference only asks for review (unless a name makes it a combination).
SURE, SAME_SENTENCE, MODEL_ONLY = 0.9, 0.6, 0.55
# How many words may stand between "your" and the care it owns: "your recent 6-month MRI".
_OWNER_GAP = 3

# Sentence ends, but not after a title ("Dr. Bhatt"); clause breaks that start a new claim.
_BREAK = regex.compile(
    rf"(?<!\b(?i:{ABBREVIATIONS}))[.!?…]+[\"”’)]*(?=\s|$)"
    r"|\n+|;\s+|,\s+but\s+|\s+[—–-]+\s+")
# A capitalised name right after a word ("Nurse Kim"), and the determiners of "every visit".
_NAME_AFTER = regex.compile(r"[ \t]+(?:\p{Lu}\.[ \t]?)?\p{Lu}\p{Ll}+")
_EVERY = frozenset({"every", "each", "any", "cada", "cualquier"})
_THANKS = frozenset({"thank", "thanks", "thanking", "thanked", "agradecer", "agradece"})
# Words that make the privacy after them a person's request ("his family asked for privacy").
_REQUESTS = frozenset({"asked", "asks", "ask", "requested", "requests", "request", "wants",
                       "want", "wanted", "pidió", "pide", "piden", "pidieron"})
_INDEFINITE = frozenset({"a", "an", "un", "una"})
_QUESTION_WORD = regex.compile(r"\w+(?:['’]\w+)*")
_CAPITALISED_OR_WORD = regex.compile(r"\w+(?:['’]\w+)*\.?")
# The commenter's child by their age ("my 4-year-old", "my 5yo"): a comment about them.
_MY_CHILD_BY_AGE = regex.compile(
    r"(?i)\b(?:my|mi)\s+(?:\w+\s+)?\d+[\s-]*(?:years?[\s-]*old|yo|y/o|años?)\b")
# A comment that asks who someone is, beside the pack's `asks_who` phrases.
_ASKS_WHO = regex.compile(r"(?i)\b(?:who(?:'s|’s|\s+is|\s+was|\s+are)|quién(?:\s+es)?)\b")
# Words that open a condition: a statement they start governs the clauses after it.
_CONDITIONS = frozenset({"if", "si", "whether", "in", "when", "cuando"})
# "in the Veterans Day video", "the lady in the third photo", "de la foto": a person shown.
_ABOUT_A_PICTURE = regex.compile(
    r"(?i)\b(?:in|on|from|de|en)\s+(?:the|this|that|your|la|el|esta|este|su)\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?:photos?|videos?|pictures?|pics?|clip|reel|post|fotos?|imagen)\b")
# Words that open a verb's object: "visit our rehab floor", "visit the kids every Tuesday".
_VERB_OBJECTS = frozenset({"our", "the", "a", "an", "every", "each", "with", "us", "them",
                           "patients", "families", "kids", "children", "nuestro", "nuestra",
                           "los", "las", "el", "la"})
# Words before an instruction that do not change it: "and please call", "so follow".
_LEADING = frozenset({"please", "and", "so", "or", "then", "just"})
# How someone feels or is doing: after a wish, no state of care (`_wished`).
_FEELING = regex.compile(r"(?i)\b(?:feeling|doing)\b")
_POSSESSIVE_SUFFIX = ("'s", "’s", "s'", "s’")
_PATIENT_WORDS = frozenset({"patient", "patients", "paciente", "pacientes"})
# The notes of a finding whose person is he, she or a name (`_finding` notes who it is).
_REFERENT_NOTES = frozenset({"referent:third", "referent:name"})


@dataclass(frozen=True, slots=True)
class Referent:
    """Who a sentence points at: a kind (for the explanation) and where, in field offsets."""

    kind: str
    start: int
    end: int


_WHO = {
    "second": "the person answered (you, your)",
    "kin": "a relative or friend of the person answered (your + a family word)",
    "third": "the person asked about (he, she, his, her)",
    "name": "a person named in the reply",
    "confirm": "the person the comment asked about (a yes to their question)",
    "reply": "the person whose care the reply states in its other sentences",
}


class DisclosureStage:
    """Post-level stage: care-disclosure findings for posts that answer someone."""

    name = "disclosure"
    # The pack-level word lists it decides with (rules/disclosure.yaml ships them).
    LISTS = ("second_person", "possessive", "third_person", "kin", "staff_nouns", "privacy",
             "generic", "not_referents", "asks_about_patient", "asks_about_picture", "asks_after",
             "asks_who", "asks_about_staff", "public_roles", "celebrates",
             "addressed", "instructions", "verb_subjects", "staff_declarations",
             "organisation_possessive", "stay_prepositions", "wishes", "staff_self",
             "pleasantries", "day_words")

    def __init__(self, policy: Policy, pack: LoadedPack) -> None:
        self.policy = policy
        self.rules: dict[str, Rule] = {r.id: r for r, _ in pack.rules if r.entity == CUE}
        # Without the disclosure pack's care cues the stage has nothing to decide on; with them,
        # it decides with its declared word lists (from the disclosure pack if need be).
        self.active = bool(self.rules)
        lists = (stage_lists(self.name, self.LISTS, policy, pack, home="disclosure")
                 if self.active else dict.fromkeys(self.LISTS, frozenset[str]()))
        self.second = lists["second_person"]
        self.possessive = lists["possessive"]
        self.ours = lists["organisation_possessive"]
        self.stay_words = lists["stay_prepositions"]
        self.third = lists["third_person"]
        self.kin = lists["kin"]
        self.staff_nouns = lists["staff_nouns"]
        self.privacy = compile_phrases(lists["privacy"])
        self.general = compile_phrases(lists["generic"])
        self.not_referents = compile_phrases(lists["not_referents"])
        self.asks = compile_phrases(lists["asks_about_patient"])
        self.asks_picture = compile_phrases(lists["asks_about_picture"])
        self.asks_after = compile_phrases(lists["asks_after"])
        self.celebrates = lists["celebrates"]
        self.questions = compile_phrases(lists["asks_who"])
        self.staff_asked = compile_phrases(lists["asks_about_staff"])
        self.staff_asked_words = frozenset(w for w in lists["asks_about_staff"] if " " not in w)
        # The words of one member of the workforce: no plural, not the staff as a whole, and
        # not the public (`public_roles`).
        self.staff_asked_one = frozenset(
            w for w in self.staff_asked_words
            if not (w.endswith("s") and w[:-1] in self.staff_asked_words) and w != "staff"
        ) - lists["public_roles"]
        self.staff_declarations = compile_phrases(lists["staff_declarations"])
        self.staff_self = compile_phrases(lists["staff_self"])
        self.pleasantries = compile_phrases(lists["pleasantries"])
        self.day_words = lists["day_words"]
        self.addressed = compile_phrases(lists["addressed"])
        self.instructions = lists["instructions"]
        self.verb_subjects = lists["verb_subjects"]
        self.wishes = lists["wishes"]
        # Everyday care words and units, to tell whether the comment answered asks about care.
        self.question_trie = Trie([term for rule, path in pack.rules
                                    if rule.id in ("care-everyday", "care-setting")
                                    for term in list_terms(rule.lists["lexicon"], path,
                                                            rule.id, "lexicon")])
        # Each answering field's sentence scores, computed a batch at a time by `prepare`.
        self._scores: Prepared[dict[tuple[int, int], float]] = Prepared()

    # ---- the stage -----------------------------------------------------------------------
    def prepare(self, posts: Sequence[Post], fields: Sequence[FieldText]) -> None:
        """Score every sentence of the batch's answering posts at once (the engine calls this);
        refine asks only about those no rule explains, and one batch is far faster than many."""
        if not (self.active and self.policy.disclosure_model):
            return
        from phiguard.detectors.disclosure_model import score_sentences

        answering = [f for f in fields if _answers(f.post)]
        spans = [_sentences(f.text) for f in answering]
        scores = iter(score_sentences([f.text[s:e] for f, field_spans in
                                       zip(answering, spans, strict=True)
                                       for s, e in field_spans]))
        self._scores.put((f, {span: next(scores) for span in field_spans})
                         for f, field_spans in zip(answering, spans, strict=True))

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Drop the care cues; add a PATIENT_STATUS finding per disclosing phrase."""
        cues = [c for c in candidates if c.entity == CUE]
        kept = [c for c in candidates if c.entity != CUE]
        # A post that starts with someone's @handle answers them as a reply does.
        if not self.active or not _answers(post):
            return kept
        names = [c for c in kept if c.identifier == Identifier.NAMES and c.status == "flagged"
                 and c.score >= self.policy.min_score]
        asked = self._asks_about_patient(post.in_reply_to or "")
        # Every name a layer proposed, cues too: "la evaluación de Diego" owns the care by the
        # name after "de", however unsure the name layer was of it.
        proposed = [c for c in kept if c.identifier == Identifier.NAMES and c.status == "flagged"]
        # "Who's the PT with the beard?" "That's Derek Vance, one of our PTs!": an answer that
        # names a staff member and no one else speaks of staff; the model is not asked. An
        # answer to anything but a question about a patient that names only staff ("That's
        # Gwen, one of our volunteers! She plays on Mondays") speaks of them when it says he or
        # she: the model is asked only about what it says to the person answered.
        names_only_staff = not names and any(
            WORKFORCE in c.notes for c in kept if c.identifier == Identifier.NAMES)
        staff_answer = names_only_staff and self._asks_who(post.in_reply_to or "")
        if self._commenter_is_staff(post.in_reply_to or ""):
            # The unit a staff member works on is their workplace, not their care.
            staff_answer = True
            cues = [c for c in cues if c.rule_id != "care-setting"]
        # "Who is the volunteer with the bow tie?", "Congrats to Dr. Chen on the award!": a
        # comment about a staff member, and no relative, makes the reply's he, she and names
        # that staff member; the reply's "you" is still the person answered.
        about_staff = self._comment_about_staff(post.in_reply_to or "", proposed)
        staff_only = (names_only_staff or about_staff) and not asked
        staff = [c for c in kept if c.identifier == Identifier.NAMES and WORKFORCE in c.notes]
        for field in fields:
            kept.extend(self._field(field, [c for c in cues if c.field is field],
                                    [c for c in names if c.field is field],
                                    [c for c in proposed if c.field is field], asked,
                                    staff_answer,
                                    [c for c in staff if c.field is field] if staff_only
                                    else None, about_staff))
        return kept

    def _field(self, field: FieldText, cues: list[Candidate], names: list[Candidate],
               proposed: list[Candidate], asked: bool,
               staff_answer: bool = False,
               staff_only: Sequence[Candidate] | None = None,
               about_staff: bool = False) -> list[Candidate]:
        """One field's disclosing phrases. `staff_only`: the field's staff names, when the
        reply names only staff and answers no question about a patient; `about_staff`: the
        comment speaks of a staff member, who is the reply's he, she or name."""
        found: list[Candidate] = []
        unexplained: list[tuple[int, int]] = []
        unowned: list[Candidate] = []
        opening_yes: list[Candidate] = []  # a yes that opens the answer, to no patient question
        for start, end in _sentences(field.text):
            words = _words_in(field, start, end)
            tokens = [w for _, _, w in words]
            if self._declines(tokens):
                continue
            # "everyone", "our patients": a statement about all confirms no one's care, but a
            # care word someone owns in it still does ("you outworked everyone after your hip
            # replacement").
            general = self._general_hits(tokens)
            in_sentence = [c for c in cues if start <= c.start < end]
            # "we hope your neighbor is doing well": a wish, not an update, nor for the model.
            wishes = [c for c in in_sentence
                      if c.rule_id == "care-update" and self._wished(field, words, c)]
            hits, orphans = self._sentence_hits(
                field, [c for c in in_sentence if c not in wishes], words, names, proposed,
                (start, end), asked, general)
            if about_staff and not _PATIENT_WORDS.intersection(tokens):
                # Care only in the same sentence as he, she or a name is the staff member's
                # work ("Dr. Okafor, our new chief of thoracic surgery"); care they own ("his
                # bypass") and "her patient Frank" stay someone's.
                hits = [h for h in hits
                        if h.score >= SURE or _REFERENT_NOTES.isdisjoint(h.notes)]
            for hit in hits:
                self._also(hit, in_sentence)
            found.extend(hits)
            if not hits:
                unowned.extend(orphans)
            # A yes to a question about anyone but a patient is decided: not for the model.
            answered = not asked and any(c.rule_id == "care-confirmation" for c in in_sentence)
            if answered:  # the rule's pattern only matches a yes that opens the answer
                opening_yes.extend(c for c in in_sentence if c.rule_id == "care-confirmation")
            # Every sentence no rule explained goes to the model, whether or not it names a
            # person: a reply speaks to the person answered ("Glad the stitches came out clean").
            if not (hits or answered or general or wishes or self._declares_staff(tokens)
                    or self._pleasantry(field, tokens, proposed, start, end)):
                unexplained.append((start, end))
        if not staff_answer:
            found.extend(self._model_hits(field, unexplained, names, staff_only, about_staff))
        # A reply that states someone's care speaks of them throughout: care named in a
        # sentence that points at no one is theirs too ("Glad you're healing well, Wes!
        # Kidney stones are no joke"). A model hit alone never decides a rule finding.
        # So does the yes that opens it ("It is! Ellie finished chemo last week"): the comment
        # asked about the person whose care the reply goes on to state.
        if any(f.rule_id != MODEL_RULE for f in found):
            found.extend(self._finding(field, cue, Referent("reply", cue.start, cue.end),
                                       cue.start, cue.end, SAME_SENTENCE)
                         for cue in unowned
                         if not any(f.start <= cue.start < f.end for f in found))
            found.extend(self._confirmation(field, cue, "the reply goes on to state their care")
                         for cue in opening_yes)
        return found

    def _sentence_hits(self, field: FieldText, in_sentence: list[Candidate],
                       words: list[tuple[int, int, str]], names: list[Candidate],
                       proposed: list[Candidate], where: tuple[int, int], asked: bool,
                       general: list[tuple[int, tuple[str, ...]]],
                       ) -> tuple[list[Candidate], list[Candidate]]:
        """One sentence's disclosing phrases, and the care it names that points at no one.
        `general`: the sentence's statements about everyone (`_general_hits`)."""
        start, end = where
        actions = {c.rule_id for c in in_sentence if c.rule_id == "care-action"}
        sentence_instruction = self._instructs(words)
        hits: list[Candidate] = []
        orphans: list[Candidate] = []
        pointed: bool | None = None  # does the sentence point at anyone? asked once, if need be
        for cue in in_sentence:
            if cue.rule_id == "care-action":
                continue  # evidence for a care term in the sentence, not care itself
            if (general and self._general_clause(field, cue, words, general)
                    and not _owned_by_one(self._owner(field, words, cue, names))):
                continue
            # "..., so please follow your surgeon's instructions", "... and bring your
            # insurance card": the cue's own clause may tell the reader what to do.
            clause = max(field.text.rfind(",", start, cue.start) + 1,
                         field.text.rfind(" and ", start, cue.start) + 1)
            instruction = sentence_instruction or (clause > 0 and self._instructs(
                [w for w in words if w[0] >= clause]))
            hit = self._decide(field, cue, words, names, start, end, asked,
                               actions, instruction, proposed)
            if hit is not None:
                hits.append(hit)
            elif not instruction and self._care_of_no_one(field, words, cue):
                if pointed is None:
                    pointed = self._person(field, words, names, start, end) is not None
                if not pointed:
                    orphans.append(cue)
        return hits, orphans

    def _instructs(self, words: list[tuple[int, int, str]]) -> bool:
        """Do the words open with an instruction ("please call", "so follow")?"""
        first = [w for _, _, w in words if w not in _LEADING][:1]
        return bool(first) and first[0] in self.instructions

    def _wished(self, field: FieldText, words: list[tuple[int, int, str]],
                cue: Candidate) -> bool:
        """Is the cue how someone feels or is doing, after a wish in its clause ("we hope
        your neighbor is doing well")? That says what the writer wants, not how anyone is; a
        wish about a body part states an injury ("hope her hip is healing")."""
        if not _FEELING.search(cue.text):
            return False
        clause = field.text.rfind(",", 0, cue.start) + 1
        return any(clause <= s and e <= cue.start and w in self.wishes for s, e, w in words)

    def _care_of_no_one(self, field: FieldText, words: list[tuple[int, int, str]],
                        cue: Candidate) -> bool:
        """Care a rule names, and no yes, unit's staff or proper name."""
        return (cue.rule_id in self.rules and cue.rule_id != "care-confirmation"
                and not self._staff(words, cue, field.text) and not _proper_name(cue.text)
                and not self._verb(words, cue, self.rules[cue.rule_id]))

    def _general_hits(self, tokens: list[str]) -> list[tuple[int, tuple[str, ...]]]:
        """The statements about everyone in a sentence, less those that thank everyone ("asked
        us to thank everyone for the prayers" states nothing about their care)."""
        return [(index, phrase) for index, phrase in phrase_hits(tokens, self.general)
                if not (index and tokens[index - 1] in _THANKS)]

    def _general_clause(self, field: FieldText, cue: Candidate,
                        words: list[tuple[int, int, str]],
                        general: list[tuple[int, tuple[str, ...]]]) -> bool:
        """Does the statement about everyone govern the cue? One in the cue's own clause does
        ("Reyes is awake and talking, and his family thanks everyone": the care is one man's,
        the thanks are to all), and a condition before it does ("If your son has a fever, go
        to the emergency room")."""
        text = field.text
        start = text.rfind(",", 0, cue.start) + 1
        end = text.find(",", cue.end)
        end = len(text) if end == -1 else end
        for index, phrase in general:
            at = words[index][0]
            if start <= at < end or (phrase[0] in _CONDITIONS and at < cue.start):
                return True
        return False

    def _decide(self, field: FieldText, cue: Candidate, words: list[tuple[int, int, str]],
                names: list[Candidate], start: int, end: int, asked: bool,
                actions: set[str], instruction: bool,
                proposed: Sequence[Candidate]) -> Candidate | None:
        """One cue's finding, or None. `instruction`: the cue's clause tells the reader what
        to do ("please call", "so follow")."""
        rule = self.rules.get(cue.rule_id)
        if rule is None:
            return None
        if cue.rule_id == "care-confirmation":
            # Only a yes that opens an answer to a question about someone's care.
            return self._confirmation(field, cue) if asked else None
        if self._staff(words, cue, field.text) or _proper_name(cue.text) \
                or self._verb(words, cue, rule, proposed):
            return None
        owner = self._owner(field, words, cue, names, proposed)
        if owner is not None and owner.kind == "second" and instruction:
            return None  # "Call us to check your plan": an instruction, not a fact
        if owner is not None:
            return self._finding(field, cue, owner, min(owner.start, cue.start), cue.end, SURE)
        inside = self._inside(cue)
        if inside is None and "lexicon" not in rule.lists:
            inside = self._subject(words, cue, names)
        if inside is not None:
            return self._finding(field, cue, inside, cue.start, cue.end, SURE)
        phrase_rule = "lexicon" not in rule.lists or cue.text[:1].isdigit()
        if not phrase_rule and "care-action" in actions:
            # "the throat culture we sent": the organisation's own act on the person answered.
            return self._finding(field, cue, Referent("second", cue.start, cue.end),
                                 cue.start, cue.end, SURE, "care the organisation gave",
                                 reported="care-action")
        if instruction:  # "Please call our ED liaison": routing, not care
            return None
        return self._in_sentence(field, cue, words, names, start, end, phrase_rule)

    def _in_sentence(self, field: FieldText, cue: Candidate, words: list[tuple[int, int, str]],
                     names: list[Candidate], start: int, end: int,
                     phrase_rule: bool) -> Candidate | None:
        """The care word and a person only share the sentence: whose is it, if anyone's?"""
        person = self._person(field, words, names, start, end)
        if person is None or self._anyones(words, cue, person):
            return None
        return self._sentence_finding(field, cue, person, phrase_rule)

    def _anyones(self, words: list[tuple[int, int, str]], cue: Candidate,
                 person: Referent) -> bool:
        """A care word with an indefinite article in a sentence said to the person answered
        but naming no one, not even 'you' ("We're sorry for the stress a surprise bill
        causes"): any bill, as 'every visit' is any visit."""
        return person.kind == "second" and _indefinite(words, cue) \
            and not any(w in self.second for _, _, w in words)

    def _confirmation(self, field: FieldText, cue: Candidate,
                      why: str = "the comment asked about someone's care or stay") -> Candidate:
        who = Referent("confirm", cue.start, cue.end)
        return self._finding(field, cue, who, cue.start, cue.end, SURE, why)

    def _sentence_finding(self, field: FieldText, cue: Candidate, person: Referent,
                          phrase_rule: bool) -> Candidate:
        """A care term in the same sentence as a person: how sure depends on who and the term.

        A phrase about a person's state ("is resting comfortably") needs only the person, and
        a relative beside any care term is theirs; a term in the same sentence as "you" or a
        unit ("our NICU") may be general advice or where the staff work: review.
        """
        sure = person.kind == "kin" or phrase_rule and person.kind != "second"
        score = SURE if sure else SAME_SENTENCE
        return self._finding(field, cue, person, cue.start, cue.end, score)

    # ---- who -----------------------------------------------------------------------------
    def _owner(self, field: FieldText, words: list[tuple[int, int, str]], cue: Candidate,
               names: list[Candidate], proposed: Sequence[Candidate] = ()) -> Referent | None:
        """A possessive right before the cue: your MRI, your son's surgery, his, Liam's."""
        before = [w for w in words if w[1] <= cue.start][-(_OWNER_GAP + 1):]
        for index in range(len(before) - 1, -1, -1):
            s, e, word = before[index]
            if _clause_break(field.text, e, cue.start):
                break
            base = _strip_possessive(word)
            if base != word and base in self.kin:
                owner = before[index - 1] if index else None
                if owner is not None and owner[2] in self.possessive:
                    return Referent("kin", owner[0], e)
                return None
            # "Caleb's stay": a possessive name owns the care, however unsure the name layer
            # was of a capitalised word alone (the owner stage decides it later).
            if base != word and any(n.start <= s and e <= n.end + 2
                                    for n in (*names, *proposed)):
                return Referent("name", s, e)
            if word in self.possessive:
                if word in ("his", "her", "their", "su", "sus") and self._kin_after(
                        words, e, cue.start):
                    return Referent("kin", s, e)
                return Referent("second" if word in self.second else "third", s, e)
        return self._owner_after(words, cue, proposed)

    def _owner_after(self, words: list[tuple[int, int, str]], cue: Candidate,
                     proposed: Sequence[Candidate]) -> Referent | None:
        """Spanish puts the owner after the care: "la hospitalización de su papá", "la cita de
        su hija", "la evaluación de Diego" (a name after "de", at any score)."""
        after = [w for w in words if w[0] >= cue.end][:3]
        if len(after) >= 3 and after[0][2] in ("de", "del") and after[1][2] in self.possessive \
                and after[2][2] in self.kin:
            return Referent("kin", after[1][0], after[2][1])
        starts = {n.start: n for n in proposed}
        for (_, _, word), following in zip(after, after[1:], strict=False):
            name = starts.get(following[0]) if word in ("de", "del") else None
            if name is not None:
                return Referent("name", name.start, name.end)
        return None

    def _kin_after(self, words: list[tuple[int, int, str]], start: int, end: int) -> bool:
        return any(start <= s and e <= end and w in self.kin for s, e, w in words)

    def _inside(self, cue: Candidate) -> Referent | None:
        """A cue whose own phrase holds the person: 'caring for you', 'in your chart'."""
        tokens = [t.lower() for t in regex.findall(r"\w+(?:['’]\w+)*", cue.text)]
        if tokens and tokens[0].startswith("congrat"):  # said to the person answered
            return Referent("second", cue.start, cue.end)
        for token in tokens:
            if token in self.second:
                return Referent("second", cue.start, cue.end)
        for token in tokens:
            if token in self.third and token not in ("they", "them", "their"):
                return Referent("third", cue.start, cue.end)
        return None

    def _person(self, field: FieldText, words: list[tuple[int, int, str]],
                names: list[Candidate], start: int, end: int) -> Referent | None:
        """Anyone the sentence points at: a name, a relative, he/she, or 'you'."""
        for name in names:
            if start <= name.start < end:
                return Referent("name", name.start, name.end)
        tokens = [w for _, _, w in words]
        for index, (_, e, word) in enumerate(words):
            base = _strip_possessive(word)
            if base in self.kin and index and tokens[index - 1] in self.possessive:
                return Referent("kin", words[index - 1][0], e)
        for s, e, word in words:
            if word in self.third and word not in ("they", "them", "their") \
                    and not _acronym(field.text, s, e):
                return Referent("third", s, e)
        second = self._second_person(field, words)
        if second is not None:
            return second
        # "Congrats on finishing chemo!", "So glad it went well": said to the person answered.
        if words and has_phrase(tokens[:3], self.addressed):
            return Referent("second", words[0][0], words[0][1])
        return None

    def _second_person(self, field: FieldText,
                       words: list[tuple[int, int, str]]) -> Referent | None:
        """'you' or 'your' said of the person answered, not a phrase that only addresses them
        ('thank you', 'if you')."""
        tokens = [w for _, _, w in words]
        for index, (s, e, word) in enumerate(words):
            if word in self.second and not _starts_phrase(tokens, index, self.not_referents) \
                    and not _acronym(field.text, s, e):
                return Referent("second", s, e)
        return None

    def _subject(self, words: list[tuple[int, int, str]], cue: Candidate,
                 names: list[Candidate]) -> Referent | None:
        """The person a state phrase is said of, right before it: 'he's out of the ICU'."""
        before = [w for w in words if w[1] <= cue.start][-1:]
        inside = [w for w in words if cue.start <= w[0] < cue.end][:1]
        for s, e, word in before + inside:
            head = word.split("'")[0].split("’")[0]
            if head in self.second and head not in ("your", "ur"):
                return Referent("second", s, e)
            if head in self.third and head not in ("his", "her", "their"):
                return Referent("third", s, e)
            if any(n.start <= s and e <= n.end + 2 for n in names):
                return Referent("name", s, e)
        return None

    def _staff(self, words: list[tuple[int, int, str]], cue: Candidate, text: str) -> bool:
        """'the ED team', 'our NICU nurses', 'su equipo de medicina interna': the unit's staff,
        not someone's stay; 'our NICU': the organisation's service; 'Nurse Kim': a clinician's
        title before a name, not care; 'every visit': anyone's."""
        after = [w for s, _, w in words if s >= cue.end][:2]
        before = [w for _, e, w in words if e <= cue.start][-2:]
        if before and before[-1] in _EVERY:
            return True  # "to make every visit comfortable": anyone's care, no one's
        if self._declares_staff([w for _, _, w in words]) and has_phrase(
                _question_words(cue.text), self.staff_asked):
            return True  # "She's been a pediatrician here since 2009": who she is, not care
        if self._ours(words, cue, text):
            return True
        if len(before) == 2 and before[1] in ("de", "del") and before[0] in self.staff_nouns:
            return True
        if cue.text.lower() in self.staff_nouns and _NAME_AFTER.match(text, cue.end):
            return True
        return bool(after) and (after[0] in self.staff_nouns
                                or len(after) > 1 and f"{after[0]} {after[1]}"
                                in self.staff_nouns)

    def _ours(self, words: list[tuple[int, int, str]], cue: Candidate, text: str) -> bool:
        """"our NICU", "our new cancer pavilion": the organisation's own service, "our" at
        most one word before it ("Our notes show the epidural" is the patient's), and not
        where someone stayed ("two weeks in our NICU")."""
        before = [w for w in words if w[1] <= cue.start][-3:]
        for index in range(len(before) - 1, max(len(before) - 3, -1), -1):
            _, e, word = before[index]
            if _clause_break(text, e, cue.start):
                return False
            if word in self.ours:
                return not (index and before[index - 1][2] in self.stay_words)
        return False

    def _verb(self, words: list[tuple[int, int, str]], cue: Candidate, rule: Rule,
              names: Sequence[Candidate] = ()) -> bool:
        """A vocabulary word right after its subject is a verb ("she visits our rehab gym",
        "Biscuit and his handler Marge visit 4 West"), not the care the noun names ("your
        visit", "Marge's visit")."""
        if "lexicon" not in rule.lists:
            return False
        before = [w for w in words if w[1] <= cue.start][-1:]
        if not before:
            return False
        start, end, word = before[0]
        if word in self.verb_subjects:
            return True
        # After a name, only with an object after it: "Marge visit our rehab floor", not "Hep
        # C treatment worked" (the model's name on a condition).
        after = [w for s, _, w in words if s >= cue.end][:1]
        return (cue.field.text[end:cue.start].isspace() and bool(after)
                and after[0] in _VERB_OBJECTS
                and any(n.start <= start and end == n.end for n in names))

    def _declines(self, tokens: list[str]) -> bool:
        """Does the sentence decline to speak of anyone's care ("we can't share details, for
        privacy")? Privacy someone asked for is theirs, not a refusal: "Yes, he's in our burn
        unit, and his family asked for privacy" still confirms his stay."""
        return any(not (index and tokens[index - 1] in _REQUESTS)
                   for index, _phrase in phrase_hits(tokens, self.privacy))

    def _declares_staff(self, tokens: list[str]) -> bool:
        """"He's our longest-serving volunteer": the sentence says who someone is to us."""
        return has_phrase(tokens, self.staff_declarations) and has_phrase(
            _singular(tokens), self.staff_asked)

    def _pleasantry(self, field: FieldText, tokens: list[str], proposed: Sequence[Candidate],
                    start: int, end: int) -> bool:
        """Sympathy or a wish that points at no one but the reader: no relative, name, day or
        number ("We understand your concern", "Le deseamos mucha salud")."""
        return (any(index == 0 for index, _ in phrase_hits(tokens, self.pleasantries))
                and not any(t in self.kin or t in self.day_words for t in tokens)
                and not any(start <= c.start < end for c in proposed)
                and not any(ch.isdigit() for ch in field.text[start:end]))

    def _commenter_is_staff(self, comment: str) -> bool:
        """Does the comment's writer say they work or volunteer here ("Proud to be a nurse on 4
        West", "I volunteered at the fair"), and speak of no relative?"""
        tokens = _question_words(comment)
        if not tokens or any(t in self.kin for t in tokens):
            return False
        for index, phrase in phrase_hits(tokens, self.staff_self):
            said = tokens[index:index + len(phrase) + 4]
            if has_phrase(_singular(said), self.staff_asked):
                return True
        return False

    def _comment_about_staff(self, comment: str, proposed: Sequence[Candidate]) -> bool:
        """Does the comment ask who a staff member is or celebrate one, by their role ("Who is
        the volunteer with the bow tie?", "Congrats to Dr. Chen!"), and speak of no relative,
        no one by a name without a title, and no one's care or stay?"""
        tokens = [_strip_possessive(t) for t in _question_words(comment)]
        if not (self._asks_who(comment) or self.celebrates.intersection(tokens)):
            return False
        # One person by their role: "the volunteer", not "all the volunteers" or "great staff".
        one = any(len(phrase) > 1 or phrase[0] in self.staff_asked_one
                  for _, phrase in phrase_hits(tokens, self.staff_asked))
        return (one and not any(t in self.kin for t in tokens)
                and not _MY_CHILD_BY_AGE.search(comment)
                and not has_phrase(tokens, self.asks) and not has_phrase(tokens, self.asks_after)
                and not self._named_outside_title(
                    comment, {w for c in proposed for w in c.text.split()}))

    def _named_outside_title(self, comment: str, reply_names: set[str]) -> bool:
        """Does the comment name someone by a capitalised word that no staff word or title
        stands before ("Is that Jaylen Brooks ... with Dr. Kim?")? A sentence's first word is
        a name only when the reply names them too ("Lily still talks about the nurse")."""
        titled = False
        for match in _CAPITALISED_OR_WORD.finditer(comment):
            word = match.group()
            if _singular([word.lower().rstrip(".")])[0] in self.staff_asked_words:
                titled = True  # "Dr.", "Nurse", "the volunteer": the name after is theirs
                continue
            before = comment[:match.start()].rstrip()
            opening = not before or before[-1] in ".!?:\"“"
            if word[:1].isupper() and not word.isupper():
                if not titled and (not opening or word in reply_names):
                    return True
            else:
                titled = False
        return False

    def _asks_who(self, question: str) -> bool:
        """Does the comment ask who someone is ("Who's the guy with the whistle?", "Is that
        the tattoo guy from the ER video?")?"""
        return bool(_ASKS_WHO.search(question)) or has_phrase(_question_words(question),
                                                             self.questions)

    def _asks_about_patient(self, question: str) -> bool:
        if not question:
            return False
        tokens = _question_words(question)
        if not has_phrase(tokens, self.questions) or has_phrase(tokens, self.staff_asked):
            return False  # "Does insurance work?", "Is this the nurse who ...?": not a patient
        if has_phrase(tokens, self.asks) or has_phrase(tokens, self.asks_picture) \
                or _ABOUT_A_PICTURE.search(question):
            return True
        words = term_tokens(question)
        return any(self.question_trie.longest(words, i) for i in range(len(words)))

    # ---- the finding ---------------------------------------------------------------------
    def _also(self, hit: Candidate, cues: list[Candidate]) -> None:
        """Name the other kinds of care inside the reported phrase ('your dad's knee
        replacement went well': a procedure as well as an update)."""
        own = self.rules[hit.rule_id].message
        more = dict.fromkeys(
            self.rules[c.rule_id].message for c in cues
            if c.rule_id in self.rules and c.rule_id not in ("care-action", "care-confirmation")
            and hit.start <= c.start and c.end <= hit.end and self.rules[c.rule_id].message != own
            and self.rules[c.rule_id].message not in hit.explanation)
        if more:
            hit.explanation += "; it also names " + " and ".join(more)

    def _finding(self, field: FieldText, cue: Candidate, who: Referent, start: int, end: int,
                 score: float, extra: str = "", reported: str | None = None) -> Candidate:
        what = self.rules[cue.rule_id].message
        rule = self.rules[reported or cue.rule_id]
        strength = ("" if score >= SURE else
                    "; the care and the person are only in the same sentence, so review it")
        explanation = (f"confirms that {_WHO[who.kind]} is or was a patient: it names {what}"
                       f"{'; ' + extra if extra else ''} (rule {rule.id!r}){strength}")
        return Candidate(field=field, start=start, end=end, identifier=Identifier.OTHER_UNIQUE,
                         entity=ENTITY, score=score, rule_id=rule.id, layer=self.name,
                         explanation=explanation, notes=[f"referent:{who.kind}"])

    def _model_hits(self, field: FieldText, sentences: list[tuple[int, int]],
                    names: list[Candidate],
                    staff: Sequence[Candidate] | None = None,
                    about_staff: bool = False) -> list[Candidate]:
        """Sentences the rules did not explain: ask the model. `staff`: the staff names of a
        reply that names only staff; then only about sentences that speak to the person
        answered, or to no one, and not to a staff member by name. `about_staff`: the comment
        speaks of a staff member; then only about sentences that speak to the person answered
        ("That's Wendell Okoye!" is who the staff member is)."""
        if not sentences or not self.policy.disclosure_model:
            return []
        from phiguard.detectors.disclosure_model import score_sentences

        prepared = self._scores.take(field) or {}
        missing = [span for span in sentences if span not in prepared]
        prepared.update(zip(missing, score_sentences([field.text[s:e] for s, e in missing]),
                            strict=True))
        found = []
        for (start, end), score in ((span, prepared[span]) for span in sentences):
            if score < self.policy.disclosure_threshold:
                continue
            words = _words_in(field, start, end)
            who = self._person(field, words, names, start, end)
            kind = who.kind if who is not None else "second"
            if (about_staff or staff is not None and kind in ("third", "name")) \
                    and self._second_person(field, words) is None:
                continue  # he or she is the staff member the reply names, and no one else
            if staff is not None and any(n.start == start and field.text[n.end:n.end + 1] == ","
                                         for n in staff):
                continue  # "Tanya, you were a rockstar!": you are the staff member addressed
            found.append(Candidate(
                field=field, start=start, end=_trim_end(field.text, start, end),
                identifier=Identifier.OTHER_UNIQUE, entity=ENTITY, score=MODEL_ONLY,
                rule_id=MODEL_RULE, layer=self.name,
                explanation=f"a trained classifier reads this sentence as stating the care of "
                            f"{_WHO[kind]} (model score {score:.2f}); no rule names the care, "
                            f"so review it"))
        return found


def _clause_break(text: str, start: int, end: int) -> bool:
    """Does punctuation between a word and the care after it end the phrase ("your son. MRI")?"""
    return any(ch in ".,;:!?()" for ch in text[start:end])


def _owned_by_one(owner: Referent | None) -> bool:
    """"your hip replacement", "your son's surgery", "Liam's cast": one person's care. Not
    "their" or "his" in a statement about everyone ("every patient and their family")."""
    return owner is not None and owner.kind in ("second", "kin", "name")


def _answers(post: Post) -> bool:
    """Does the post answer someone: a reply, or a post that starts with their @handle?"""
    return is_reply(post) or post.text.lstrip().startswith("@")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence and clause spans of a field, without their edge spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _proper_name(text: str) -> bool:
    """'Family Birth Center', 'Sports Medicine clinic': two capitalised words name a place."""
    words = text.split()
    return len(words) > 1 and sum(w[:1].isupper() and not w.isupper() for w in words) >= 2


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return end if end > start else start + 1


def _singular(tokens: Sequence[str]) -> list[str]:
    """Plural staff words as the list spells them: "nurses" -> "nurse", not "bus" -> "bu"."""
    return [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in tokens]


def _question_words(question: str) -> list[str]:
    """The comment's words, lower-cased, contractions whole ("who's")."""
    return [t.lower() for t in _QUESTION_WORD.findall(question)]


def _acronym(text: str, start: int, end: int) -> bool:
    """"our HIM team" (health information management): a pronoun in capitals in text that is
    not all capitals is an acronym, no person."""
    return end - start > 1 and text[start:end].isupper() and mixed_case(text)


def _words_in(field: FieldText, start: int, end: int) -> list[tuple[int, int, str]]:
    tokens = field.tokens
    return [(s, e, w) for s, e, w in zip(tokens.starts, tokens.ends, tokens.words, strict=True)
            if start <= s and e <= end]


def _indefinite(words: list[tuple[int, int, str]], cue: Candidate) -> bool:
    """Is the care word indefinite ("a surprise bill", "an MRI", "una cita"): any one, not the
    one of the person answered? The article may stand one word before it."""
    before = [w for _, e, w in words if e <= cue.start][-2:]
    return any(w in _INDEFINITE for w in before)


def _strip_possessive(word: str) -> str:
    for suffix in _POSSESSIVE_SUFFIX:
        if word.endswith(suffix):
            return word[: -len(suffix)] + ("s" if suffix.startswith("s") else "")
    return word




def _starts_phrase(words: list[str], index: int, phrases: list[tuple[str, ...]]) -> bool:
    """Is words[index] part of one of the phrases ('thank you', 'you can')?"""
    for phrase in phrases:
        size = len(phrase)
        for offset in range(size):
            begin = index - offset
            if begin >= 0 and tuple(words[begin : begin + size]) == phrase:
                return True
    return False

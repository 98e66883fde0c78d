"""The name-context stage: which name candidates (Safe Harbor A) are a patient's or a relative's.

Names come from the model's PERSON entities (`ner`) and from the cue rules of rules/names.yaml
(`patterns`, with the Census and SSA lexicons). This post-level stage decides on all of them:

- a clinician (a title such as Dr. or nurse before it, credentials such as RN after it) or
  other staff member (a role such as volunteer or security officer before it) is allowed by the
  social policy and flagged by the strict one; Safe Harbor does not require removing workforce
  names; other mentions of the same person in the post are decided the same way;
- a name of the organisation's staff (the policy's `allow_staff`, or any allowlisted term of
  the packs that contains the name) is allowed;
- a public figure is allowed;
- a common word that is also a name (Will, May, Grace ...) needs other evidence;
- a person who signed a publication authorisation is reported as `consented`;
- a relative's name is PHI like the patient's, and a cue word next to a model PERSON raises it;
- a model PERSON made of clinical vocabulary (devices, shorthand, drug names) is no name;
- a name flagged once is flagged wherever else it occurs in the post ("son David called ...
  per David"), as `name-repeat`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from functools import lru_cache

import regex

from phiguard.detectors.base import WORD_PATTERN, Candidate, FieldText
from phiguard.detectors.context import compile_phrases, find_context
from phiguard.models import Identifier, Post
from phiguard.policy import Consent, Policy
from phiguard.rulepacks.loader import LoadedPack

_CUE_RULES = frozenset({"name-title", "name-baby", "name-relative", "name-cue", "name-hashtag",
                        "name-mention", "name-family", "name-activity"})
# Rules whose cue is itself evidence enough that a common word is used as a name.
_STRONG_RULES = frozenset({"name-title", "name-baby", "name-hashtag", "name-clinician",
                           "name-dob"})
# Rules whose capture is checked against the name lexicons here, not in the regex.
_LEXICON_RULES = frozenset({"name-baby", "name-relative", "name-cue", "name-hashtag",
                            "name-mention", "name-family", "name-activity", "name-capitalised",
                            "name-dob", "name-initial"})
_PATIENT = compile_phrases(["patient", "our patient", "pt"])
# A title that is also a clinical abbreviation, just before a name-title capture.
_AMBIGUOUS_TITLE = regex.compile(r"(?i)(?<![\w.])(?:ms|lt)\.?[ \t]+\Z")
# Cue rules whose capture may still be a staff member's, judged by what follows it ("Congrats
# to Jenna Morales, RN"); titles, relations and "Baby" say who the person is.
_OPEN_CUE_RULES = frozenset({"name-cue", "name-hashtag", "name-mention", "name-activity",
                             "name-capitalised"})
_WORKFORCE = "workforce"
# "her husband ", "their son ": a relation word owned by a person, just before a capture. Only
# then is a capitalised word the lexicon lacks taken as the relative's name ("Tomasz"); a note's
# "wife Called" or "Son Given" is not.
_OWNED_RELATION = regex.compile(r"(?i)\b(?:her|his|their|my|your|our)[ \t]+\p{L}+[ \t]+\Z")


class ClinicalVocabulary:
    """Words of a chart that are never a name or a place: the pack's `clinical_words`, and words
    ending in one of its `drug_suffixes` that are not known first names."""

    def __init__(self, lists: dict[str, frozenset[str]]) -> None:
        self.words = lists.get("clinical_words", frozenset())
        self.suffixes = tuple(sorted(lists.get("drug_suffixes", frozenset())))
        self.first = lists.get("first_names", frozenset())

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str):
            return False
        if token in self.words:
            return True
        return (len(token) >= 6 and token.endswith(self.suffixes) and token not in self.first)

    def any_of(self, tokens: Collection[str]) -> bool:
        """True if any of the tokens is clinical vocabulary."""
        return any(t in self for t in tokens)


# A fact of the whole field, asked once per candidate: computed once per field text (was
# quadratic on a long post of many candidates).
@lru_cache(maxsize=16)
def mixed_case(text: str) -> bool:
    """Written in sentence case, where a place's or a name's capital means something: not a
    chart in capitals or in lowercase (at least one word in ten capitalised, and not nine)."""
    words = [w for w in text.split() if w[:1].isalpha()]
    capital = sum(w[:1].isupper() for w in words)
    return bool(words) and 0.1 * len(words) <= capital < 0.9 * len(words)


def words(text: str) -> tuple[str, ...]:
    """Lowercase word tokens, as allowlists and lexicons compare them."""
    return tuple(w.lower() for w in WORD_PATTERN.findall(text))


def _sentence_initial(field: FieldText, start: int) -> bool:
    text = field.text
    index = start - 1
    while index >= 0 and text[index] in " \t\"'“‘(":  # scan back, never copy the prefix
        index -= 1
    return index < 0 or text[index] in ".!?\n:"


class NameContext:
    """Decides in context on every name candidate of a post."""

    name = "name-context"

    def __init__(self, policy: Policy, pack: LoadedPack) -> None:
        lists = pack.lists
        self.policy = policy
        self.clinician_titles = compile_phrases(lists.get("clinician_titles", ()))
        self.credentials = compile_phrases(lists.get("clinician_credentials", ()))
        self.person_cues = compile_phrases(lists.get("person_cues", ()))
        self.relations = compile_phrases(lists.get("relations", ()))
        self.place_prepositions = compile_phrases(lists.get("place_prepositions", ()))
        self.roles = compile_phrases(lists.get("staff_roles", ()))
        # Words the model takes into a PERSON span before the name ("Chef Marco", "Dr Kim").
        self.lead_words = frozenset(p[0] for p in [*self.roles, *self.clinician_titles,
                                                   *self.relations] if len(p) == 1)
        # ... and after it ("Ilene Macdonald RN").
        self.trail_words = frozenset(p[0] for p in self.credentials if len(p) == 1)
        self.clinical = ClinicalVocabulary(lists)
        self.verb_names = lists.get("verb_word_names", frozenset())
        self.common = lists.get("common_word_names", frozenset())
        self.not_names = lists.get("not_names", frozenset())
        self.first = lists.get("first_names", frozenset())
        self.last = lists.get("last_names", frozenset())
        self.lexicon = self.first | self.last
        self.stop = self.not_names | lists.get("common_words", frozenset())
        # Public figures by their whole name and by each ending of it ("Obama" of "Barack
        # Obama"): one set lookup per candidate, not a loop over the list.
        public = [words(p) for p in lists.get("public_figures", ())]
        self.public = frozenset(p[i:] for p in public for i in range(len(p)) if p[i:])
        staff = [*policy.allow_staff, *pack.allow.terms, *policy.allow_terms]
        self.staff = [set(words(s)) for s in staff if words(s)]

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Decide on each name candidate; other candidates pass through unchanged."""
        consents = self._consents(post, fields)
        places = {(id(c.field), c.start, c.end) for c in candidates
                  if c.identifier is Identifier.GEOGRAPHIC}
        out = []
        for c in candidates:
            if c.identifier is not Identifier.NAMES or self._decide(c, consents, places):
                out.append(c)
        names = [c for c in out if c.identifier is Identifier.NAMES]
        self._same_person_as_workforce(names)
        out.extend(self._repeats(fields, names))
        return out

    def _same_person_as_workforce(self, names: list[Candidate]) -> None:
        """"Our officer Dave Kim ... Dave is a hero": a model PERSON, or an open cue's name
        ("Congrats to Priya" of "Priya Natarajan, RN"), that is part of a staff member's name
        decided in the post is that staff member."""
        # Distinct staff names, and all their words as a first test: keeps a long post linear.
        staff = {frozenset(words(c.text)) for c in names if _WORKFORCE in c.notes}
        if not staff:
            return
        staff_words = frozenset().union(*staff)
        for c in names:
            if not ((c.rule_id == "ner-person" or c.rule_id in _OPEN_CUE_RULES)
                    and c.status == "flagged" and _WORKFORCE not in c.notes):
                continue
            name = set(words(c.text))
            if name <= staff_words and any(name <= s for s in staff):
                if self.policy.clinician_names == "allow":
                    c.status = "suppressed"
                c.notes.append(_WORKFORCE)
                c.explanation += "; the same person as a staff member named in the post"

    def _repeats(self, fields: Sequence[FieldText], names: list[Candidate]) -> list[Candidate]:
        """Other mentions in the post of a name flagged in it ("son David ... per David")."""
        found: dict[str, Candidate] = {}
        for c in names:
            if c.status != "flagged":
                continue
            strong = c.rule_id in _STRONG_RULES or "relative's name" in c.explanation
            for token in words(c.text):
                token = token.removesuffix("'s").removesuffix("’s")
                # The best-scored mention is the source: a cue's weak score (a capitalised
                # word) must not stand for a relative's name found by its relation word.
                if (len(token) >= 3 and token.isalpha() and token not in self.stop
                        and token not in self.clinical and (strong or token not in self.common)
                        and (token not in found or c.score > found[token].score)):
                    found[token] = c
        if not found:
            return []
        covered = {(id(c.field), s) for c in names
                   for s in range(c.start, c.end)}
        out = []
        for field in fields:
            tokens = field.tokens
            for start, end, word in zip(tokens.starts, tokens.ends, tokens.words, strict=True):
                source = found.get(word.removesuffix("'s").removesuffix("’s"))
                if source is None or (id(field), start) in covered:
                    continue
                if source.text[:1].isupper() and not field.text[start:start + 1].isupper():
                    continue  # "Rose" named, "the rose garden": capitals must agree
                end = start + len(word.removesuffix("'s").removesuffix("’s"))
                out.append(Candidate(
                    field=field, start=start, end=end, identifier=Identifier.NAMES,
                    entity="PERSON", score=source.score, rule_id="name-repeat",
                    layer=self.name, explanation="the same name is flagged elsewhere in the post",
                ))
        return out

    def _consents(self, post: Post, fields: Sequence[FieldText]) -> list[set[str]]:
        if not self.policy.consents:
            return []
        today = fields[0].reference_date if fields else date.today()
        return [set(words(c.name)) for c in self.policy.consents if _applies(c, post, today)]

    def _decide(self, c: Candidate, consents: list[set[str]],
                places: set[tuple[int, int, int]]) -> bool:
        """Update the candidate in place; False drops it as not a name at all."""
        text = c.text
        tokens = words(text)
        if not tokens or not any(ch.isalpha() for ch in text):
            return False
        if all(t in self.not_names for t in tokens):
            # Whatever layer or cue proposed it, "WITH" or "AND" is no name ("CATH LAB WITH ...").
            return False
        field = c.field
        if c.rule_id in _LEXICON_RULES:
            tokens = self._lexicon_trim(c, tokens)
            if not tokens:
                return False
            text = c.text
        if (c.rule_id == "name-title" and len(tokens[0]) > 1 and tokens[0] not in self.lexicon
                and _AMBIGUOUS_TITLE.search(field.text, max(0, c.start - 8), c.start)):
            # "MS" is also mental status and morphine sulfate, "Lt." is left: after them only a
            # known first name or surname is a name ("MS WORSENING", "Lt. Hip replacement").
            return False
        if c.rule_id == "ner-person":
            if c.start and field.text[c.start - 1] in "#@":
                return False  # hashtags and handles: the name-hashtag and name-mention rules
            while len(tokens) > 1 and (tokens[0] in self.not_names
                                       or tokens[0] in self.lead_words):
                # "Meet Keisha Brown", "Congrats Jaxon": the model took the cue in.
                cut = field.text.lower().index(tokens[0], c.start) + len(tokens[0])
                rest = field.text[cut:c.end]
                c.start = cut + len(rest) - len(rest.lstrip(" ,!:"))
                tokens = tokens[1:]
            while len(tokens) > 1 and tokens[-1] in self.trail_words:
                c.end = field.text.lower().rindex(tokens[-1], c.start, c.end)
                c.end = c.start + len(field.text[c.start:c.end].rstrip(" ,"))
                tokens = tokens[:-1]
            text = c.text
            if len(tokens) == 1 and (tokens[0] in self.not_names or not text[:1].isupper()):
                return False
            if self.clinical.any_of(tokens):
                return False  # "Foley", "Swan Ganz", "Captopril": the chart's vocabulary
            cue = find_context(field, c.start, c.end, self.person_cues, 3, "before")
            if (cue is None and len(tokens) == 1 and (id(field), c.start, c.end) in places
                    and find_context(field, c.start, c.end, self.place_prepositions, 1, "before")):
                return False  # "clinics in Austin": a known place after "in", no person cue
            if cue is not None:
                c.score = max(c.score, 0.8)
                c.explanation += f"; cue {cue!r} before it"
            elif self.lexicon and (len(tokens) == 1 or self.policy.dates == "all") and not any(
                    t in self.lexicon for t in tokens) or (
                    self.policy.dates == "all" and len(tokens) == 1
                    and _sentence_initial(field, c.start)
                    and find_context(field, c.start, c.end, self.relations, 3, "before") is None):
                # One word, neither a known first name or surname nor after a cue: on emoji,
                # greetings and telegraphic notes the small model's PERSON is mostly noise. Two
                # capitalised words ("Teresa Kreutzmann") are kept: foreign names are names; but not
                # in the clinical profile, where "Aloe Vesta" and "Foley Cath" abound, and where a
                # note's sentences start with a capitalised verb or noun ("Felt to be...").
                return False
            else:
                c.explanation += "; a known first name or surname"
        relation = find_context(field, c.start, c.end, self.relations, 3, "before")
        if relation is not None:
            c.score = max(c.score, 0.8)
            c.explanation += (f"; a relative's name ({relation!r}): Safe Harbor covers "
                              "relatives, employers and household members")
        workforce = self._workforce(c)
        if workforce is not None:
            c.notes.append(_WORKFORCE)
            if self.policy.clinician_names == "allow":
                c.status = "suppressed"
                c.explanation += (f"; {workforce}: workforce names are not Safe Harbor "
                                  f"identifiers under the {self.policy.name!r} policy")
            else:
                c.score = max(c.score, 0.8)
                c.explanation += f"; {workforce}, flagged by the {self.policy.name!r} policy"
        set_tokens = set(tokens)
        if c.status == "flagged" and any(set_tokens <= staff for staff in self.staff):
            c.status = "suppressed"
            c.explanation += "; a staff name on the organisation's allowlist"
        if c.status == "flagged" and tokens in self.public:
            c.status = "suppressed"
            c.explanation += "; a public figure"
        if c.status == "flagged" and self._common_word_without_evidence(c, tokens):
            c.status = "suppressed"
            c.explanation += ("; the name is also a common word and nothing else shows "
                              "it is a name here")
        if c.status == "flagged" and any(set_tokens <= person for person in consents):
            c.status = "consented"
            c.explanation += "; the person signed a publication authorisation for this post"
        return True

    def _lexicon_trim(self, c: Candidate, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """A cue rule's capture: its first word must be a known first name; a second word is
        kept only if it is a known surname. Returns the kept tokens (none: not a name)."""
        parts = tuple(p for t in tokens for p in t.replace("_", ".").split(".") if p)
        if c.rule_id == "name-family":
            return tokens if tokens[0] in self.last else ()  # "the Romero family": a surname
        if c.rule_id == "name-initial":
            return tokens if tokens[-1] in self.last else ()  # "M. Ferrante": a known surname
        if len(tokens) == 2 and tokens[0] not in self.first and tokens[1] in self.first:
            # "welcome home, little Grace": the capture began at a second cue word.
            second = list(WORD_PATTERN.finditer(c.field.text, c.start, c.end))[-1]
            c.start = second.start()
            return tokens[1:]
        if not parts or parts[0] not in self.first:
            # "her husband Tomasz": right after a relation word, a capitalised word in sentence-case
            # text is the relative's name even when the US lexicon lacks it.
            first = WORD_PATTERN.search(c.field.text, c.start, c.end)
            if not (c.rule_id == "name-relative" and first is not None
                    and first.group().istitle() and mixed_case(c.field.text)
                    and _OWNED_RELATION.search(c.field.text, max(0, c.start - 40), c.start)
                    and tokens[0] not in self.stop and tokens[0] not in self.clinical
                    and tokens[0] not in self.common):
                return ()
            c.end = first.end()
            return tokens[:1]
        if c.rule_id == "name-mention" or len(tokens) == 1:
            return tokens
        if tokens[1] in self.last or (tokens[1] in self.first and tokens[1] not in self.common):
            return tokens  # "Irene Czyzewicz"... and double names: "CARROLL ANNE"
        if (c.rule_id == "name-relative" and c.text.istitle() and mixed_case(c.field.text)
                and not self.clinical.any_of(tokens) and tokens[1] not in self.stop):
            return tokens  # "grandaughter: Irene Czyzewicz": a capitalised surname, however rare
        match = WORD_PATTERN.search(c.field.text, c.start, c.end)
        if match is not None:
            c.end = match.end()
        return tokens[:1]

    def _workforce(self, c: Candidate) -> str | None:
        """Why the name is a clinician's or staff member's, or None."""
        # "Our patient Dr. Grant": a clinician who is the patient is named as a patient.
        if find_context(c.field, c.start, c.end, _PATIENT, 4, "before"):
            return None
        clinician = "a clinician named with a title"
        if c.rule_id == "name-clinician":
            return clinician
        credential = find_context(c.field, c.start, c.end, self.credentials, 1, "after")
        if c.rule_id in _OPEN_CUE_RULES:
            return clinician if credential else None
        if c.rule_id in _CUE_RULES:
            return None
        if credential or find_context(c.field, c.start, c.end, self.clinician_titles, 2,
                                      "before"):
            return clinician
        role = find_context(c.field, c.start, c.end, self.roles, 4, "before")
        return f"a staff member named with a role ({role!r})" if role else None

    def _common_word_without_evidence(self, c: Candidate, tokens: tuple[str, ...]) -> bool:
        if len(tokens) != 1 or tokens[0] not in self.common:
            return False
        if c.rule_id in _STRONG_RULES:
            return False
        text = c.text
        # A capital letter is evidence only mid-sentence and in text that is not all capitals.
        capital = (text[:1].isupper() and not text.isupper()
                   and not _sentence_initial(c.field, c.start))
        if capital and (c.rule_id in _CUE_RULES or c.rule_id == "ner-person"):
            return False
        # "pt's son, bill, called": a name set off by commas after a relative is one; "her son
        # will visit" is not.
        full = c.field.text
        before = full[:c.start].rstrip(" \t")[-1:]
        after = full[c.end:].lstrip(" \t")[:1]
        delimited = (before != "" and before in ",:(-") or (after != "" and after in ",;)-")
        # "son bill called" is a name; "her son will visit", "son drew a card" are verbs. What a
        # person does is evidence too: "bill called", "bob visited".
        return not (c.rule_id in ("name-relative", "name-activity")
                    and (delimited or tokens[0] not in self.verb_names))


def _applies(consent: Consent, post: Post, today: date) -> bool:
    if consent.expires is not None and today > consent.expires:
        return False
    return not consent.post_ids or post.id in consent.post_ids

"""Rule roles: what a rule's match means to the context stage that decides on it.

A rule of a pack may declare a `role` (rules/names.yaml does for its name and place rules). The
name and place stages read the role a candidate carries, never its rule id, so an
organisation's own rule with a role is decided like the shipped rule of that role. A rule with
no role is decided as a plain name or place; a role not listed here is a load error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How the cue before a name bears on who the person is:
# - "identifying": the cue says who it is (a title, a relation word, "Baby"): not a staff member;
# - "open": the person may still be staff, as credentials after the name would show
#   ("Congrats to Jenna Morales, RN");
# - "capital": a capital letter is the only cue, so it is no further evidence either.
Cue = Literal["none", "identifying", "open", "capital"]
# How the capture is checked against the name lexicons (rules/lexicons/):
# - "first-name": its first word must be a known first name; a second word is kept if it is a
#   known surname;
# - "handle": as first-name, but the whole handle is kept ("@jane_doe");
# - "surname": its first word must be a known surname ("the Romero family");
# - "last-surname": its last word must be a known surname ("M. Ferrante");
# - "tag": a hashtag or handle is read in its parts (CamelCase, "_", ".", digits, a possessive
#   "s"), and one part must be a known first name or surname ("#HernandezStrong",
#   "@rileys_journey", "@brave.little.bodhi"); the whole tag is kept;
# - "entry": a board's entry beside a room or bed number: as "tag", or one word no list calls
#   common, clinical, a function word or a board's status ("'603 Ngata'", not "'603 Clean'").
LexiconCheck = Literal["none", "first-name", "handle", "surname", "last-surname", "tag",
                       "entry"]


@dataclass(frozen=True, slots=True)
class Role:
    """A declared role and what it means to the stage that reads it."""

    name: str
    stage: Literal["names", "places"]
    cue: Cue = "none"
    lexicon: LexiconCheck = "none"
    # The cue alone shows that a common word ("Grace", "Will") is used as a name here.
    strong: bool = False
    # The name follows a relation word: a relative's name, even outside the lexicon when a
    # person owns the relation ("her husband Tomasz").
    relative: bool = False
    # A common-word name is one unless it reads as a verb here ("son bill called" vs "her son
    # will visit").
    verb_check: bool = False
    # After a title that is also clinical shorthand ("MS", "Lt."), only a known name is a name.
    title: bool = False
    # The name of a clinician (Dr., nurse, RN): workforce, decided by the policy.
    clinician: bool = False


_ROLES = (
    Role("name-after-title", "names", cue="identifying", strong=True, title=True),
    Role("name-of-newborn", "names", cue="identifying", lexicon="first-name", strong=True),
    Role("name-of-relative", "names", cue="identifying", lexicon="first-name", relative=True,
         verb_check=True),
    Role("family-surname", "names", cue="identifying", lexicon="surname"),
    Role("name-after-cue", "names", cue="open", lexicon="first-name"),
    Role("name-with-activity", "names", cue="open", lexicon="first-name", verb_check=True),
    Role("name-hashtag", "names", cue="open", lexicon="tag", strong=True),
    Role("name-handle", "names", cue="open", lexicon="tag"),
    Role("name-on-label", "names", cue="open", lexicon="tag"),
    # A name beside a room or bed number on a board ("Rm 712 - Okafor"): a patient's, by the
    # form; a known first name or surname, read as a tag is, or a word no list knows.
    Role("name-beside-room", "names", cue="identifying", lexicon="entry"),
    # A name in a record's form on a label, band, board or screen ("OKAFOR, GRACE"): a
    # patient's, by the form (staff badges print "Grace Okafor, RN").
    Role("name-in-record-form", "names", cue="identifying"),
    Role("capitalised-word", "names", cue="capital", lexicon="first-name"),
    # A first name in a post written all in lower case: no more evidence than a capital.
    Role("lowercase-word", "names", cue="capital", lexicon="first-name"),
    # Initials ("J.T.", "A.K."): no lexicon can check them; a cue raised only in a patient's post.
    Role("initials", "names", cue="capital"),
    # A nickname in quotation marks ("Big day for 'Tank'"): no lexicon either; the same cue.
    Role("nickname", "names", cue="capital"),
    Role("name-with-birth-date", "names", lexicon="first-name", strong=True),
    Role("initial-and-surname", "names", lexicon="last-surname"),
    Role("clinician-name", "names", strong=True, clinician=True),
    # A place a cue makes likely ("transferred to ...", "... Hospital", a gazetteer town):
    # decided by the place-date-context stage like the model's places.
    Role("place-in-context", "places"),
)

ROLES: dict[str, Role] = {role.name: role for role in _ROLES}

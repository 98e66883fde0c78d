"""The shape of a rule pack (rules/*.yaml). Unknown keys are errors: a typo cannot pass silently."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from phiguard.models import Identifier

_STRICT = ConfigDict(frozen=True, extra="forbid")

RegexFlag = Literal["IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE"]


class CompanionSpec(BaseModel):
    """A second capture group of a pattern, reported as another rule's finding when the name
    stage keeps the pattern's name: a board's room number beside a patient's name ("'801
    Pruitt'"), which no room word marks."""

    model_config = _STRICT

    group: str
    rule: str


class PatternSpec(BaseModel):
    """One regex of a rule. `group` names the capture group that is the identifier itself,
    so "MRN: 12345678" reports only the number."""

    model_config = _STRICT

    regex: str
    score: float = Field(ge=0.0, le=1.0)
    flags: list[RegexFlag] = Field(default_factory=list)
    group: str | None = None
    name: str | None = None
    # A cheap regex (same flags and lists) that must occur somewhere in the field before this
    # pattern runs, e.g. '\d' or '@'. Speed only: it must be implied by every match.
    requires: str | None = None
    # A condition on the whole field: the pattern does not run on a field where this regex
    # (same flags and lists) finds something, e.g. '\p{Lu}\p{Ll}' for "a field written all in
    # lower case". A lookaround over the whole field would make the pattern quadratic.
    unless_field: str | None = None
    companion: CompanionSpec | None = None


class LabelledIdSpec(BaseModel):
    """An identifying number after its label ("MRN: 12345678", "member ID# W1234-5678").

    The loader expands it into the rule's first patterns, so every labelled number is read the
    same way: one of the `labels` (regexes, case-insensitive) and a comma if any ("driver's
    license, WY ..."), then "is", "was", ":", "#" or "=" if any (or Spanish "es", "era", "a":
    "su número de expediente es ..."), an opening parenthesis or quote if any ("your Medicaid
    ID (MA-55017234)", "accession 'H7730215'"), "ending (in)" if any ("member ID ending in
    4471"), a state's or country's two capitals if any ("driver's license (CA D4471923)"),
    then the number (group `id`): up to four letters, a digit, then letters and digits with a
    `separators` character between two of them, `longest` characters at most after the
    letters.

    `bare_labels` name the number without a word for it ("policy WCX-5520918", "RN license
    (#RN904411)", where `labels` need "policy number"): after one of them only a number with
    five digits or more counts, so "policy 2024" or "license 12 renewals" is no identifier."""

    model_config = _STRICT

    labels: list[str] = Field(min_length=1)
    score: float = Field(ge=0.0, le=1.0)
    longest: int = Field(ge=4, le=64)
    separators: Literal["-", "-/."] = "-"
    bare_labels: list[str] = Field(default_factory=list)

    def patterns(self) -> list[PatternSpec]:
        """The patterns this form stands for: after `labels`, and after `bare_labels`."""
        out = [self._pattern(self.labels, "")]
        if self.bare_labels:
            # Five digits among the number's characters, letters and separators aside.
            # The label stands apart from the number: "RX-7755-02" is one code, not "rx".
            out.append(self._pattern(self.bare_labels, r"(?=(?:[A-Z-]*\d){5})", "bare",
                                     apart=True))
        return out

    def _pattern(self, labels: list[str], number_has: str, name: str | None = None,
                 apart: bool = False) -> PatternSpec:
        between = "-" if self.separators == "-" else "[-/.]"
        after = r"(?=[\s:#=(])" if apart else r"(?:(?<=\w)(?!\w)|(?<=\W))"
        # A bare label after a comma is a state before its ZIP code ("Boise, ID 83706").
        before = r"(?<!,)(?<!,\s)" if apart else ""
        # A comma may set the number off after a word label ("driver's license, WY ...").
        comma = "" if apart else ",?"
        regex = (r"(?i)" + before + r"\b(?:" + "|".join(labels) + r")" + after + comma + r"\s*"
                 r"(?:(?:is|was|es|era|a(?=\s)|:|#|=)\s*)?(?:[(\"'‘“]\s*)?(?:#\s*)?"
                 r"(?:(?:ending|ends|that\s+ends|terminad[oa])\s+(?:in\s+|with\s+|en\s+)?)?"
                 r"(?:(?-i:[A-Z]{2})\s+(?=[A-Z]{0,4}-?\d))?(?P<id>"
                 + number_has + r"[A-Z]{0,4}-?\d(?:[\dA-Z]|"
                 + between + r"(?=[\dA-Z])){3," + str(self.longest - 1) + r"})(?![\w])")
        return PatternSpec(name=name, regex=regex, score=self.score, group="id",
                           requires=r"\d")


class ContextSpec(BaseModel):
    """Whole words or phrases within `window` tokens of a match (before, after or both).

    `boost` is added to the score when one is present; with `required`, a match with none is
    dropped. `negative` words within `negative_window` tokens *before* the match suppress it
    ("fax" before a phone number makes it a fax number, not a phone), and so do
    `negative_after` words within `negative_after_window` tokens after it ("5/10 pain")."""

    model_config = _STRICT

    words: list[str] = Field(default_factory=list)
    window: int = Field(default=6, ge=0, le=50)
    direction: Literal["both", "before", "after"] = "both"
    boost: float = Field(default=0.0, ge=0.0, le=1.0)
    required: bool = False
    negative: list[str] = Field(default_factory=list)
    negative_window: int = Field(default=3, ge=0, le=50)
    negative_after: list[str] = Field(default_factory=list)
    negative_after_window: int = Field(default=2, ge=0, le=50)


SharedListName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class ListSpec(BaseModel):
    """A named word list: inline terms, a file next to the pack, and shared lists that ship with
    phiguard (`use: [us-states]` reads rules/lists/us-states.txt), less the `exclude` terms.

    The loader resolves it to its terms; an entry may appear only once."""

    model_config = _STRICT

    terms: list[str] = Field(default_factory=list)
    file: str | None = None
    use: list[SharedListName] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


class Rule(BaseModel):
    """One detection rule: what it finds, how, and how it is validated."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")
    identifier: Identifier
    entity: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    message: str
    patterns: list[PatternSpec] = Field(default_factory=list)
    # A labelled identifying number, expanded by the loader into the first pattern.
    labelled_id: LabelledIdSpec | None = None
    validators: list[str] = Field(default_factory=list)
    context: ContextSpec = Field(default_factory=ContextSpec)
    lists: dict[str, ListSpec | list[str]] = Field(default_factory=dict)
    # The score of a term of the `lexicon` list (the lexicon layer); default: the first
    # pattern's score.
    lexicon_score: float | None = Field(default=None, ge=0.0, le=1.0)
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    source: str | None = None
    enabled: bool = True
    # What a match means to the context stage that decides on it (phiguard.rulepacks.roles).
    role: str | None = None

    @model_validator(mode="after")
    def _finds_something(self) -> Rule:
        if not self.patterns and self.labelled_id is None and "lexicon" not in self.lists:
            raise ValueError("a rule needs a pattern, a `labelled_id` or a `lexicon` list")
        if not self.patterns and self.labelled_id is None and self.lexicon_score is None:
            raise ValueError("a rule with no patterns needs a `lexicon_score`")
        return self

    def term_score(self) -> float:
        """The score of a lexicon term of this rule."""
        return self.lexicon_score if self.lexicon_score is not None else self.patterns[0].score


class AllowSpec(BaseModel):
    """Pack-wide allowlists: an organisation's own numbers, addresses, domains and staff."""

    model_config = _STRICT

    terms: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)


class RulePack(BaseModel):
    """A YAML rule pack. `extends` names packs whose rules and allowlists this one builds on."""

    model_config = _STRICT

    pack: str = Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
    description: str = ""
    version: int = 1
    extends: list[str] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    allow: AllowSpec = Field(default_factory=AllowSpec)
    rules: list[Rule] = Field(default_factory=list)
    # Pack-wide word lists that context stages read by name (e.g. the name layer's
    # `clinician_titles`, `common_word_names`); a pack's lists add to those it extends.
    lists: dict[str, ListSpec | list[str]] = Field(default_factory=dict)

"""What every detection layer shares: the field it reads and the candidate it produces."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Protocol

import regex

from phiguard.models import Identifier, Post
from phiguard.normalize import Normalized
from phiguard.rulepacks.roles import Role

WORD_PATTERN = regex.compile(r"\w+(?:['’]\w+)*")


@dataclass(eq=False)
class FieldText:
    """One field of one post, normalized, as every detector sees it.

    A field longer than the policy's `max_post_chars` comes as several overlapping windows:
    `offset` is where this one starts in the field, and a candidate counts only if it starts in
    `keep` (window coordinates), so a span cut at a window's edge is left to its neighbour.
    """

    post: Post
    post_index: int
    field: str
    norm: Normalized
    reference_date: date
    offset: int = 0
    keep: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        """The normalized text that detectors match against (digits folded)."""
        return self.norm.text

    @property
    def plain(self) -> Normalized:
        """The field with Unicode folding only, no digit folding: what a language model reads.

        "five five five" stays three words here, so a tokenizer sees the words as written.
        Map spans found in it back with `from_plain`.
        """
        return self.norm.view or self.norm

    def from_plain(self, start: int, end: int) -> tuple[int, int]:
        """A span of `plain.text` as a span of `text`, the offsets a Candidate carries."""
        return self.norm.from_view(start, end)

    @cached_property
    def tokens(self) -> Tokens:
        """Word tokens of the normalized text, computed once per field."""
        starts: list[int] = []
        ends: list[int] = []
        words: list[str] = []
        for m in WORD_PATTERN.finditer(self.norm.text):
            starts.append(m.start())
            ends.append(m.end())
            words.append(m.group().lower())
        return Tokens(starts, ends, words)


@dataclass(frozen=True, slots=True)
class Tokens:
    """Parallel lists of word-token starts, ends and lowercase words."""

    starts: list[int]
    ends: list[int]
    words: list[str]


@dataclass(eq=False)
class Candidate:
    """A possible finding, in normalized-text offsets, before policy and scoring decide on it."""

    field: FieldText
    start: int
    end: int
    identifier: Identifier
    entity: str
    score: float
    rule_id: str
    layer: str
    explanation: str
    status: str = "flagged"
    notes: list[str] = dataclasses.field(default_factory=list)
    # The declared role of the rule that proposed it (rules' `role`), read by the context stages.
    role: Role | None = None
    # Another rule's finding the same match holds (a pattern's `companion`), reported only if
    # the name stage keeps this one.
    companion: Candidate | None = None

    @property
    def text(self) -> str:
        """The matched normalized text."""
        return self.field.norm.text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class LayerCandidate:
    """What a layer registered with `phiguard.register_layer` returns (`phiguard.Candidate`).

    Offsets are into `field.text`, the text the layer was given; the engine maps them back to
    the original post, applies the policy and scores them like its own layers' candidates.
    Frozen, so a layer cannot change a candidate after handing it over.
    """

    start: int
    end: int
    identifier: Identifier
    entity: str
    score: float
    rule_id: str
    explanation: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", Identifier(self.identifier))
        if not 0 <= self.start <= self.end:
            raise ValueError(f"candidate of rule {self.rule_id!r}: start {self.start} and end "
                             f"{self.end} must satisfy 0 <= start <= end")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"candidate of rule {self.rule_id!r}: score {self.score} is not "
                             "between 0 and 1")

    def on(self, field: FieldText, layer: str) -> Candidate:
        """The engine's working candidate for this one, found by `layer` in `field`."""
        if self.end > len(field.text):
            raise ValueError(f"candidate of rule {self.rule_id!r} ends at {self.end}, past the "
                             f"end of its field ({len(field.text)} characters)")
        return Candidate(field=field, start=self.start, end=self.end,
                         identifier=self.identifier, entity=self.entity, score=self.score,
                         rule_id=self.rule_id, layer=layer, explanation=self.explanation)


class Detector(Protocol):
    """A field-level layer: sees a batch of fields, returns candidates for each, in order."""

    name: str

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        """Candidates for each field, in the order of `fields`."""
        ...


class PostStage(Protocol):
    """A post-level layer: sees all fields and candidates of one post and refines them."""

    name: str

    def refine(self, post: Post, fields: Sequence[FieldText],
               candidates: list[Candidate]) -> list[Candidate]:
        """Return the candidates with scores, statuses or new candidates decided in context."""
        ...

    # A stage may also define `prepare(posts, fields)`, which the engine calls with each batch
    # before it refines the batch's posts one by one: a model reads a batch far faster than one
    # text at a time (phiguard.detectors.shipped_models.Prepared keeps what it computed).

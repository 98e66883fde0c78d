"""Token- and span-level precision, recall and F2, per Safe Harbor letter and per dataset label.

Definitions (docs/benchmarks.md repeats them):

* A *token* is a run of word characters (`\\w+`) in a field. A token is gold letter X when a gold
  span of letter X overlaps it, predicted X when a predicted span of letter X does.
* *Span (overlap)*: a gold span is found when a predicted span of its letter overlaps it; a
  predicted span is correct when it overlaps a gold span of its letter. Recall counts gold
  spans, precision counts predicted spans. *Span (exact)* requires the same start and end.
* The `any` row ignores letters: any prediction on any gold span counts. It answers "was the
  identifier caught at all", which is what decides whether a post is published.
* Neutral gold spans (letter None) are neither found nor missed, and a prediction that touches
  only neutral gold is not counted in precision either way.
* Per dataset label L of letter X: recall over L's gold; precision over predictions of X that
  touch L's gold (correct) or no gold of X at all (wrong), so predictions on a sibling label of
  the same letter (PTName vs RelativeProxyName) are left to that label.
* F2 weighs recall twice as much as precision: a missed identifier is published, a false alarm
  costs a reviewer a glance.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from benchmarks.datasets import LabelledPost, Span

TOKEN = re.compile(r"\w+")
ANY = "any"
LEVELS = ("token", "span", "exact")


@dataclass
class Count:
    """Gold units found / gold units, and correct predictions / predictions."""

    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        """Found / gold, or None with no gold."""
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        """Correct / predicted, or None with no predictions."""
        return self.correct / self.predicted if self.predicted else None

    @property
    def f2(self) -> float | None:
        """F-beta with beta 2; None when recall or precision is undefined."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 5 * p * r / (4 * p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        """Counts and rates, for JSON."""
        return {"gold": self.gold, "found": self.found, "predicted": self.predicted,
                "correct": self.correct, "precision": _round(self.precision),
                "recall": _round(self.recall), "f2": _round(self.f2)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


Table = dict[str, dict[str, Count]]  # level -> key (letter, label or "any") -> Count


def score(posts: Sequence[LabelledPost], predictions: Sequence[Iterable[Span]]) -> dict[str, Table]:
    """Score one system's predictions; returns {"letters": Table, "labels": Table}.

    Letters are scored at the token, span and exact levels, labels at the token and span
    levels. Predictions with letter None (not a Safe Harbor identifier) are dropped."""
    siblings: dict[str, set[str]] = defaultdict(set)
    neutral: set[str] = set()
    for post in posts:
        for g in post.gold:
            if g.letter is not None:
                siblings[g.letter].add(g.label)
            else:
                neutral.add(g.label)
    # A label with both counted and neutral spans (AGE under and over 89, DATE_TIME with bare
    # years) reports its neutral spans on a row of their own, so its counted row stays clean.
    mixed = neutral & {label for names in siblings.values() for label in names}
    keys = {label: f"{label} (neutral)" if label in mixed else label for label in neutral}
    by_letter: Table = {level: defaultdict(Count) for level in LEVELS}
    by_label: Table = {level: defaultdict(Count) for level in LEVELS[:2]}
    for post, predicted in zip(posts, predictions, strict=True):
        preds = sorted({p for p in predicted if p.letter is not None and p.end > p.start},
                       key=lambda s: (s.field, s.start, s.end, s.letter or ""))
        for field_name, text in post.fields():
            gold = [g for g in post.gold if g.field == field_name]
            mine = [p for p in preds if p.field == field_name]
            _score_spans(gold, mine, siblings, keys, by_letter, by_label)
            _score_tokens(text, gold, mine, siblings, keys, by_letter["token"],
                          by_label["token"])
    return {"letters": {k: dict(v) for k, v in by_letter.items()},
            "labels": {k: dict(v) for k, v in by_label.items()}}


def _same_bounds(a: Span, b: Span) -> bool:
    return (a.start, a.end) == (b.start, b.end)


def _score_spans(gold: list[Span], preds: list[Span], siblings: dict[str, set[str]],
                 keys: dict[str, str], by_letter: Table, by_label: Table) -> None:
    for g in gold:
        hits = [p for p in preds if _overlaps(p, g)]
        if g.letter is None:
            # Who found the neutral labels, for information only: recall, no precision.
            by_label["span"][keys[g.label]].gold += 1
            by_label["span"][keys[g.label]].found += bool(hits)
            continue
        typed = [p for p in hits if p.letter == g.letter]
        for key, found in ((g.letter, typed), (ANY, hits)):
            by_letter["span"][key].gold += 1
            by_letter["span"][key].found += bool(found)
            by_letter["exact"][key].gold += 1
            by_letter["exact"][key].found += any(_same_bounds(p, g) for p in found)
        by_label["span"][g.label].gold += 1
        by_label["span"][g.label].found += bool(typed)
    for p in preds:
        touched = [g for g in gold if _overlaps(p, g)]
        counted = [g for g in touched if g.letter is not None]
        if touched and not counted:
            continue  # only neutral gold: not counted either way
        same = [g for g in counted if g.letter == p.letter]
        letter = p.letter or ""
        for key, right in ((letter, same), (ANY, counted)):
            by_letter["span"][key].predicted += 1
            by_letter["span"][key].correct += bool(right)
            by_letter["exact"][key].predicted += 1
            by_letter["exact"][key].correct += any(_same_bounds(p, g) for g in right)
        for label in {g.label for g in same} or siblings.get(letter, set()):
            by_label["span"][label].predicted += 1
            by_label["span"][label].correct += bool(same)


def _score_tokens(text: str, gold: list[Span], preds: list[Span], siblings: dict[str, set[str]],
                  keys: dict[str, str], by_letter: dict[str, Count],
                  by_label: dict[str, Count]) -> None:
    if not gold and not preds:
        return
    for m in TOKEN.finditer(text):
        start, end = m.span()
        g_here = [g for g in gold if g.start < end and start < g.end]
        p_letters = {p.letter or "" for p in preds if p.start < end and start < p.end}
        for g in g_here:
            if g.letter is None:
                by_label[keys[g.label]].gold += 1
                by_label[keys[g.label]].found += bool(p_letters)
        g_letters = {g.letter for g in g_here if g.letter is not None}
        if g_here and not g_letters:
            continue  # only neutral gold: not counted either way
        _token_letters(g_letters, p_letters, by_letter)
        _token_labels(g_here, g_letters, p_letters, siblings, by_label)


def _token_letters(g_letters: set[str], p_letters: set[str],
                   by_letter: dict[str, Count]) -> None:
    """One token, per letter and for any letter: in the gold, predicted, or both."""
    for key, gold_has, right in (
        (ANY, bool(g_letters), bool(p_letters)),
        *((x, x in g_letters, x in p_letters) for x in g_letters | p_letters),
    ):
        if gold_has:
            by_letter[key].gold += 1
            by_letter[key].found += right
        if right:
            by_letter[key].predicted += 1
            by_letter[key].correct += gold_has


def _token_labels(g_here: list[Span], g_letters: set[str], p_letters: set[str],
                  siblings: dict[str, set[str]], by_label: dict[str, Count]) -> None:
    """One token, per gold label: found when its letter was predicted; a letter the gold does
    not have counts as a prediction of each label of that letter."""
    label_letters = {g.label: g.letter for g in g_here if g.letter is not None}
    for label, letter in label_letters.items():
        by_label[label].gold += 1
        by_label[label].found += letter in p_letters
        by_label[label].predicted += letter in p_letters
        by_label[label].correct += letter in p_letters
    for letter in p_letters - g_letters:
        for label in siblings.get(letter, set()):
            by_label[label].predicted += 1

"""The lexicon layer: thousands of multi-word terms matched in one pass over a field's words.

A rule opts in with a named list `lexicon` (usually `{file: lexicons/....txt}`): every term of it
becomes a candidate of that rule, scored as the rule's first pattern. The rule's own regexes
still run in the pattern layer (short, case-sensitive acronyms, for example).

Why not a regex named list: the `regex` module tries every term length at every word start,
which made 8,000 rare-disease names cost milliseconds per post and seconds on adversarial
input. Here the terms are a trie of lowercase word tokens; each word of the field starts at most
one walk down it, so a field costs its number of words times the depth of the deepest term.
"""

from __future__ import annotations

from collections.abc import Sequence

from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.vocabulary import Trie, list_terms, term_spans
from phiguard.rulepacks.loader import LoadedPack
from phiguard.rulepacks.roles import ROLES
from phiguard.rulepacks.schema import Rule


def _cached_trie(terms: list[str]) -> Trie:
    """The trie of these terms, from the disk cache when it was built before (phiguard.cache)."""
    from phiguard.cache import cached, digest

    return cached("trie", digest("\n".join(terms)), lambda: Trie(terms))


class LexiconDetector:
    """Matches each opted-in rule's `lexicon` list, case-insensitively, on word boundaries."""

    name = "lexicon"

    def __init__(self, pack: LoadedPack) -> None:
        self.rules: list[tuple[Rule, Trie]] = []
        for rule, path in pack.rules:
            spec = rule.lists.get("lexicon")
            if spec is not None:
                terms = list_terms(spec, path, rule.id, "lexicon")
                self.rules.append((rule, _cached_trie(terms)))

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        """Candidates for each field."""
        if not self.rules:
            return [[] for _ in fields]
        return [self._detect_field(field) for field in fields]

    def _detect_field(self, field: FieldText) -> list[Candidate]:
        text = field.text
        tokens = term_spans(text)
        spans = [(start, end) for start, end, _ in tokens]
        words = [word for _, _, word in tokens]
        found: list[Candidate] = []
        for rule, trie in self.rules:
            index = 0
            while index < len(words):
                # Most words start no term: a dict lookup, not a walk.
                size = trie.longest(words, index) if words[index] in trie.root else 0
                if size:
                    start, end = spans[index][0], spans[index + size - 1][1]
                    if not _glued(text, start, end):
                        found.append(Candidate(
                            field=field, start=start, end=end, identifier=rule.identifier,
                            entity=rule.entity, score=rule.term_score(), rule_id=rule.id,
                            layer=self.name, role=ROLES.get(rule.role or ""),
                            explanation=f"term of rule {rule.id!r}'s lexicon ({rule.message})"))
                        index += size
                        continue
                index += 1
        return found


def _glued(text: str, start: int, end: int) -> bool:
    # "pre-Fabry" or "Fabry-like" is another word; a term must stand on its own.
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return before == "-" or after == "-" or before.isalnum() or after.isalnum()


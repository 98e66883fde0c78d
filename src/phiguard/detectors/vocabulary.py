"""Shared vocabulary helpers of the layers and stages: a rule's list terms, a word trie, and
the clinical vocabulary that is never a name or a place.

One module, so that the lexicon layer, the disclosure stage and the context stages read word
lists the same way and none imports another's internals.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import regex

from phiguard.detectors.context import fold
from phiguard.errors import ConfigError
from phiguard.policy import Policy
from phiguard.rulepacks.loader import LoadedPack, load_rulepack, merge_lists, read_list_file
from phiguard.rulepacks.schema import ListSpec

# Words, and each other non-space character as its own token: "Hutchinson-Gilford" is three.
TERM_TOKEN = regex.compile(r"\w+|[^\w\s]")
_END = ""  # trie key that marks the end of a term; no token is empty


def list_terms(spec: ListSpec | list[str], pack_path: Path, rule_id: str,
               name: str) -> list[str]:
    """The terms of one of a rule's `lists`: inline, plus its file's (relative to the pack)."""
    if isinstance(spec, list):
        return spec
    terms = list(spec.terms)
    if spec.file:
        terms.extend(read_list_file(pack_path, spec.file, f"lists.{name}.file", rule_id))
    return terms


def term_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded token) of the words a trie compares: casefolded, accents off ("Barré"
    and "barre" are one word: posts drop accents and lists spell names either way). A hyphen
    is no token: people write "Treacher-Collins" and "Treacher Collins" for one term; and "&"
    is "and" ("Labor & Delivery" is the list's "labor and delivery")."""
    return [(m.start(), m.end(), "and" if m.group() == "&" else fold(m.group()))
            for m in TERM_TOKEN.finditer(text) if m.group() != "-"]


def term_tokens(text: str) -> list[str]:
    """The folded tokens a trie compares (term_spans)."""
    return [token for _, _, token in term_spans(text)]


class Trie:
    """Multi-word terms by their casefolded tokens: the longest term at a position in one walk."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.root: dict[str, Any] = {}
        for term in terms:
            node = self.root
            for token in term_tokens(term):
                node = node.setdefault(token, {})
            node[_END] = True

    def longest(self, words: list[str], start: int) -> int:
        """The number of tokens of the longest term starting at words[start], else 0."""
        node = self.root
        best = 0
        for index in range(start, len(words)):
            child = node.get(words[index])
            if child is None:
                break
            node = child
            if _END in node:
                best = index - start + 1
        return best


class ClinicalVocabulary:
    """Words of a chart that are never a name or a place: the pack's `clinical_words`, and words
    ending in one of its `drug_suffixes` that are not known first names."""

    def __init__(self, lists: dict[str, frozenset[str]]) -> None:
        self.words = lists["clinical_words"]
        self.suffixes = tuple(sorted(lists["drug_suffixes"]))
        self.first = lists["first_names"]

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str):
            return False
        if token in self.words:
            return True
        return (len(token) >= 6 and token.endswith(self.suffixes) and token not in self.first)

    def any_of(self, tokens: Collection[str]) -> bool:
        """True if any of the tokens is clinical vocabulary."""
        return any(t in self for t in tokens)

    # The pack-level lists it reads.
    LISTS = ("clinical_words", "drug_suffixes", "first_names")


def stage_lists(stage: str, required: Sequence[str], policy: Policy, pack: LoadedPack,
                home: str | Sequence[str]) -> dict[str, frozenset[str]]:
    """The pack-level word lists a stage declares it needs, by name.

    A policy that runs fewer packs (`Policy(packs=["safe-harbor"])`) still gets the stage's
    whole vocabulary from `home`, the shipped pack (or packs) that define it, rather than an
    empty list per word and a silently weaker stage; a list that no pack defines is an error
    naming the stage and the list.
    """
    lists = dict(pack.lists)
    if any(name not in lists for name in required):
        homes = (home,) if isinstance(home, str) else tuple(home)
        lists = merge_lists([*(load_rulepack(name).lists for name in homes), lists])
    missing = [name for name in required if name not in lists]
    if missing:
        raise ConfigError(
            f"policy {policy.name!r}: the {stage} layer needs the word lists "
            f"{', '.join(missing)}, which none of its packs defines; add a pack that does "
            f"or drop {stage!r} from its layers")
    return lists

"""Every shipped pack: its annotated examples hold, and every rule has true and false examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiguard.rulepacks.examples import (
    Example,
    example_holds,
    examples_path,
    pack_policy,
    read_examples,
)
from phiguard.rulepacks.loader import load_rulepack, rules_dir

PACKS = sorted(rules_dir().glob("*.yaml"))
EXAMPLES = [example for pack in PACKS for example in read_examples(examples_path(pack))]


def _id(example: Example) -> str:
    return f"{example.path.stem}:{example.line}:{example.kind}:{','.join(example.rule_ids)}"


def test_there_are_shipped_packs() -> None:
    assert PACKS, "no rule packs found"


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_annotated_example(example: Example) -> None:
    pack = example.path.with_name(example.path.name.replace(".examples.txt", ".yaml"))
    holds = example_holds(example, pack_policy(pack))
    if example.is_todo:
        pytest.xfail("known gap") if not holds else pytest.fail(
            "a todo- example now passes: drop its todo- prefix")
    assert holds


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.stem)
def test_every_rule_has_true_and_false_examples(pack: Path) -> None:
    loaded = load_rulepack(pack)
    examples = list(read_examples(examples_path(pack)))
    own_rules = {rule.id for rule, path in loaded.rules if path == pack.resolve()}
    for rule_id in own_rules:
        kinds = {e.kind for e in examples if rule_id in e.rule_ids}
        assert "expect" in kinds, f"{rule_id} has no 'expect' example"
        assert "ok" in kinds, f"{rule_id} has no 'ok' example"


def _corpus_texts() -> list[str]:
    """Every shipped example line and labelled benchmark post."""
    root = rules_dir().parent
    texts = [example.text for example in EXAMPLES]  # a JSON line holds its fields' text too
    posts = root / "benchmarks" / "data" / "posts.jsonl"
    if posts.is_file():
        import json

        for line in posts.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts += [record["text"], *record.get("captions", [])]
    return texts


def test_prefilters_change_no_candidate() -> None:
    """`requires` and the literal gates are for speed only: with and without them, every example
    and labelled post gives the same candidates (a prefilter may rely on a validator)."""
    import dataclasses
    from datetime import date

    from phiguard import Post
    from phiguard.detectors.base import FieldText
    from phiguard.detectors.patterns import PatternDetector
    from phiguard.normalize import normalize

    fields = [FieldText(Post(text=text), 0, "text", normalize(text), date(2026, 1, 1))
              for text in _corpus_texts()]
    prefiltered = 0
    for pack in PACKS:
        fast = PatternDetector(load_rulepack(pack))
        slow = PatternDetector(load_rulepack(pack))
        slow.rules = [dataclasses.replace(rule, patterns=tuple(
            dataclasses.replace(p, requires=None, gate=None) for p in rule.patterns))
            for rule in slow.rules]
        prefiltered += sum(p.requires is not None for r in fast.rules for p in r.patterns)
        for field in fields:
            got = [(c.start, c.end, c.rule_id) for c in fast.detect([field])[0]]
            want = [(c.start, c.end, c.rule_id) for c in slow.detect([field])[0]]
            assert got == want, f"{pack.name}: a prefilter or gate dropped a candidate"
    assert prefiltered > 40


def _case_blind_capitals(regex: str) -> int:
    r"""How many \p{Lu} of a pattern read under a case-insensitive flag: with (?i), the regex
    module lets \p{Lu} match "our" too, so a capital must sit in a (?-i:...) group."""
    count, depth, blind = 0, 0, [regex.startswith("(?i)")]
    i = 0
    while i < len(regex):
        if regex[i] == "\\":
            if regex.startswith("\\p{Lu}", i) and blind[-1]:
                count += 1
            i += 2
            continue
        if regex.startswith("(?-i:", i):
            blind.append(False)
            depth += 1
        elif regex.startswith("(?i:", i):
            blind.append(True)
            depth += 1
        elif regex[i] == "(":
            blind.append(blind[-1])
            depth += 1
        elif regex[i] == ")" and depth:
            blind.pop()
            depth -= 1
        i += 1
    return count


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.stem)
def test_no_capital_class_is_read_case_blind(pack: Path) -> None:
    loaded = load_rulepack(pack)
    blind = [(rule.id, pattern.regex) for rule, _ in loaded.rules for pattern in rule.patterns
             if _case_blind_capitals(pattern.regex)]
    assert blind == []

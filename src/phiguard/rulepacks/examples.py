"""Annotated rule-pack examples: `# expect: RULE`, `# ok: RULE`, `# todo-expect: RULE` above a post.

Every pack `rules/NAME.yaml` has `rules/NAME.examples.txt`. `expect` says the rule flags the line,
`ok` says it does not, and `todo-` marks a known gap that is expected to fail until fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from phiguard.errors import RulePackError
from phiguard.models import Post
from phiguard.policy import Policy

KINDS = ("expect", "ok", "todo-expect", "todo-ok")


@dataclass(frozen=True)
class Example:
    """One annotated line: what is expected of which rules on which text."""

    path: Path
    line: int
    kind: str
    rule_ids: tuple[str, ...]
    text: str

    @property
    def is_todo(self) -> bool:
        """A known gap: expected to fail until the rule improves."""
        return self.kind.startswith("todo-")

    @property
    def wants_match(self) -> bool:
        """True if the rules should flag the text."""
        return self.kind.endswith("expect")


def examples_path(pack_path: Path) -> Path:
    """rules/NAME.yaml -> rules/NAME.examples.txt"""
    return pack_path.with_name(pack_path.name.rsplit(".", 1)[0] + ".examples.txt")


def read_examples(path: Path) -> Iterator[Example]:
    """Parse an examples file; a malformed annotation is an error naming the file and line."""
    pending: list[tuple[int, str, tuple[str, ...]]] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            kind, sep, rules = body.partition(":")
            if sep and kind.strip() in KINDS:
                ids = tuple(r.strip() for r in rules.split(",") if r.strip())
                if not ids:
                    raise RulePackError(f"line {number}: annotation names no rule", path=str(path))
                pending.append((number, kind.strip(), ids))
            continue
        if not pending:
            raise RulePackError(f"line {number}: example text without an annotation above it",
                                path=str(path))
        for annotation_line, kind, ids in pending:
            yield Example(path, annotation_line, kind, ids, line)
        pending = []
    if pending:
        raise RulePackError(f"line {pending[0][0]}: annotation without example text below it",
                            path=str(path))


def example_post(example: Example) -> Post:
    """The example as a Post: a line starting with '{' is a JSON post (for replies, captions)."""
    if example.text.startswith("{"):
        try:
            return Post.model_validate_json(example.text)
        except ValueError:
            raise RulePackError(f"line {example.line}: example is not a valid JSON post",
                                path=str(example.path)) from None
    return Post(text=example.text)


def example_holds(example: Example, policy: Policy) -> bool:
    """Whether the pack behaves as the annotation says (ignoring the todo- prefix)."""
    from phiguard.engine import check

    report = check(example_post(example), policy=policy)
    fired = {f.rule_id for f in report.findings if f.status == "flagged"}
    matched = all(rule_id in fired for rule_id in example.rule_ids)
    if example.wants_match:
        return matched
    return not any(rule_id in fired for rule_id in example.rule_ids)


def pack_policy(pack_path: Path, base: Policy | None = None) -> Policy:
    """A policy that runs one pack (and what it extends) with the base policy's layers, but
    the owner stage, which judges posts, not rules."""
    base = base or Policy()
    from phiguard.rulepacks.loader import load_rulepack

    if not load_rulepack(pack_path).rules:
        # A pack of lists only (the owner stage's) decides on what the other packs find.
        others = [p for p in base.packs if p != pack_path.stem]
        return base.model_copy(update={"packs": (*others, str(pack_path)), "extra_packs": ()})
    # A pack's examples show what its rules find; whether a post's identifier is a patient's
    # or the organisation's is the owner stage's to decide, shown by the owner pack's examples.
    # Its filters that take candidates back are off here; the ones that raise cues stay on.
    from phiguard.context.owner import TAKE_BACK_FILTERS

    return base.model_copy(update={"packs": (str(pack_path),), "extra_packs": (),
                                   "disabled_filters": TAKE_BACK_FILTERS})

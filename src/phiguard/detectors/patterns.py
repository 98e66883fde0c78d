"""The pattern layer: each rule's regexes, then its validators, then its context words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.context import compile_phrases, find_context
from phiguard.detectors.gates import FieldWords, Gate, gate_for
from phiguard.detectors.vocabulary import list_terms
from phiguard.rulepacks.loader import LoadedPack
from phiguard.rulepacks.roles import ROLES
from phiguard.rulepacks.schema import PatternSpec, Rule
from phiguard.validators import Match, Validator, get_validator

# Seconds one regex may spend on one field; patterns are written to be linear, this is the net.
REGEX_TIMEOUT = 2.0
_FLAGS = {
    "IGNORECASE": regex.IGNORECASE,
    "MULTILINE": regex.MULTILINE,
    "DOTALL": regex.DOTALL,
    "VERBOSE": regex.VERBOSE,
}


_PREFILTERS: dict[tuple[str, int], regex.Pattern[str]] = {}


def canonical(text: str) -> str:
    """Lowercase letters and digits only: how allow and deny lists compare matches."""
    return "".join(filter(str.isalnum, text.lower()))


@dataclass(frozen=True)
class _CompiledPattern:
    source: str
    flags: int
    lists: dict[str, list[str]]
    score: float
    group: str | None
    name: str
    # Prefilter: the pattern runs only on fields where this finds something (see PatternSpec).
    requires: regex.Pattern[str] | None = None
    # The pattern does not run on fields where this finds something (see PatternSpec).
    unless_field: regex.Pattern[str] | None = None
    # Literal openings read from the source (see gates.py): the pattern runs only if one occurs.
    gate: Gate | None = None
    # A second group reported as another rule's finding (see CompanionSpec): group, rule.
    companion: tuple[str, Rule] | None = None
    _compiled: list[regex.Pattern[str]] = field(default_factory=list, compare=False, repr=False)

    @property
    def regex(self) -> regex.Pattern[str]:
        """Compiled on first use, so a pattern behind a prefilter that has not passed yet costs
        no start-up time. The pack loader compiled it once already: it cannot fail here."""
        if not self._compiled:
            self._compiled.append(
                regex.compile(self.source, self.flags, ignore_unused=True, **self.lists))
        return self._compiled[0]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: compiled regexes, validator functions, tokenized context."""

    rule: Rule
    patterns: tuple[_CompiledPattern, ...]
    validators: tuple[tuple[str, Validator], ...]
    context: list[tuple[str, ...]]
    negative: list[tuple[str, ...]]
    negative_after: list[tuple[str, ...]]
    allow: frozenset[str]


def compile_rule(rule: Rule, pack_path: Path,
                 in_force: dict[str, Rule] | None = None) -> CompiledRule:
    """Compile one rule; errors name the pack file and rule id. `in_force` holds the rules a
    pattern's companion may name."""
    lists = {name: list_terms(spec, pack_path, rule.id, name) for name, spec in rule.lists.items()}
    patterns = []
    for index, spec in enumerate(rule.patterns):
        flags = 0
        for flag in spec.flags:
            flags |= _FLAGS[flag]
        patterns.append(_CompiledPattern(spec.regex, flags, lists, spec.score, spec.group,
                                         spec.name or str(index),
                                         _prefilter(spec.requires, flags, lists),
                                         _prefilter(spec.unless_field, flags, lists),
                                         gate_for(spec.regex, flags, lists),
                                         _companion_rule(spec, in_force or {})))
    if rule.deny:
        alternatives = "|".join(regex.escape(term) for term in rule.deny)
        source = rf"(?<!\w)(?:{alternatives})(?!\w)"
        patterns.append(_CompiledPattern(source, regex.IGNORECASE, {}, 0.95, None, "deny-list",
                                         gate=gate_for(source, regex.IGNORECASE, {})))
    return CompiledRule(
        rule=rule,
        patterns=tuple(patterns),
        validators=tuple((name, get_validator(name)) for name in rule.validators),
        context=compile_phrases(rule.context.words),
        negative=compile_phrases(rule.context.negative),
        negative_after=compile_phrases(rule.context.negative_after),
        allow=frozenset(canonical(term) for term in rule.allow),
    )


def _companion_rule(spec: PatternSpec, in_force: dict[str, Rule]) -> tuple[str, Rule] | None:
    """The companion's group and rule, or None where that rule is not in force."""
    if spec.companion is None or spec.companion.rule not in in_force:
        return None
    return spec.companion.group, in_force[spec.companion.rule]


def _prefilter(source: str | None, flags: int,
               lists: dict[str, list[str]]) -> regex.Pattern[str] | None:
    """A field-level regex, compiled once per distinct source and flags, so that a field is
    searched for '\\d' only once whichever patterns ask."""
    if not source:
        return None
    key = (source, flags) if "\\L<" not in source else None
    compiled = _PREFILTERS.get(key) if key else None
    if compiled is None:
        compiled = regex.compile(source, flags, ignore_unused=True, **lists)
        if key:
            _PREFILTERS[key] = compiled
    return compiled


def _found(prefilter: regex.Pattern[str], text: str, present: dict[int, bool]) -> bool:
    """Does the field hold what the prefilter looks for? Asked once per prefilter object and
    field (`present`), whichever patterns share it."""
    seen = present.get(id(prefilter))
    if seen is None:
        seen = present[id(prefilter)] = prefilter.search(text, timeout=REGEX_TIMEOUT) is not None
    return seen


def _required(pattern: _CompiledPattern, text: str, present: dict[int, bool]) -> bool:
    """Does the field meet the pattern's field conditions (`requires`, `unless_field`)?"""
    if pattern.requires is not None and not _found(pattern.requires, text, present):
        return False
    return pattern.unless_field is None or not _found(pattern.unless_field, text, present)


class PatternDetector:
    """Runs every pattern rule of the loaded packs over each field."""

    name = "patterns"

    def __init__(self, pack: LoadedPack) -> None:
        in_force = {rule.id: rule for rule, _ in pack.rules}
        self.rules = [compile_rule(rule, path, in_force) for rule, path in pack.rules]
        # Rules limited to some fields (`lists.only_in`, e.g. a label read out in a caption) do
        # not run elsewhere, so no later stage sees, repeats or combines what they would find.
        self.only_in = {rule.id: frozenset(list_terms(rule.lists["only_in"], path, rule.id,
                                                       "only_in"))
                        for rule, path in pack.rules if "only_in" in rule.lists}

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        """Candidates for each field."""
        return [self._detect_field(field) for field in fields]

    def _detect_field(self, field: FieldText) -> list[Candidate]:
        found: list[Candidate] = []
        text = field.text
        present: dict[int, bool] = {}  # prefilter results by object id, shared by patterns
        words = FieldWords(text)
        kind = "text" if field.field == "text" else "captions"
        for compiled in self.rules:
            fields_of_rule = self.only_in.get(compiled.rule.id)
            if fields_of_rule is not None and kind not in fields_of_rule:
                continue
            for pattern in compiled.patterns:
                # The gate first: it needs no regex call; then the shared prefilter.
                if not words.passes(pattern.gate) or not _required(pattern, text, present):
                    continue
                try:
                    matches = list(pattern.regex.finditer(text, timeout=REGEX_TIMEOUT))
                except TimeoutError as exc:
                    # Never echo the text: name the rule only.
                    raise TimeoutError(
                        f"rule {compiled.rule.id!r} pattern {pattern.name} timed out") from exc
                for match in matches:
                    candidate = self._candidate(compiled, pattern, match, field)
                    if candidate is not None:
                        found.append(candidate)
        return found

    def _candidate(
        self, compiled: CompiledRule, pattern: _CompiledPattern, match: regex.Match[str],
        field: FieldText,
    ) -> Candidate | None:
        rule = compiled.rule
        group = pattern.group
        start, end = match.span(group) if group else match.span()
        if start < 0 or start == end:
            return None
        value = field.text[start:end]
        if canonical(value) in compiled.allow:
            return None
        reasons = [f"pattern {pattern.name!r} of rule {rule.id!r} ({rule.message})"]
        if pattern.name != "deny-list":
            view = Match(value, match.groupdict(), field.reference_date)
            for name, validator in compiled.validators:
                if not validator(view):
                    return None
                reasons.append(f"validator {name} passed")
        score = pattern.score
        context = rule.context
        if compiled.negative and find_context(field, match.start(), match.end(),
                                              compiled.negative, context.negative_window, "before"):
            return None
        if compiled.negative_after and find_context(
                field, match.start(), match.end(), compiled.negative_after,
                context.negative_after_window, "after"):
            return None
        word = find_context(field, match.start(), match.end(), compiled.context, context.window,
                            context.direction)
        if word is not None:
            score = min(1.0, score + context.boost)
            reasons.append(f"context word {word!r} within {context.window} tokens")
        elif context.required:
            return None
        return Candidate(
            field=field, start=start, end=end, identifier=rule.identifier, entity=rule.entity,
            score=round(score, 4), rule_id=rule.id, layer=self.name,
            explanation="; ".join(reasons), role=ROLES.get(rule.role or ""),
            companion=self._companion(compiled, pattern, match, field, score),
        )

    def _companion(self, compiled: CompiledRule, pattern: _CompiledPattern,
                   match: regex.Match[str], field: FieldText, score: float) -> Candidate | None:
        """The other rule's finding the match holds in the companion group, if it took part."""
        if pattern.companion is None:
            return None
        group, other = pattern.companion
        start, end = match.span(group)
        if start < 0 or start == end:
            return None
        return Candidate(
            field=field, start=start, end=end, identifier=other.identifier, entity=other.entity,
            score=round(score, 4), rule_id=other.id, layer=self.name,
            explanation=(f"pattern {pattern.name!r} of rule {compiled.rule.id!r}: "
                         f"{other.message}, beside the name this pattern found"),
        )

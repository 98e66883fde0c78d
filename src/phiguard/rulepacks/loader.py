"""YAML rule packs -> validated, merged RulePack objects, with errors that say where."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex
import yaml
from pydantic import ValidationError

from phiguard.errors import RulePackError
from phiguard.rulepacks.schema import AllowSpec, Rule, RulePack
from phiguard.validators import VALIDATORS

# libyaml's parser when PyYAML has it: ten times faster on the shipped packs, same errors.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def rules_dir() -> Path:
    """The shipped rules/ folder: inside the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def resolve_pack_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A pack name ("safe-harbor") is looked up in rules/; anything with a suffix is a path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_absolute() and relative_to is not None:
            sibling = relative_to / candidate
            if sibling.exists():
                return sibling
        return candidate
    return rules_dir() / f"{name_or_path}.yaml"


@dataclass(frozen=True)
class LoadedPack:
    """A pack merged with everything it extends: the rules in force and the allowlists."""

    name: str
    paths: tuple[Path, ...]
    rules: tuple[tuple[Rule, Path], ...]
    allow: AllowSpec
    # Pack-level word lists by name, lowercased, merged over `extends`.
    lists: dict[str, frozenset[str]] = field(default_factory=dict)
    # Every file the pack was built from (packs and pack-level list files): the disk cache
    # serves the pack only while they are unchanged.
    sources: tuple[Path, ...] = ()


def _read_pack(path: Path) -> RulePack:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except FileNotFoundError:
        raise RulePackError("rule pack not found", path=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise RulePackError(f"invalid YAML{line}", path=str(path)) from None
    if not isinstance(raw, dict):
        raise RulePackError("a rule pack must be a mapping with 'pack' and 'rules'", path=str(path))
    try:
        pack = RulePack.model_validate(raw)
    except ValidationError as exc:
        raise _schema_error(exc, raw, path) from None
    _check_rules(pack, path)
    return pack


def _schema_error(exc: ValidationError, raw: dict[str, Any], path: Path) -> RulePackError:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    rule_id = None
    if len(loc) >= 2 and loc[0] == "rules" and loc[1].isdigit():
        rules = raw.get("rules") or []
        index = int(loc[1])
        if index < len(rules) and isinstance(rules[index], dict):
            rule_id = str(rules[index].get("id", f"#{index}"))
        loc = loc[2:]
    key = ".".join(loc) or None
    return RulePackError(error["msg"], path=str(path), rule_id=rule_id, key=key)


def _check_rules(pack: RulePack, path: Path) -> None:
    seen: set[str] = set()
    for rule in pack.rules:
        if rule.id in seen:
            raise RulePackError("duplicate rule id", path=str(path), rule_id=rule.id, key="id")
        seen.add(rule.id)
        for name in rule.validators:
            if name not in VALIDATORS:
                known = ", ".join(sorted(VALIDATORS))
                raise RulePackError(
                    f"unknown validator {name!r}; registered validators: {known}",
                    path=str(path), rule_id=rule.id, key="validators",
                )
        for index, spec in enumerate(rule.patterns):
            try:
                compiled = regex.compile(
                    spec.regex, ignore_unused=True, **{n: ["x"] for n in rule.lists})
            except (regex.error, ValueError) as exc:
                raise RulePackError(
                    f"regex does not compile: {exc}", path=str(path), rule_id=rule.id,
                    key=f"patterns.{index}.regex",
                ) from None
            if spec.group is not None and spec.group not in compiled.groupindex:
                raise RulePackError(
                    f"group {spec.group!r} is not a named group of the regex",
                    path=str(path), rule_id=rule.id, key=f"patterns.{index}.group",
                )


def load_rulepack(name_or_path: str | Path) -> LoadedPack:
    """Load a pack by name or path, with the packs it extends, into the rules in force."""
    return _load_cached(resolve_pack_path(str(name_or_path)).resolve())


@lru_cache(maxsize=64)
def _load_cached(path: Path) -> LoadedPack:
    from phiguard.cache import cached

    return cached("pack", str(path), lambda: _load(path, ()), lambda pack: pack.sources)


@lru_cache(maxsize=64)
def _load(path: Path, chain: tuple[Path, ...]) -> LoadedPack:
    if path in chain:
        raise RulePackError("'extends' forms a cycle", path=str(path), key="extends")
    pack = _read_pack(path)
    rules: dict[str, tuple[Rule, Path]] = {}
    terms: list[str] = []
    domains: list[str] = []
    paths: list[Path] = []
    sources: list[Path] = []
    parents: list[dict[str, frozenset[str]]] = []
    for parent_name in pack.extends:
        parent = _load(resolve_pack_path(parent_name, path.parent).resolve(), (*chain, path))
        parents.append(parent.lists)
        paths.extend(parent.paths)
        sources.extend(parent.sources)
        rules.update((rule.id, (rule, p)) for rule, p in parent.rules)
        terms.extend(parent.allow.terms)
        domains.extend(parent.allow.domains)
    for rule_id in pack.disable:
        if rule_id not in rules:
            raise RulePackError(
                "'disable' names a rule that no extended pack defines", path=str(path),
                rule_id=rule_id, key="disable",
            )
        del rules[rule_id]
    rules.update((rule.id, (rule, path)) for rule in pack.rules if rule.enabled)
    terms.extend(pack.allow.terms)
    domains.extend(pack.allow.domains)
    paths.append(path)
    sources.append(path)
    sources.extend(path.parent / spec.file for spec in pack.lists.values()
                   if not isinstance(spec, list) and spec.file)
    lists = merge_lists([*parents, _pack_lists(pack, path)])
    return LoadedPack(
        name=pack.pack,
        paths=tuple(paths),
        rules=tuple(rules.values()),
        allow=AllowSpec(terms=terms, domains=domains),
        lists=lists,
        sources=tuple(dict.fromkeys(sources)),
    )


def _pack_lists(pack: RulePack, path: Path) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for name, spec in pack.lists.items():
        terms = list(spec) if isinstance(spec, list) else list(spec.terms)
        if not isinstance(spec, list) and spec.file:
            try:
                lines = (path.parent / spec.file).read_text(encoding="utf-8").splitlines()
            except OSError:
                raise RulePackError(f"list file {spec.file!r} cannot be read", path=str(path),
                                    key=f"lists.{name}.file") from None
            terms.extend(line.strip() for line in lines
                         if line.strip() and not line.startswith("#"))
        out[name] = frozenset(term.lower() for term in terms)
    return out


def merge_lists(
    parts: list[dict[str, frozenset[str]]] | list[LoadedPack],
) -> dict[str, frozenset[str]]:
    """Union pack-level word lists by name."""
    merged: dict[str, frozenset[str]] = {}
    for part in parts:
        lists = part.lists if isinstance(part, LoadedPack) else part
        for name, terms in lists.items():
            merged[name] = merged.get(name, frozenset()) | terms
    return merged

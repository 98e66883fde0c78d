"""YAML rule packs -> validated, merged RulePack objects, with errors that say where."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex
import yaml
from pydantic import ValidationError

from phiguard.errors import RulePackError
from phiguard.rulepacks.roles import ROLES
from phiguard.rulepacks.schema import AllowSpec, CompanionSpec, ListSpec, Rule, RulePack
from phiguard.validators import VALIDATORS

# libyaml's parser when PyYAML has it: ten times faster on the shipped packs, same errors.
# libyaml's parser when PyYAML has it (several times faster at start-up), else pure Python.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


# ---- Reading files that may be hostile -----------------------------------------------------------
# A pack, a policy or a word list may come from anyone: each is read only if it is a regular file
# (not /dev/zero, not a FIFO that never ends) under a size cap, and YAML aliases may not expand a
# document past a node budget (an alias bomb builds billions of nodes from a few lines).
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_LIST_FILE_BYTES = 4 * 1024 * 1024
MAX_LIST_TERMS = 200_000
MAX_YAML_NODES = 1_000_000
MAX_EXTENDS_DEPTH = 16


def read_capped(path: Path, limit: int, what: str) -> str:
    """The text of a regular file of at most `limit` bytes; OSError, UnicodeDecodeError or
    ValueError otherwise.

    Opened without blocking, so a FIFO is refused rather than waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError(f"{what} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{what} is larger than {limit // (1024 * 1024)} MiB")
    return data.decode("utf-8")


class _BoundedLoader(_YAML_LOADER):  # type: ignore[misc]
    """SafeLoader that refuses a document whose aliases expand it past MAX_YAML_NODES nodes.

    Anchors and aliases stay allowed (the shipped packs share word lists with them); only their
    expanded size is bounded, computed over the node graph without expanding it."""

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()
        if node is not None and _expanded_size(node) > MAX_YAML_NODES:
            raise yaml.YAMLError(f"aliases expand the document past {MAX_YAML_NODES:,} nodes")
        return node


def _expanded_size(root: yaml.Node) -> int:
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 0) for c in children)
            if sizes[id(node)] > MAX_YAML_NODES:
                return sizes[id(node)]  # no need to count further
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def read_yaml(path: Path, what: str) -> Any:
    """Parse an untrusted YAML file: regular, capped, aliases bounded.

    Every failure is a ValueError whose message says why without quoting the file."""
    try:
        text = read_capped(path, MAX_YAML_BYTES, what)
    except FileNotFoundError:
        raise ValueError(f"{what} not found") from None
    except OSError as exc:
        raise ValueError(f"{what} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        reason = str(exc) if "aliases expand" in str(exc) else "invalid YAML"
        raise ValueError(f"{reason}{line}") from None
    except RecursionError:
        raise ValueError("YAML nested too deeply") from None


def read_list_file(pack_path: Path, file: str, key: str, rule_id: str | None = None) -> list[str]:
    """The terms of a list file named by a pack: one per line, '#' comments skipped."""
    return _read_terms(pack_path.parent / file, f"list file {file!r}", pack_path, key, rule_id)


def shared_list_path(name: str) -> Path:
    """Where a shared list ships: rules/lists/NAME.txt."""
    return rules_dir() / "lists" / f"{name}.txt"


def read_shared_list(name: str) -> list[str]:
    """The terms of a shared list that ships in rules/lists/ (for tables outside the packs)."""
    path = shared_list_path(name)
    return _read_terms(path, f"shared list {name!r}", path, "use", None)


def _read_terms(path: Path, what: str, pack_path: Path, key: str,
                rule_id: str | None) -> list[str]:
    try:
        text = read_capped(path, MAX_LIST_FILE_BYTES, what)
    except OSError:
        raise RulePackError(f"{what} cannot be read", path=str(pack_path),
                            rule_id=rule_id, key=key) from None
    except UnicodeDecodeError:
        raise RulePackError(f"{what} is not UTF-8 text", path=str(pack_path),
                            rule_id=rule_id, key=key) from None
    except ValueError as exc:
        raise RulePackError(str(exc), path=str(pack_path), rule_id=rule_id, key=key) from None
    terms = [line.strip() for line in text.splitlines()
             if line.strip() and not line.startswith("#")]
    if len(terms) > MAX_LIST_TERMS:
        raise RulePackError(f"{what} has more than {MAX_LIST_TERMS:,} terms",
                            path=str(pack_path), rule_id=rule_id, key=key)
    return terms


def resolve_list(spec: ListSpec | list[str], pack_path: Path, name: str,
                 rule_id: str | None = None) -> list[str]:
    """A named list's terms: inline, its file's and its shared lists', less `exclude`.

    An entry listed twice (compared case-insensitively, across all its sources) is an error
    naming the pack, the rule, the list and the entry: a duplicate is a copy that will drift."""
    key = f"lists.{name}"
    if isinstance(spec, list):
        terms = list(spec)
    else:
        terms = list(spec.terms)
        if spec.file:
            terms.extend(read_list_file(pack_path, spec.file, f"{key}.file", rule_id))
        for shared in spec.use:
            path = shared_list_path(shared)
            if not path.is_file():
                raise RulePackError(f"unknown shared list {shared!r} (rules/lists/)",
                                    path=str(pack_path), rule_id=rule_id, key=f"{key}.use")
            terms.extend(_read_terms(path, f"shared list {shared!r}", pack_path, f"{key}.use",
                                     rule_id))
    seen: set[str] = set()
    for term in terms:
        folded = term.casefold()
        if folded in seen:
            raise RulePackError(f"list {name!r} has the entry {term!r} more than once",
                                path=str(pack_path), rule_id=rule_id, key=key)
        seen.add(folded)
    if isinstance(spec, list) or not spec.exclude:
        return terms
    excluded = {term.casefold() for term in spec.exclude}
    unknown = sorted(excluded - seen)
    if unknown:
        raise RulePackError(f"list {name!r} excludes {unknown[0]!r}, which it does not have",
                            path=str(pack_path), rule_id=rule_id, key=f"{key}.exclude")
    return [term for term in terms if term.casefold() not in excluded]


def list_sources(spec: ListSpec | list[str], pack_path: Path) -> list[Path]:
    """The files a named list is read from (for the disk cache)."""
    if isinstance(spec, list):
        return []
    files = [shared_list_path(name) for name in spec.use]
    return [pack_path.parent / spec.file, *files] if spec.file else files


def _read_pack(path: Path) -> tuple[RulePack, list[Path]]:
    """The validated pack with its rules' lists resolved, and the list files they came from."""
    try:
        raw = read_yaml(path, "rule pack")
    except ValueError as exc:
        raise RulePackError(str(exc), path=str(path)) from None
    if not isinstance(raw, dict):
        raise RulePackError("a rule pack must be a mapping with 'pack' and 'rules'", path=str(path))
    try:
        pack = RulePack.model_validate(raw)
    except ValidationError as exc:
        raise _schema_error(exc, raw, path) from None
    # A labelled_id form becomes the rule's first patterns, checked like any other.
    pack = pack.model_copy(update={"rules": [
        rule.model_copy(update={"patterns": [*rule.labelled_id.patterns(), *rule.patterns]})
        if rule.labelled_id is not None else rule for rule in pack.rules]})
    _check_rules(pack, path)
    # Every rule's lists resolved to their terms once, here: the layers, the redaction tables
    # and the examples all read the same terms.
    rules = [rule.model_copy(update={"lists": {
        name: resolve_list(spec, path, name, rule.id) for name, spec in rule.lists.items()}})
        for rule in pack.rules]
    sources = [source for spec in [*pack.lists.values(),
                                   *(s for rule in pack.rules for s in rule.lists.values())]
               for source in list_sources(spec, path)]
    return pack.model_copy(update={"rules": rules}), sources


def _compiled(source: str, lists: dict[str, list[str]], path: Path, rule_id: str,
              key: str) -> regex.Pattern[str]:
    """A rule's regex compiled, or an error naming the pack, the rule and the key."""
    try:
        return regex.compile(source, ignore_unused=True, **lists)
    except (regex.error, ValueError) as exc:
        raise RulePackError(f"regex does not compile: {exc}", path=str(path), rule_id=rule_id,
                            key=key) from None


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
        _check_role(rule, path)
        for name in rule.validators:
            if name not in VALIDATORS:
                known = ", ".join(sorted(VALIDATORS))
                raise RulePackError(
                    f"unknown validator {name!r}; registered validators: {known}",
                    path=str(path), rule_id=rule.id, key="validators",
                )
        for index, spec in enumerate(rule.patterns):
            lists = {n: ["x"] for n in rule.lists}
            compiled = _compiled(spec.regex, lists, path, rule.id, f"patterns.{index}.regex")
            for key in ("requires", "unless_field"):
                source = getattr(spec, key)
                if source is not None:
                    _compiled(source, lists, path, rule.id, f"patterns.{index}.{key}")
            if spec.group is not None:
                _check_group(spec.group, compiled, path, rule.id, f"patterns.{index}.group")
            if spec.companion is not None:
                _check_companion(spec.companion, rule, compiled, path, index)


def _check_group(group: str, compiled: regex.Pattern[str], path: Path, rule_id: str,
                 key: str) -> None:
    if group not in compiled.groupindex:
        raise RulePackError(f"group {group!r} is not a named group of the regex",
                            path=str(path), rule_id=rule_id, key=key)


def _check_companion(companion: CompanionSpec, rule: Rule, compiled: regex.Pattern[str],
                     path: Path, index: int) -> None:
    """A companion is a named group of the regex, reported by the name stage when it keeps the
    name: so only a name rule with a role may have one. The companion's rule may live in
    another pack; where it is not in force (disabled, or its pack not loaded), the companion
    is not reported, as a disabled rule reports nothing."""
    key = f"patterns.{index}.companion"
    _check_group(companion.group, compiled, path, rule.id, f"{key}.group")
    role = ROLES.get(rule.role or "")
    if role is None or role.stage != "names":
        raise RulePackError("only a name rule with a role may report a companion",
                            path=str(path), rule_id=rule.id, key=key)


# The identifier each stage decides on: a role of the name stage on a place rule would never run.
_STAGE_IDENTIFIERS = {"names": "A", "places": "B"}


def _check_role(rule: Rule, path: Path) -> None:
    if rule.role is None:
        return
    role = ROLES.get(rule.role)
    if role is None:
        known = ", ".join(sorted(ROLES))
        raise RulePackError(f"unknown role {rule.role!r}; known roles: {known}",
                            path=str(path), rule_id=rule.id, key="role")
    if rule.identifier.value != _STAGE_IDENTIFIERS[role.stage]:
        raise RulePackError(
            f"role {rule.role!r} is for identifier {_STAGE_IDENTIFIERS[role.stage]} rules, "
            f"not {rule.identifier.value}", path=str(path), rule_id=rule.id, key="role")


def load_rulepack(name_or_path: str | Path) -> LoadedPack:
    """Load a pack by name or path, with the packs it extends, into the rules in force."""
    return _load_cached(resolve_pack_path(str(name_or_path)).resolve())


# The code that turns a pack's text into rules: an edit to it (in a source checkout, where the
# version does not change) makes every cached pack stale, as an edit to the pack does.
_LOADER_CODE = tuple(Path(__file__).with_name(name) for name in
                     ("loader.py", "schema.py", "roles.py"))


@lru_cache(maxsize=64)
def _load_cached(path: Path) -> LoadedPack:
    from phiguard.cache import cached

    return cached("pack", str(path), lambda: _load(path, ()),
                  lambda pack: (*pack.sources, *_LOADER_CODE))


@lru_cache(maxsize=64)
def _load(path: Path, chain: tuple[Path, ...]) -> LoadedPack:
    if path in chain:
        raise RulePackError("'extends' forms a cycle", path=str(path), key="extends")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise RulePackError(f"'extends' is nested more than {MAX_EXTENDS_DEPTH} packs deep",
                            path=str(path), key="extends")
    pack, list_files = _read_pack(path)
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
    sources.extend(list_files)
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
        out[name] = frozenset(term.lower() for term in resolve_list(spec, path, name))
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

"""phiguard inside Presidio, and Presidio's pattern recognizers inside phiguard.

Add phiguard's Safe Harbor coverage to an existing AnalyzerEngine:

    from phiguard.presidio import PhiguardRecognizer
    analyzer.registry.add_recognizer(PhiguardRecognizer())

Its results carry Presidio entity names (`ENTITY_NAMES`, by Safe Harbor letter, or phiguard's own
entity where that is already one of Presidio's), phiguard's explanation as the
`analysis_explanation`'s textual explanation, and the letter, entity and rule in
`recognition_metadata`. Only flagged findings are returned: what the policy allowlisted or a
consent covers is not PHI to redact. A text phiguard could not check raises DetectorError rather
than coming back with no results, which a caller would read as clean.

The other way, `convert_presidio_yaml` turns a Presidio YAML file of ad-hoc recognizers
(`PatternRecognizer` definitions: patterns, deny lists, context words) into a phiguard rule pack
file that `Policy(packs=[...])` loads, so a team's recognizers carry over.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from phiguard.engine import check, get_pipeline
from phiguard.errors import DetectorError, RulePackError
from phiguard.models import DETECTOR_ERROR, Finding, Identifier
from phiguard.policy import DEFAULT_POLICY, Policy
from phiguard.rulepacks.loader import load_rulepack


def offline_tldextract() -> None:
    """Keep tldextract (used by Presidio's email and URL recognizers) off the network and disk.

    Its first email would otherwise fetch the public suffix list with no timeout. It reads these
    variables when an extractor is constructed, so this must run before presidio_analyzer is
    imported; setdefault leaves a user's own choice alone. Only here, where Presidio is
    imported: phiguard's own layers never change the environment.
    """
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("TLDEXTRACT_CACHE", "")
    # spaCy may have imported presidio_analyzer already (it registers a spaCy factory, and
    # loading any pipeline reads those entry points), and with it tldextract's default
    # extractor, built before these variables were set: build it again from them.
    module = sys.modules.get("tldextract.tldextract")
    if module is not None:
        setattr(module, "TLD_EXTRACTOR", module.TLDExtract())  # noqa: B010 - mypy: not typed


offline_tldextract()  # before presidio_analyzer is imported: its URL recognizer reads these

from presidio_analyzer import (  # noqa: E402
    AnalysisExplanation,
    EntityRecognizer,
    RecognizerResult,
)

__all__ = ["ENTITY_NAMES", "PhiguardRecognizer", "convert_presidio_yaml"]

_NAME = "PhiguardRecognizer"

# Safe Harbor letter -> Presidio entity name: Presidio's own where it has one for the letter,
# else a name in its style.
ENTITY_NAMES: dict[Identifier, str] = {
    Identifier.NAMES: "PERSON",
    Identifier.GEOGRAPHIC: "LOCATION",
    Identifier.DATES: "DATE_TIME",
    Identifier.PHONE: "PHONE_NUMBER",
    Identifier.FAX: "FAX_NUMBER",
    Identifier.EMAIL: "EMAIL_ADDRESS",
    Identifier.SSN: "US_SSN",
    Identifier.MEDICAL_RECORD: "MEDICAL_RECORD_NUMBER",
    Identifier.HEALTH_PLAN: "HEALTH_PLAN_NUMBER",
    Identifier.ACCOUNT: "ACCOUNT_NUMBER",
    Identifier.LICENSE: "LICENSE_NUMBER",
    Identifier.VEHICLE: "VEHICLE_IDENTIFIER",
    Identifier.DEVICE: "DEVICE_IDENTIFIER",
    Identifier.URL: "URL",
    Identifier.IP_ADDRESS: "IP_ADDRESS",
    Identifier.BIOMETRIC: "BIOMETRIC_IDENTIFIER",
    Identifier.FACE_PHOTO: "FACE_PHOTO",
    Identifier.OTHER_UNIQUE: "UNIQUE_IDENTIFIER",
}
# phiguard entities that are already Presidio entity names keep them (a MAC address is a device
# identifier, M, but Presidio calls it MAC_ADDRESS).
_PRESIDIO_ENTITIES = frozenset({
    "PERSON", "LOCATION", "DATE_TIME", "PHONE_NUMBER", "EMAIL_ADDRESS", "US_SSN", "CREDIT_CARD",
    "IBAN_CODE", "US_BANK_NUMBER", "MEDICAL_LICENSE", "US_DRIVER_LICENSE", "US_PASSPORT",
    "MAC_ADDRESS", "URL", "IP_ADDRESS",
})


class PhiguardRecognizer(EntityRecognizer):
    """A Presidio recognizer that runs phiguard's layers under `policy` (default: the social
    policy) and reports its flagged findings as RecognizerResults."""

    def __init__(self, policy: Policy | None = None, *, supported_language: str = "en",
                 entity_names: Mapping[Identifier | str, str] | None = None) -> None:
        self.policy = policy or DEFAULT_POLICY
        self.entity_names = dict(ENTITY_NAMES)
        self.entity_names.update({Identifier(k): v for k, v in (entity_names or {}).items()})
        entities = sorted({*self.entity_names.values(), *_PRESIDIO_ENTITIES})
        super().__init__(supported_entities=entities, name=_NAME,
                         supported_language=supported_language)

    def load(self) -> None:
        """Load the policy's rule packs now, so a broken pack fails here; spaCy loads lazily."""
        get_pipeline(self.policy)

    def presidio_entity(self, finding: Finding) -> str:
        """The Presidio entity name a finding is reported under."""
        if finding.entity in _PRESIDIO_ENTITIES:
            return finding.entity
        return self.entity_names[finding.identifier]

    def analyze(self, text: str, entities: list[str] | None,
                nlp_artifacts: Any = None) -> list[RecognizerResult]:
        """Check `text` and return a result per flagged finding of the requested entities."""
        report = check(text, policy=self.policy)
        results = []
        for finding in report.flagged:
            if finding.entity == DETECTOR_ERROR:
                raise DetectorError(f"phiguard could not check this text: {finding.explanation}")
            entity = self.presidio_entity(finding)
            if entities and entity not in entities:
                continue
            explanation = AnalysisExplanation(
                recognizer=_NAME, original_score=finding.score, pattern_name=finding.rule_id,
                textual_explanation=finding.explanation)
            results.append(RecognizerResult(
                entity_type=entity, start=finding.start, end=finding.end, score=finding.score,
                analysis_explanation=explanation,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: _NAME,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    "safe_harbor": finding.identifier.value,
                    "phiguard_entity": finding.entity,
                    "phiguard_rule": finding.rule_id,
                }))
        return results


# ---- Presidio YAML recognizers -> a phiguard rule pack ----------------------------------------

# What PatternRecognizer.from_dict accepts; anything else is a typo to report, not to ignore.
_RECOGNIZER_KEYS = frozenset({
    "name", "supported_language", "supported_entity", "supported_entities", "patterns",
    "deny_list", "deny_list_score", "context", "global_regex_flags", "version", "country_code",
    "type", "enabled",
})
_PATTERN_KEYS = frozenset({"name", "regex", "score"})
# Presidio's defaults: PatternRecognizer's regex flags, and its context enhancer's boost for a
# context word among the 5 tokens before a match.
_PRESIDIO_FLAGS = ["IGNORECASE", "MULTILINE", "DOTALL"]
_CONTEXT = {"window": 5, "direction": "before", "boost": 0.35}


def convert_presidio_yaml(source: str | Path, destination: str | Path, *,
                          pack: str | None = None,
                          identifiers: Mapping[str, Identifier | str] | None = None) -> Path:
    """Write the pattern recognizers of Presidio YAML `source` as phiguard rule pack
    `destination`, checked by phiguard's own loader, and return its path.

    Each recognizer becomes a rule: its patterns (with Presidio's regex flags), its deny list
    as one more pattern, its context words as a context boost like Presidio's. `identifiers`
    gives the Safe Harbor letter of entities phiguard cannot infer ({"EMPLOYEE_ID": "R"});
    an entity with no letter is an error naming the recognizer, never a guess.
    """
    source, destination = Path(source), Path(destination)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulePackError(f"cannot be read ({exc.strerror})", path=str(source)) from None
    except yaml.YAMLError:
        raise RulePackError("invalid YAML", path=str(source)) from None
    recognizers = raw.get("recognizers") if isinstance(raw, dict) else None
    if not isinstance(recognizers, list) or not recognizers:
        raise RulePackError("no 'recognizers' list", path=str(source), key="recognizers")
    letters = _letters(identifiers)
    rules: list[dict[str, Any]] = []
    taken: set[str] = set()
    for index, recognizer in enumerate(recognizers):
        rule = _rule(recognizer, index, letters, str(source))
        base, n = rule["id"], 2
        while rule["id"] in taken:
            rule["id"], n = f"{base}-{n}", n + 1
        taken.add(rule["id"])
        rules.append(rule)
    name = pack or _slug(source.stem) or "presidio-recognizers"
    document = {"pack": name, "description": f"converted from Presidio recognizers in "
                f"{source.name}", "rules": rules}
    destination.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                           encoding="utf-8")
    load_rulepack(destination.resolve())  # the pack must load as phiguard reads it
    return destination


def _letters(identifiers: Mapping[str, Identifier | str] | None) -> dict[str, Identifier]:
    letters = {name: letter for letter, name in ENTITY_NAMES.items()}
    letters.update({"MAC_ADDRESS": Identifier.DEVICE, "CREDIT_CARD": Identifier.ACCOUNT,
                    "IBAN_CODE": Identifier.ACCOUNT, "US_BANK_NUMBER": Identifier.ACCOUNT,
                    "MEDICAL_LICENSE": Identifier.LICENSE,
                    "US_DRIVER_LICENSE": Identifier.LICENSE, "ZIP_CODE": Identifier.GEOGRAPHIC,
                    "US_PASSPORT": Identifier.OTHER_UNIQUE})
    letters.update({name: Identifier(letter) for name, letter in (identifiers or {}).items()})
    return letters


def _rule(recognizer: Any, index: int, letters: dict[str, Identifier],
          path: str) -> dict[str, Any]:
    where = f"recognizers[{index}]"
    if not isinstance(recognizer, dict):
        raise RulePackError("a recognizer must be a mapping", path=path, key=where)
    label = str(recognizer.get("name") or where)
    unknown = sorted(set(recognizer) - _RECOGNIZER_KEYS)
    if unknown:
        raise RulePackError(f"recognizer {label!r}: unknown key {unknown[0]!r}", path=path,
                            key=f"{where}.{unknown[0]}")
    if recognizer.get("type", "custom") != "custom":
        raise RulePackError(f"recognizer {label!r} is a predefined Presidio recognizer (Python "
                            "code); only pattern and deny-list recognizers carry over",
                            path=path, key=f"{where}.type")
    entity = _entity(recognizer, label, path, where)
    letter = letters.get(entity)
    if letter is None:
        raise RulePackError(f"recognizer {label!r}: entity {entity!r} has no Safe Harbor "
                            f"letter; pass identifiers={{{entity!r}: 'R'}} (or its letter)",
                            path=path, key=f"{where}.supported_entity")
    patterns = [_pattern(p, label, path, f"{where}.patterns[{i}]")
                for i, p in enumerate(recognizer.get("patterns") or [])]
    flags = _flags(recognizer.get("global_regex_flags"), label, path, where)
    for spec in patterns:
        spec["flags"] = flags
    deny = [str(term) for term in recognizer.get("deny_list") or []]
    if deny:
        # Presidio's own deny-list regex: the terms, escaped, between non-word characters.
        patterns.append({"name": "deny_list", "score": float(recognizer.get(
            "deny_list_score", 1.0)), "flags": flags, "regex": r"(?:^|(?<=\W))(?:"
            + "|".join(re.escape(term) for term in deny) + r")(?:(?=\W)|$)"})
    if not patterns:
        raise RulePackError(f"recognizer {label!r} has no patterns and no deny_list",
                            path=path, key=where)
    rule: dict[str, Any] = {
        "id": _slug(label) or f"presidio-{index + 1}", "identifier": letter.value,
        "entity": re.sub(r"[^A-Z0-9_]", "_", entity.upper()),
        "message": f"{label} (a Presidio recognizer)", "patterns": patterns,
        "source": f"Presidio recognizer {label!r} ({recognizer.get('supported_language', 'en')})",
    }
    context = [str(word) for word in recognizer.get("context") or []]
    if context:
        rule["context"] = {"words": context, **_CONTEXT}
    if recognizer.get("enabled") is False:
        rule["enabled"] = False
    return rule


def _entity(recognizer: dict[str, Any], label: str, path: str, where: str) -> str:
    single, plural = recognizer.get("supported_entity"), recognizer.get("supported_entities")
    if single is not None and plural is not None:
        raise RulePackError(f"recognizer {label!r}: give supported_entity or "
                            "supported_entities, not both", path=path, key=where)
    if plural is not None:
        if not isinstance(plural, list) or len(plural) != 1:
            raise RulePackError(f"recognizer {label!r}: a pattern recognizer supports exactly "
                                "one entity", path=path, key=f"{where}.supported_entities")
        single = plural[0]
    if not isinstance(single, str) or not single:
        raise RulePackError(f"recognizer {label!r}: no supported_entity", path=path,
                            key=f"{where}.supported_entity")
    return single


def _pattern(pattern: Any, label: str, path: str, where: str) -> dict[str, Any]:
    if not isinstance(pattern, dict) or "regex" not in pattern or "score" not in pattern:
        raise RulePackError(f"recognizer {label!r}: a pattern needs 'regex' and 'score'",
                            path=path, key=where)
    unknown = sorted(set(pattern) - _PATTERN_KEYS)
    if unknown:
        raise RulePackError(f"recognizer {label!r}: unknown key {unknown[0]!r}", path=path,
                            key=f"{where}.{unknown[0]}")
    out: dict[str, Any] = {"regex": str(pattern["regex"]), "score": float(pattern["score"])}
    if pattern.get("name"):
        out["name"] = str(pattern["name"])
    return out


def _flags(value: Any, label: str, path: str, where: str) -> list[str]:
    """Presidio's `global_regex_flags` (an int of `re` flags) as phiguard's flag names."""
    if value is None:
        return list(_PRESIDIO_FLAGS)
    names = {re.IGNORECASE: "IGNORECASE", re.MULTILINE: "MULTILINE", re.DOTALL: "DOTALL",
             re.VERBOSE: "VERBOSE"}
    if not isinstance(value, int) or value & ~sum(names):
        raise RulePackError(f"recognizer {label!r}: global_regex_flags may combine only "
                            "IGNORECASE, MULTILINE, DOTALL and VERBOSE", path=path,
                            key=f"{where}.global_regex_flags")
    return [name for flag, name in names.items() if value & flag]


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))

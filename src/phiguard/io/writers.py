"""Report writers: a table for people, json and jsonl for machines, SARIF 2.1.0 for code scanning.

Every writer receives records one at a time, in input order, each with its report or, for a
record that could not be read, None (the record carries its error). Nothing is held back except
what a format needs at its end (SARIF's rule list).

PHI: a writer prints a finding's matched text only when built with `show_phi=True`. Otherwise it
shows a masked excerpt (`J*** D**`, `***-**-****`) in the table and json, and nothing at all in
SARIF, whose messages end up in code-scanning UIs and their notifications.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol, TextIO
from urllib.parse import quote

from phiguard.advice import COMBINATION_CHANGE, advice_for
from phiguard.baseline import BASELINE_NOTE, COMBINATION_RULE_PREFIX, INLINE_NOTE
from phiguard.io.records import Record
from phiguard.masking import mask
from phiguard.models import (
    DETECTOR_ERROR,
    PATIENT_POST,
    Combination,
    Finding,
    Identifier,
    Post,
    Report,
    Verdict,
    field_label,
)
from phiguard.policy import Policy
from phiguard.scoring import finding_verdict
from phiguard.version import __version__

FORMATS = ("table", "compact", "json", "jsonl", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INPUT_ERROR_RULE = "input-error"
# NOTE: changing this changes every SARIF fingerprint, and code-scanning UIs will then see every
# alert as new. Only bump the version with a reason.
FINGERPRINT_KEY = "phiguardFinding/v1"
_LEVEL: dict[str, str] = {"block": "error", "review": "warning", "pass": "note"}


# Findings whose own explanation is plain words for a social-media manager, quoting nothing.
_OWN_WORDS = frozenset({DETECTOR_ERROR, "PATIENT_STATUS", PATIENT_POST})


@dataclass
class Summary:
    """What a scan saw, for the last line of a report and the exit code."""

    posts: int = 0
    unreadable: int = 0
    detector_errors: int = 0
    acknowledged: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: {"pass": 0, "review": 0, "block": 0})
    sources: set[str] = field(default_factory=set)

    def add(self, record: Record, report: Report | None) -> None:
        """Count one record."""
        self.sources.add(record.source.name)
        if report is None:
            self.unreadable += 1
            return
        self.posts += 1
        self.verdicts[report.verdict] += 1
        self.detector_errors += bool(report.errors)
        self.acknowledged += sum(
            1 for f in report.findings if f.status == "suppressed" and _acknowledged(f))

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON output shows it."""
        return {"posts": self.posts, "unreadable_records": self.unreadable,
                "detector_errors": self.detector_errors, "acknowledged": self.acknowledged,
                **self.verdicts}


def _acknowledged(finding: Finding) -> bool:
    return finding.explanation.endswith((BASELINE_NOTE, INLINE_NOTE))


class Writer(Protocol):
    """What every output format implements."""

    def write(self, record: Record, report: Report | None) -> None:
        """Write one record's result."""

    def finish(self, summary: Summary) -> None:
        """Close the document."""


def make_writer(fmt: str, out: TextIO, *, policy: Policy, show_phi: bool = False) -> Writer:
    """The writer for one of FORMATS."""
    if fmt == "table":
        return TableWriter(out, policy, show_phi)
    if fmt == "compact":
        return CompactWriter(out, policy, show_phi)
    if fmt == "json":
        return JsonWriter(out, policy, show_phi)
    if fmt == "jsonl":
        return JsonlWriter(out, policy, show_phi)
    if fmt == "sarif":
        return SarifWriter(out, policy)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def matched_text(post: Post, finding: Finding) -> str:
    """The text a finding covers: PHI. Print it only with --show-phi."""
    return post.field_text(finding.field)[finding.start : finding.end]


def _shown(post: Post, finding: Finding, show_phi: bool) -> str:
    text = matched_text(post, finding)
    return text if show_phi else mask(text, finding.entity)


# ---- table ---------------------------------------------------------------------------------


class TableWriter:
    """For the person who publishes: a header, one entry per post, and for each finding what it
    is, where (text or caption N), why it matters and what to change; a legend at the end."""

    def __init__(self, out: TextIO, policy: Policy, show_phi: bool) -> None:
        self.out, self.policy, self.show_phi = out, policy, show_phi
        self.letters: set[Identifier] = set()
        self.started = False

    def _print(self, line: str = "", indent: int | None = None) -> None:
        # Prose is wrapped for a terminal, continuation lines under the first; lines that hold
        # an excerpt or a path are not, so neither is ever split.
        if indent is not None:
            line = textwrap.fill(line, 100, subsequent_indent=" " * indent,
                                 break_on_hyphens=False)
        print(line, file=self.out)

    def write(self, record: Record, report: Report | None) -> None:
        """Write one record."""
        if not self.started:
            self.started = True
            self._print(f"{'VERDICT':<8} {'POST':<14} WHERE (file:line)")
        if report is None or record.post is None:
            self._print(f"{'ERROR':<8} {'-':<14} {record.where}  could not be read: "
                        f"{record.error}")
            return
        shown = [f for f in report.findings if f.status == "flagged"]
        hidden = len(report.findings) - len(shown)
        extra = (f"  ({hidden} finding{'s' * (hidden != 1)} not counted: allowlisted, "
                 "consented or acknowledged)") if hidden else ""
        self._print(f"{report.verdict.upper():<8} {report.post_id or '-':<14} {record.where}"
                    f"{extra}")
        for f in shown:
            self.letters.add(f.identifier)
            advice = advice_for(f)
            level = finding_verdict(f, self.policy)
            excerpt = _shown(record.post, f, self.show_phi)
            where = "the text" if f.field == "text" else field_label(f.field)
            self._print(f"  {level if level != 'pass' else 'low':<7} {f.identifier.value}  "
                        f"{advice.what} (certainty {f.score:.0%})")
            # An empty span stands for the whole post (a failed check, the patient model).
            place = f"in {where}: {excerpt!r}" if f.end > f.start else "the whole post"
            self._print(f"{'':<13}{place}  (rule {f.rule_id}, {f.entity})")
            # A failed check's own explanation names the layer and the error type, a care
            # disclosure's names its evidence in plain words (who, what care), and the patient
            # model's gives its score; none quotes the post.
            self._advice(f.explanation if f.entity in _OWN_WORDS else advice.why, advice.change)
        for combination in report.combinations:
            self._print(f"  {combination.verdict:<7}    a combination: {combination.name}")
            self._advice(combination.explanation, COMBINATION_CHANGE)

    def _advice(self, why: str, change: str) -> None:
        self._print(f"{'':<13}why: {why}", 18)
        self._print(f"{'':<13}change: {change}", 21)

    def finish(self, summary: Summary) -> None:
        """The legend: verdicts, the letters that appeared, certainty; the summary goes to
        stderr (see cli)."""
        if not self.started:
            return
        thresholds = self.policy.thresholds
        self._print()
        self._print("BLOCK: do not publish as it is. REVIEW: a person decides before it is "
                    "published. PASS: nothing found that counts.", 0)
        self._print(f"Certainty: how sure the rule is; by default a finding blocks from "
                    f"{thresholds.block:.0%} and needs review from {thresholds.review:.0%}, "
                    "and a combination of details calls for its own verdict.", 0)
        if self.letters:
            self._print("Letters: the HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)) "
                        "found above:")
            for letter in sorted(self.letters):
                self._print(f"  {letter.value}  {letter.description}")
        if not self.show_phi:
            self._print("Excerpts are masked; --show-phi prints the matched text.")


class CompactWriter:
    """The terse table for CI logs: a line per post, a line per finding with its rule id."""

    def __init__(self, out: TextIO, policy: Policy, show_phi: bool) -> None:
        self.out, self.policy, self.show_phi = out, policy, show_phi

    def write(self, record: Record, report: Report | None) -> None:
        """Write one record."""
        if report is None or record.post is None:
            print(f"{'ERROR':<6} {'-':<12} {record.where}  {record.error}", file=self.out)
            return
        label = report.post_id or "-"
        shown = [f for f in report.findings if f.status == "flagged"]
        hidden = len(report.findings) - len(shown)
        extra = f"  ({hidden} not counted: allowlisted, consented or acknowledged)" if hidden \
            else ""
        print(f"{report.verdict.upper():<6} {label:<12} {record.where}  score {report.score:.2f}"
              f"{extra}", file=self.out)
        for f in shown:
            excerpt = _shown(record.post, f, self.show_phi)
            verdict = finding_verdict(f, self.policy)
            where = f"{f.field}[{f.start}:{f.end}]"
            print(f"    {verdict:<6} {f.identifier.value} {f.entity:<20} {where:<18} "
                  f"{excerpt!r}  rule {f.rule_id} score {f.score:.2f}", file=self.out)
            # Why a reply discloses care is not obvious from the masked excerpt: say it.
            if f.entity in (DETECTOR_ERROR, "PATIENT_STATUS"):
                print(f"           {f.explanation}", file=self.out)
        for combination in report.combinations:
            print(f"    {combination.verdict:<6} combination {combination.name}: "
                  f"{combination.explanation}", file=self.out)

    def finish(self, summary: Summary) -> None:
        """The table ends with its records; the summary goes to stderr (see cli)."""


def source_key(record: Record, field_name: str) -> str | None:
    """Where in the input record a post field came from (`message`, `media.0.title`): with
    several text fields in one record, this says which one a finding is in."""
    path = record.paths.get(field_name)
    return ".".join(map(str, path)) if path else None


# ---- json / jsonl --------------------------------------------------------------------------


def record_dict(record: Record, report: Report | None, policy: Policy,
                show_phi: bool) -> dict[str, Any]:
    """One record's result as json and jsonl write it."""
    out: dict[str, Any] = {
        "source": record.source.name,
        "line": record.line,
        "record": record.number,
        "post_id": record.post.id if record.post else None,
    }
    if report is None or record.post is None:
        out.update(verdict="error", score=None, error=record.error, findings=[], combinations=[])
        return out
    post = record.post
    findings = []
    for f in report.findings:
        item: dict[str, Any] = {
            "field": f.field, "start": f.start, "end": f.end,
            "identifier": f.identifier.value, "identifier_name": f.identifier.description,
            "entity": f.entity, "rule_id": f.rule_id, "layer": f.layer, "score": f.score,
            "status": f.status, "verdict": finding_verdict(f, policy),
            "explanation": f.explanation, "key": source_key(record, f.field),
        }
        if show_phi:
            item["match"] = matched_text(post, f)
        else:
            item["excerpt"] = mask(matched_text(post, f), f.entity)
        findings.append(item)
    out.update(verdict=report.verdict, score=report.score, error=None, findings=findings,
               combinations=[c.model_dump(mode="json") for c in report.combinations])
    return out


class JsonlWriter:
    """One JSON object per input record, in input order, unreadable records included."""

    def __init__(self, out: TextIO, policy: Policy, show_phi: bool) -> None:
        self.out, self.policy, self.show_phi = out, policy, show_phi

    def write(self, record: Record, report: Report | None) -> None:
        """Write one line."""
        self.out.write(json.dumps(record_dict(record, report, self.policy, self.show_phi),
                                  ensure_ascii=False) + "\n")

    def finish(self, summary: Summary) -> None:
        """Nothing follows the records."""


class JsonWriter:
    """One JSON document: {"tool", "version", "records": [...], "summary"}; streamed."""

    def __init__(self, out: TextIO, policy: Policy, show_phi: bool) -> None:
        self.out, self.policy, self.show_phi = out, policy, show_phi
        self.count = 0
        self.out.write(f'{{"tool": "phiguard", "version": "{__version__}", "records": [')

    def write(self, record: Record, report: Report | None) -> None:
        """Write one element of "records"."""
        self.out.write(",\n  " if self.count else "\n  ")
        self.out.write(json.dumps(record_dict(record, report, self.policy, self.show_phi),
                                  ensure_ascii=False))
        self.count += 1

    def finish(self, summary: Summary) -> None:
        """Close the list and write the summary."""
        self.out.write("\n], " if self.count else "], ")
        self.out.write(f'"summary": {json.dumps(summary.as_dict())}}}\n')


# ---- SARIF 2.1.0 ---------------------------------------------------------------------------


def artifact_uri(name: str) -> str:
    """A file name as a SARIF URI reference: relative paths stay relative, in POSIX form."""
    if name == "<stdin>":
        return "stdin"
    return quote(PurePath(name).as_posix(), safe="/:")


def partial_fingerprint(record: Record, finding: Finding, ordinal: int) -> str:
    """A stable id of a finding that holds no PHI: post (or record), field, rule and which
    occurrence of that rule in that field it is. The matched text is deliberately left out:
    its hash could be brute-forced back to a short number such as an SSN."""
    return _fingerprint(_post_key(record), finding.field, finding.rule_id, str(ordinal))


def _post_key(record: Record) -> str:
    return (record.post.id if record.post and record.post.id
            else f"{record.source.name}#{record.number}")


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


class SarifWriter:
    """A SARIF 2.1.0 log, streamed: results are written as they come, the tool and its rules
    (only those that produced a result) after them, since JSON key order does not matter."""

    def __init__(self, out: TextIO, policy: Policy) -> None:
        self.out, self.policy = out, policy
        self.rules: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.count = 0
        self.out.write(f'{{"$schema": "{SARIF_SCHEMA}", "version": "2.1.0", "runs": [{{\n'
                       '"results": [')

    def _rule_index(self, rule_id: str, finding: Finding | None) -> int:
        if rule_id not in self.rules:
            if finding is None:
                rule: dict[str, Any] = {
                    "id": rule_id, "name": "InputError",
                    "shortDescription": {"text": "A record of the export could not be read, "
                                                 "so it was not checked"},
                    "defaultConfiguration": {"level": "error"},
                }
            else:
                rule = {
                    "id": rule_id,
                    "name": _pascal(rule_id),
                    "shortDescription": {"text": f"Safe Harbor identifier "
                                                 f"{finding.identifier.value}: "
                                                 f"{finding.identifier.description}"},
                    "properties": {"identifier": finding.identifier.value,
                                   "entity": finding.entity, "layer": finding.layer,
                                   "tags": ["phi", "hipaa-safe-harbor"]},
                }
            self.rules[rule_id] = rule
        return list(self.rules).index(rule_id)

    def _emit(self, result: dict[str, Any]) -> None:
        self.out.write(",\n" if self.count else "\n")
        self.out.write(json.dumps(result, ensure_ascii=False))
        self.count += 1

    def _location(self, record: Record, field_name: str | None = None,
                  finding: Finding | None = None) -> dict[str, Any]:
        location: dict[str, Any] = {"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(record.source.name)},
            "region": {"startLine": max(record.line, 1)},
        }}
        if field_name is not None:
            post_id = record.post.id if record.post and record.post.id else None
            qualified = f"{post_id or f'record {record.number}'}/{field_name}"
            if finding is not None:
                qualified += f"[{finding.start}:{finding.end}]"
            location["logicalLocations"] = [
                {"name": field_name, "fullyQualifiedName": qualified, "kind": "member"}]
        return location

    def write(self, record: Record, report: Report | None) -> None:
        """Write one result per flagged or acknowledged finding, or one for a bad record."""
        if report is None or record.post is None:
            message = f"Record {record.number} could not be read, so it was not checked: " \
                      f"{record.error}"
            self._emit({
                "ruleId": INPUT_ERROR_RULE, "ruleIndex": self._rule_index(INPUT_ERROR_RULE, None),
                "level": "error", "message": {"text": message},
                "locations": [self._location(record)],
                "partialFingerprints": {FINGERPRINT_KEY: hashlib.sha256(
                    f"{record.source.name}#{record.number}".encode()).hexdigest()[:32]},
                "properties": {"record": record.number},
            })
            if len(self.notifications) < 1000:
                self.notifications.append({"level": "error", "message": {"text": message},
                                           "locations": [self._location(record)]})
            return
        ordinals: dict[tuple[str, str], int] = {}
        for f in report.findings:
            key = (f.field, f.rule_id)
            ordinals[key] = ordinals.get(key, 0) + 1
            verdict: Verdict = ("block" if f.entity == DETECTOR_ERROR
                                else finding_verdict(f, self.policy))
            where = f"{f.field}[{f.start}:{f.end}]"
            post_label = report.post_id or f"record {record.number}"
            result: dict[str, Any] = {
                "ruleId": f.rule_id,
                "ruleIndex": self._rule_index(f.rule_id, f),
                "level": _LEVEL[verdict] if f.status == "flagged" else "note",
                # The explanation names rules, patterns and context words, never the match.
                "message": {"text": f"{f.entity} ({f.identifier.value}, "
                                    f"{f.identifier.description}) in {where} of post "
                                    f"{post_label}: {f.explanation}"},
                "locations": [self._location(record, f.field, f)],
                "partialFingerprints": {
                    FINGERPRINT_KEY: partial_fingerprint(record, f, ordinals[key])},
                "properties": {
                    "record": record.number, "postId": report.post_id, "field": f.field,
                    "start": f.start, "end": f.end, "identifier": f.identifier.value,
                    "entity": f.entity, "score": f.score, "verdict": verdict,
                    "postVerdict": report.verdict, "status": f.status,
                    "key": source_key(record, f.field),
                },
            }
            if f.status != "flagged":
                result["suppressions"] = [{
                    "kind": "inSource" if f.explanation.endswith(INLINE_NOTE) else "external",
                    "justification": f.explanation.rsplit("; ", 1)[-1],
                }]
            self._emit(result)
        for combination in report.combinations:
            self._emit(self._combination_result(record, report, combination))

    def _combination_result(self, record: Record, report: Report,
                            combination: Combination) -> dict[str, Any]:
        """A combination is a result of its own: it alone can make a post fail, so CI that
        fails on it shows what to fix, and a baseline can acknowledge it."""
        rule_id = COMBINATION_RULE_PREFIX + combination.name
        if rule_id not in self.rules:
            self.rules[rule_id] = {
                "id": rule_id, "name": _pascal(f"combination-{combination.name}"),
                "shortDescription": {"text": "Quasi-identifiers that together identify a "
                                             "person"},
                "properties": {"entities": combination.entities,
                               "tags": ["phi", "hipaa-safe-harbor", "combination"]},
            }
        post_label = report.post_id or f"record {record.number}"
        acknowledged = combination.explanation.endswith(BASELINE_NOTE)
        result: dict[str, Any] = {
            "ruleId": rule_id, "ruleIndex": list(self.rules).index(rule_id),
            "level": "note" if acknowledged else _LEVEL[combination.verdict],
            "message": {"text": f"Combination {combination.name} "
                                f"({', '.join(combination.entities)}) in post {post_label}: "
                                f"{combination.explanation}"},
            "locations": [self._location(record, "post")],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(
                _post_key(record), "post", rule_id, "1")},
            "properties": {"record": record.number, "postId": report.post_id,
                           "entities": combination.entities, "verdict": combination.verdict,
                           "postVerdict": report.verdict},
        }
        if acknowledged:
            result["suppressions"] = [{"kind": "external",
                                       "justification": BASELINE_NOTE.removeprefix("; ")}]
        return result

    def finish(self, summary: Summary) -> None:
        """Close the results, then write the tool, its rules and the invocation."""
        self.out.write("\n],\n")
        tool = {"driver": {
            "name": "phiguard", "version": __version__, "semanticVersion": __version__,
            "rules": list(self.rules.values()),
        }}
        invocation = {
            "executionSuccessful": not (summary.unreadable or summary.detector_errors),
            "toolExecutionNotifications": self.notifications,
            "properties": summary.as_dict(),
        }
        self.out.write(f'"tool": {json.dumps(tool)},\n')
        self.out.write(f'"invocations": [{json.dumps(invocation, ensure_ascii=False)}]\n'
                       "}]}\n")


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-"))


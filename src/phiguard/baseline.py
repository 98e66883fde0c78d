"""Acknowledged findings: a baseline file of reviewed fingerprints, and inline `phiguard_allow`.

A baseline records findings a person has reviewed, so `scan --baseline FILE` reports only new
ones. Combinations of quasi-identifiers are recorded too (rule `combination/<name>`, keyed on
the matches they combine), so a reviewed post never keeps the gate red with nothing to fix.

Each entry is a fingerprint of (post id, field, rule, normalised match), never a line
number or a timestamp (those churn: detect-secrets issue #92) and never the match itself:

    {"version": 1, "tool": "phiguard", "salt": "<random hex>", "keyed": false,
     "entries": [{"post_id": "ex-3", "field": "text", "rule": "email",
                  "fingerprint": "<hex>"}]}

The fingerprint is HMAC-SHA256 keyed with the file's salt (plus, when set, the secret in
$PHIGUARD_BASELINE_KEY). The salt stops one precomputed table from serving every baseline; it
does not stop someone holding the file from trying all 10^9 SSNs against one entry. Set
PHIGUARD_BASELINE_KEY (a CI secret) when baselines live where the posts' readers cannot go.

Inline suppression is a record-level key, `phiguard_allow`, naming rule ids (a list, or a string
separated by commas or spaces), never text inside the post, which would be published:

    {"id": "p-7", "text": "Questions? advocate@examplehealth.org", "phiguard_allow": "email"}

It never acknowledges a block-level finding: those must be fixed, or reviewed into a baseline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phiguard.detectors.patterns import canonical
from phiguard.errors import ConfigError
from phiguard.models import DETECTOR_ERROR, Combination, Finding, Post, Report
from phiguard.normalize import normalize
from phiguard.policy import Policy
from phiguard.scoring import combined_score, finding_verdict, verdict_for, worst

# NOTE: bumping this invalidates every baseline people have reviewed. Do it only with a reason.
BASELINE_VERSION = 1
KEY_ENV = "PHIGUARD_BASELINE_KEY"
DEFAULT_BASELINE = ".phiguard-baseline.json"
BASELINE_NOTE = "; acknowledged in the baseline"
INLINE_NOTE = "; acknowledged by the record's phiguard_allow"
INLINE_REFUSED = "; phiguard_allow ignored: a block-level finding cannot be acknowledged inline"
# Findings no acknowledgement may hide: a post that could not be checked is never passed.
NEVER_ACKNOWLEDGED = frozenset({DETECTOR_ERROR})
# A combination's entry in a baseline and its SARIF rule id: "combination/<name>".
COMBINATION_RULE_PREFIX = "combination/"


def _key(salt: str, keyed: bool) -> bytes:
    secret = os.environ.get(KEY_ENV, "")
    if keyed and not secret:
        raise ConfigError(f"the baseline was written with ${KEY_ENV} set; set it to the same "
                          "secret to use it")
    return (salt + (secret if keyed else "")).encode("utf-8")


@dataclass
class Baseline:
    """Fingerprints of reviewed findings."""

    salt: str
    keyed: bool = False
    entries: list[dict[str, Any]] = field(default_factory=list)
    _fingerprints: set[str] = field(default_factory=set)
    _hmac_key: bytes = b""

    def __post_init__(self) -> None:
        self._hmac_key = _key(self.salt, self.keyed)
        self._fingerprints = {str(e.get("fingerprint")) for e in self.entries}

    @classmethod
    def new(cls, salt: str | None = None) -> Baseline:
        """An empty baseline, keyed when $PHIGUARD_BASELINE_KEY is set."""
        return cls(salt=salt or secrets.token_hex(16), keyed=bool(os.environ.get(KEY_ENV)))

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        """Read a baseline file; a broken one is a configuration error (exit 3)."""
        path = Path(path)
        try:
            if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block forever
                raise ConfigError(f"baseline {path}: not a regular file")
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"baseline {path}: cannot be read ({exc.strerror})") from None
        except (ValueError, UnicodeDecodeError):
            raise ConfigError(f"baseline {path}: not a JSON file") from None
        if not isinstance(raw, dict) or raw.get("tool") != "phiguard":
            raise ConfigError(f"baseline {path}: not a phiguard baseline")
        if raw.get("version") != BASELINE_VERSION:
            raise ConfigError(f"baseline {path}: version {raw.get('version')!r} is not "
                              f"{BASELINE_VERSION}; write it again with `phiguard baseline`")
        entries = raw.get("entries")
        salt = raw.get("salt")
        if not isinstance(entries, list) or not isinstance(salt, str) or not salt or not all(
                isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
            raise ConfigError(f"baseline {path}: needs a 'salt' and a list of 'entries', each "
                              "with a 'fingerprint'")
        return cls(salt=salt, keyed=bool(raw.get("keyed")), entries=entries)

    def fingerprint(self, post: Post, finding: Finding) -> str:
        """HMAC of post id, field, rule and the normalised match: stable across line moves."""
        match = post.field_text(finding.field)[finding.start : finding.end]
        material = "\x1f".join((
            _post_key(post, self._hmac_key), finding.field, finding.rule_id,
            canonical(normalize(match).text),
        ))
        return hmac.new(self._hmac_key, material.encode("utf-8"), hashlib.sha256).hexdigest()

    def combination_fingerprint(self, post: Post, combination: Combination,
                                findings: Iterable[Finding]) -> str:
        """HMAC of post id, the combination's name and the normalised matches of its member
        findings: a combination stays acknowledged until what it combines changes."""
        members = sorted(
            canonical(normalize(post.field_text(f.field)[f.start : f.end]).text)
            for f in findings if f.entity in combination.entities)
        material = "\x1f".join((_post_key(post, self._hmac_key), COMBINATION_RULE_PREFIX
                                + combination.name, *members))
        return hmac.new(self._hmac_key, material.encode("utf-8"), hashlib.sha256).hexdigest()

    def __contains__(self, item: tuple[Post, Finding]) -> bool:
        return self.fingerprint(*item) in self._fingerprints

    def has_combination(self, post: Post, combination: Combination,
                        findings: Iterable[Finding]) -> bool:
        """Whether a reviewed baseline acknowledged this combination of this post."""
        return self.combination_fingerprint(post, combination, findings) in self._fingerprints

    def add(self, post: Post, findings: Iterable[Finding],
            combinations: Iterable[Combination] = ()) -> None:
        """Acknowledge findings and combinations of a post (block-level ones too: a baseline
        is a review)."""
        findings = list(findings)
        for f in findings:
            if f.status != "flagged" or f.entity in NEVER_ACKNOWLEDGED:
                continue
            self._add(post.id, f.field, f.rule_id, self.fingerprint(post, f))
        for c in combinations:
            if c.verdict != "pass":
                self._add(post.id, "post", COMBINATION_RULE_PREFIX + c.name,
                          self.combination_fingerprint(post, c, findings))

    def _add(self, post_id: str | None, field_name: str, rule: str, fingerprint: str) -> None:
        if fingerprint in self._fingerprints:
            return
        self._fingerprints.add(fingerprint)
        self.entries.append({"post_id": post_id, "field": field_name, "rule": rule,
                             "fingerprint": fingerprint})

    def dumps(self) -> str:
        """The file's text: sorted, so re-running on the same posts gives the same bytes."""
        entries = sorted(self.entries, key=lambda e: (
            str(e.get("post_id")), str(e.get("field")), str(e.get("rule")), e["fingerprint"]))
        document = {"version": BASELINE_VERSION, "tool": "phiguard", "salt": self.salt,
                    "keyed": self.keyed, "entries": entries}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _post_key(post: Post, key: bytes) -> str:
    if post.id:
        return post.id
    # No id: the post's own text stands for it (keyed, so the text cannot be read back).
    text = "\x1e".join(value for _, value in post.fields())
    return "text:" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def acknowledge(post: Post, report: Report, policy: Policy, *, baseline: Baseline | None = None,
                allow: Iterable[str] = ()) -> Report:
    """The report with baselined and inline-allowed findings marked `suppressed`, and its
    verdict and score recomputed. Block-level findings are never allowed inline, and a
    detector error is never acknowledged at all."""
    allowed = set(allow)
    if baseline is None and not allowed:
        return report
    findings: list[Finding] = []
    combinations = list(report.combinations)
    changed = False
    if baseline is not None:
        combinations = [_acknowledged(post, c, report.findings, baseline) for c in combinations]
        changed = tuple(combinations) != report.combinations
    for f in report.findings:
        if f.status == "flagged" and f.entity not in NEVER_ACKNOWLEDGED:
            if baseline is not None and (post, f) in baseline:
                f = f.model_copy(update={"status": "suppressed",
                                         "explanation": f.explanation + BASELINE_NOTE})
                changed = True
            elif f.rule_id in allowed:
                if finding_verdict(f, policy) == "block":
                    f = f.model_copy(update={"explanation": f.explanation + INLINE_REFUSED})
                else:
                    f = f.model_copy(update={"status": "suppressed",
                                             "explanation": f.explanation + INLINE_NOTE})
                changed = True
        findings.append(f)
    if not changed:
        return report
    verdict = worst(verdict_for(findings, policy), *(c.verdict for c in combinations))
    if any(f.entity in NEVER_ACKNOWLEDGED for f in findings):
        verdict = "block"
    return report.model_copy(update={"findings": tuple(findings), "verdict": verdict,
                                     "score": combined_score(findings),
                                     "combinations": combinations})


def _acknowledged(post: Post, combination: Combination, findings: Iterable[Finding],
                  baseline: Baseline) -> Combination:
    """The combination, passed with a note when the baseline acknowledged it."""
    if combination.verdict == "pass" or not baseline.has_combination(post, combination,
                                                                      findings):
        return combination
    return combination.model_copy(update={"verdict": "pass", "explanation":
                                          combination.explanation + BASELINE_NOTE})

"""Findings -> a report score -> a verdict, by the policy's thresholds."""

from __future__ import annotations

from collections.abc import Sequence

from phiguard.models import Combination, Finding, Verdict
from phiguard.policy import Policy

_RANK: dict[Verdict, int] = {"pass": 0, "review": 1, "block": 2}


def combined_score(findings: Sequence[Finding]) -> float:
    """Noisy-or of the flagged findings' scores: independent signals add up, never past 1."""
    remaining = 1.0
    for finding in findings:
        if finding.status == "flagged":
            remaining *= 1.0 - finding.score
    return round(1.0 - remaining, 4)


def finding_verdict(finding: Finding, policy: Policy) -> Verdict:
    """The verdict one finding alone calls for."""
    if finding.status != "flagged":
        return "pass"
    thresholds = policy.thresholds_for(finding.identifier)
    if finding.score >= thresholds.block:
        return "block"
    if finding.score >= thresholds.review:
        return "review"
    return "pass"


def worst(*verdicts: Verdict) -> Verdict:
    """The most severe of some verdicts."""
    return max(verdicts, key=_RANK.__getitem__, default="pass")


def verdict_for(findings: Sequence[Finding], policy: Policy,
                combinations: Sequence[Combination] = ()) -> Verdict:
    """Block if any finding reaches its block threshold; review if any, or all together, reach
    the review threshold; else pass. A combination of quasi-identifiers calls for at least its
    own verdict."""
    verdict = worst(*(finding_verdict(f, policy) for f in findings),
                    *(c.verdict for c in combinations))
    if verdict == "pass" and combined_score(findings) >= policy.thresholds.review:
        verdict = "review"
    return verdict

"""One field: its findings grouped into clusters, each planned as one replacement, spliced in.

Replacements are spliced in left to right, recording old and new offsets, so offsets never drift
and text outside the replacements is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from phiguard.models import Finding
from phiguard.redact.settings import Settings
from phiguard.redact.strategies import Cluster, treat

# A generalised value keeps part of the original (a year, a ZIP prefix).
GENERALISED = frozenset({"year", "age", "zip3", "state"})


def clusters(findings: Sequence[Finding], escalated: set[tuple[str, int, int]]) -> list[Cluster]:
    """Group findings into clusters of overlapping spans, left to right."""
    out: list[Cluster] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if out and finding.start < out[-1].end:
            cluster = out[-1]
            cluster.end = max(cluster.end, finding.end)
        else:
            cluster = Cluster(finding.start, finding.end)
            out.append(cluster)
        cluster.members.append(finding)
        if (finding.field, finding.start, finding.end) in escalated:
            cluster.escalated = True
    return out


@dataclass
class Planned:
    """One replacement: the original span, its new value, and why."""

    start: int
    end: int
    value: str
    winner: Finding
    treatment: str
    rule_ids: list[str]
    # Generalised values keep part of the original (a year, a ZIP prefix); a finding inside
    # one after redaction means the generalisation was not enough.
    generalised: bool


class FieldRedactor:
    """Plans and applies the replacements of one field."""

    def __init__(self, settings: Settings, field_name: str, text: str, reference: date) -> None:
        self.s = settings
        self.field = field_name
        self.text = text
        self.reference = reference
        # (start, end) of an address extended to its state -> the state as written.
        self.states: dict[tuple[int, int], str] = {}

    def plan(self, findings: Sequence[Finding],
             escalated: set[tuple[str, int, int]]) -> list[Planned]:
        """One planned replacement per cluster of the findings, left to right."""
        findings = [self._extend_address(f) for f in findings]
        return [self._plan_cluster(c) for c in clusters(findings, escalated)]

    def _extend_address(self, finding: Finding) -> Finding:
        # Safe Harbor keeps the state: "12 Elm St, Springfield, IL" -> "Illinois". The town before
        # the state is a subdivision smaller than a state, so it goes with the street.
        if self.s.strategy != "safe-harbor" or finding.entity != "STREET_ADDRESS":
            return finding
        after = self.s.state_pattern.match(self.text, finding.end, finding.end + 80)
        if after is None:
            return finding
        self.states[(finding.start, after.end())] = after.group("state")
        return finding.model_copy(update={"end": after.end()})

    def _plan_cluster(self, cluster: Cluster) -> Planned:
        winner = cluster.winner
        original = self.text[cluster.start : cluster.end]
        state = self.states.get((winner.start, winner.end))
        treatment, value = treat(self.s, cluster, original, self.reference, state)
        rule_ids = sorted({m.rule_id for m in cluster.members})
        return Planned(cluster.start, cluster.end, value, winner, treatment, rule_ids,
                       generalised=treatment in GENERALISED)

    def apply(self, planned: Sequence[Planned]) -> tuple[str, list[tuple[Planned, int, int]]]:
        """Splice the replacements in left to right; return the text and their new offsets."""
        pieces: list[str] = []
        placed: list[tuple[Planned, int, int]] = []
        position = 0
        length = 0
        for item in planned:
            gap = self.text[position : item.start]
            pieces.append(gap)
            length += len(gap)
            pieces.append(item.value)
            placed.append((item, length, length + len(item.value)))
            length += len(item.value)
            position = item.end
        pieces.append(self.text[position:])
        return "".join(pieces), placed

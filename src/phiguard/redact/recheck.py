"""One post over rounds: apply the plan, check the redacted post again, map what is still found
back to the original text, and redact again (at most `MAX_ROUNDS` times)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from phiguard.engine import check_many
from phiguard.errors import InputError
from phiguard.models import Finding, Post, Report
from phiguard.redact.occurrences import copies, every_occurrence, token_sources
from phiguard.redact.planning import FieldRedactor, Planned
from phiguard.redact.results import RedactionResult, Replacement
from phiguard.redact.settings import Settings
from phiguard.redact.tables import MAX_ROUNDS, needs_human

# The rule id of a copy of a redacted value that survives the rewrite.
SURVIVOR_RULE = "redact-survivor"


def check_report(post: Post, report: Report) -> None:
    """Refuse a report that belongs to another post or points outside its fields."""
    if report.post_id is not None and post.id is not None and report.post_id != post.id:
        raise InputError(f"report is for post {report.post_id!r}, not post {post.id!r}")
    lengths = dict((name, len(text)) for name, text in post.fields())
    for finding in report.findings:
        if finding.field not in lengths:
            raise InputError(f"report finding in field {finding.field!r}, which the post lacks")
        if not finding.start <= finding.end <= lengths[finding.field]:
            raise InputError(f"report finding {finding.rule_id!r} in field {finding.field!r} "
                             f"has offsets {finding.start}-{finding.end} outside the field")


@dataclass
class PostJob:
    """One post being redacted: its findings, the rounds' state, and the redacted post."""

    post: Post
    report: Report
    settings: Settings
    findings: list[Finding] = field(default_factory=list)
    escalated: set[tuple[str, int, int]] = field(default_factory=set)
    seen: set[tuple[str, int, int, str]] = field(default_factory=set)
    redacted: Post | None = None
    placed: dict[str, list[tuple[Planned, int, int]]] = field(default_factory=dict)
    residual: list[Finding] = field(default_factory=list)
    # Copies of a redacted value still in the redacted post, in original offsets.
    survivors: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.findings = [f for f in self.report.flagged if not needs_human(f)]
        self.seen = {(f.field, f.start, f.end, f.entity) for f in self.findings}

    def apply(self) -> None:
        """Rewrite every copy of every flagged value; a fake that repeats one is tagged."""
        copies_ = every_occurrence(self.post, self.findings)
        self.findings.extend(copies_)
        self.seen.update((f.field, f.start, f.end, f.entity) for f in copies_)
        for _attempt in range(3):
            self._splice()
            if not self._escalate_survivors():
                break
        self.survivors = self._survivors()

    def _splice(self) -> None:
        reference = self.post.posted_at.date() if self.post.posted_at else date.today()
        by_field: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_field.setdefault(finding.field, []).append(finding)
        texts: dict[str, str] = {}
        self.placed = {}
        for name, text in self.post.fields():
            redactor = FieldRedactor(self.settings, name, text, reference)
            planned = redactor.plan(by_field.get(name, []), self.escalated)
            texts[name], self.placed[name] = redactor.apply(planned)
        captions = tuple(texts[f"captions[{i}]"] for i in range(len(self.post.captions)))
        self.redacted = self.post.model_copy(update={"text": texts["text"], "captions": captions})

    def _copies(self) -> list[tuple[str, int, int, Finding]]:
        """Copies of a redacted token in the redacted post: (field, start, end, source)."""
        assert self.redacted is not None
        return copies(self.redacted, token_sources(self.post, self.findings))

    def _escalate_survivors(self) -> bool:
        """Tag a replacement that repeats a redacted token (a fake last name that is the post's
        real first name); True if any was."""
        escalated = False
        for name, start, end, _source in self._copies():
            item = self._replacement_at(name, start, end)
            if item is not None and item.treatment != "tag":
                span = (name, item.winner.start, item.winner.end)
                if span not in self.escalated:
                    self.escalated.add(span)
                    escalated = True
        return escalated

    def _survivors(self) -> list[Finding]:
        out = []
        for name, start, end, source in self._copies():
            item = self._replacement_at(name, start, end)
            if item is not None:
                start, end = item.start, item.end
            else:
                start, end = self._original_offsets(name, start, end)
            out.append(source.model_copy(update={
                "field": name, "start": start, "end": end, "rule_id": SURVIVOR_RULE,
                "explanation": "a copy of a redacted value survives the rewrite"}))
        return out

    def _replacement_at(self, name: str, start: int, end: int) -> Planned | None:
        for item, new_start, new_end in self.placed.get(name, []):
            if new_start < end and start < new_end:
                return item
        return None

    def _original_offsets(self, name: str, start: int, end: int) -> tuple[int, int]:
        shift = 0
        for item, new_start, new_end in self.placed.get(name, []):
            if new_start >= end:
                break
            shift += (new_end - new_start) - (item.end - item.start)
        return start - shift, end - shift

    def absorb(self, after: Report, final: bool) -> bool:
        """Map findings of the redacted post back to the original; True if any is new.

        On the `final` round nothing more will be applied: what is left needs a person."""
        self.residual = []
        new = False
        for finding in after.flagged:
            if needs_human(finding):
                # Still there after the rewrite (or newly raised by it): in original offsets.
                mapped = self._to_original(finding)
                if mapped is not None:
                    self.residual.append(mapped[0])
                continue
            mapped = self._to_original(finding)
            if mapped is None:
                continue
            original, escalate = mapped
            key = (original.field, original.start, original.end, original.entity)
            span = (original.field, original.start, original.end)
            if final or (key in self.seen and (not escalate or span in self.escalated)):
                # Already redacted this way and still found: more rounds will not help.
                self.residual.append(original)
                continue
            self.seen.add(key)
            if escalate:
                self.escalated.add(span)
            self.findings.append(original)
            new = True
        return new

    def _to_original(self, finding: Finding) -> tuple[Finding, bool] | None:
        placed = self.placed.get(finding.field, [])
        start = end = None
        shift = 0
        touched: list[Planned] = []
        for item, new_start, new_end in placed:
            if new_start <= finding.start and finding.end <= new_end:
                # Wholly inside one replacement: a tag, mask, hash or fake is no PHI; a
                # generalised value that is still flagged must be tagged instead.
                if not item.generalised:
                    return None
                return finding.model_copy(update={"start": item.start, "end": item.end}), True
            if start is None and finding.start < new_end:
                start = item.start if finding.start >= new_start else finding.start - shift
            if end is None and finding.end <= new_end:
                end = item.end if finding.end > new_start else finding.end - shift
            if finding.start < new_end and new_start < finding.end:
                touched.append(item)
            shift += (new_end - new_start) - (item.end - item.start)
        if start is None:
            start = finding.start - shift
        if end is None:
            end = finding.end - shift
        escalate = any(item.generalised for item in touched)
        return finding.model_copy(update={"start": start, "end": end}), escalate

    def result(self, after: Report | None) -> RedactionResult:
        """The redaction's result, with the re-check `after` it (None: not re-checked)."""
        assert self.redacted is not None
        replacements = [
            Replacement(field=name, start=item.start, end=item.end, new_start=new_start,
                        new_end=new_end, identifier=item.winner.identifier,
                        entity=item.winner.entity, treatment=item.treatment,
                        rule_ids=item.rule_ids)
            for name, placed in self.placed.items() for item, new_start, new_end in placed
        ]
        # The original report's, then any the re-check still raises, each once.
        unique: dict[tuple[str, int, int, str, str], Finding] = {}
        for f in [*(f for f in self.report.flagged if needs_human(f)), *self.residual,
                  *self.survivors]:
            unique.setdefault((f.field, f.start, f.end, f.entity, f.rule_id), f)
        human = sorted(unique.values(), key=Finding.sort_key)
        return RedactionResult(post=self.redacted, strategy=self.settings.strategy,
                               report=self.report, replacements=replacements,
                               needs_human=human, after=after)


def run(jobs: list[PostJob], settings: Settings, recheck: bool) -> list[RedactionResult]:
    """Redact every job; with `recheck`, check the redacted posts again, in rounds."""
    for job in jobs:
        job.apply()
    if not recheck:
        return [job.result(None) for job in jobs]
    afters: dict[int, Report] = {}
    pending = list(range(len(jobs)))
    for round_number in range(MAX_ROUNDS):
        posts = [jobs[i].redacted for i in pending]
        reports = list(check_many([p for p in posts if p is not None], policy=settings.policy))
        still = []
        for index, after in zip(pending, reports, strict=True):
            afters[index] = after
            job = jobs[index]
            if job.absorb(after, final=round_number == MAX_ROUNDS - 1):
                job.apply()
                still.append(index)
        pending = still
        if not pending:
            break
    return [job.result(afters.get(i)) for i, job in enumerate(jobs)]


"""Redaction: a Post of the same shape with each finding replaced. (First version: tags.)"""

from __future__ import annotations

from phiguard.engine import PostLike, as_post, check
from phiguard.models import Finding, Post, Report
from phiguard.policy import Policy


def _replace_spans(text: str, findings: list[Finding]) -> str:
    # Right to left, so earlier offsets stay valid; a span inside one already replaced is skipped.
    out = text
    last_start = len(text) + 1
    for finding in sorted(findings, key=lambda f: (f.start, -f.end), reverse=True):
        if finding.end > last_start or finding.start == finding.end:
            continue
        out = out[: finding.start] + f"[{finding.entity}]" + out[finding.end :]
        last_start = finding.start
    return out


def redact(post: PostLike, report: Report | None = None, *, policy: Policy | None = None) -> Post:
    """Replace every flagged finding of `report` (checked now if None) with its [ENTITY] tag."""
    post = as_post(post)
    report = report or check(post, policy=policy)
    by_field: dict[str, list[Finding]] = {}
    for finding in report.flagged:
        by_field.setdefault(finding.field, []).append(finding)
    text = _replace_spans(post.text, by_field.get("text", []))
    captions = [
        _replace_spans(caption, by_field.get(f"captions[{i}]", []))
        for i, caption in enumerate(post.captions)
    ]
    return post.model_copy(update={"text": text, "captions": captions})

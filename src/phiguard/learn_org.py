"""`phiguard learn-org EXPORT...`: propose an organisation pack from what an export repeats.

A hospital's own phone and fax numbers, web and mail domains, street addresses and clinicians
recur across its posts; a patient's details rarely do. This reads an export, finds those kinds of
text with the default policy, keeps only what it does not flag as a person's, and proposes what
recurs in at least `min_posts` posts as an organisation pack (allowlisted terms and domains), for
a person to review before use. Each proposal carries its count in a comment; nothing is written
to a log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from phiguard.detectors.context import host_of
from phiguard.engine import check_many
from phiguard.io.readers import expand_paths, read_records
from phiguard.models import Identifier, Post
from phiguard.policy import Policy

# What an organisation publishes about itself: the identifiers a proposal may contain.
_TERMS = frozenset({Identifier.PHONE, Identifier.FAX, Identifier.GEOGRAPHIC})
_DOMAINS = frozenset({Identifier.EMAIL, Identifier.URL})
_PLACE_ENTITIES = frozenset({"STREET_ADDRESS", "ZIP_CODE"})
_CLINICIAN_RULE = "name-clinician"


@dataclass
class Proposal:
    """Recurring details, each with the number of posts it appeared in."""

    posts: int = 0
    terms: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)
    staff: Counter[str] = field(default_factory=Counter)

    def pack(self, name: str, min_posts: int) -> str:
        """The proposal as a rule pack (YAML), with each entry's count as a comment."""
        keep = {kind: sorted(((k, n) for k, n in counter.items() if n >= min_posts),
                             key=lambda kv: (-kv[1], kv[0]))
                for kind, counter in (("terms", self.terms), ("domains", self.domains),
                                      ("staff", self.staff))}
        header = (
            f"# Proposed by `phiguard learn-org` from {self.posts} posts: details that recur in\n"
            f"# at least {min_posts} posts. Review every entry before use: a recurring detail is\n"
            "# usually the organisation's own, but not always. Staff names go to the policy's\n"
            "# `allow_staff` (they are listed here as comments).\n")
        body = yaml.safe_dump({
            "pack": name,
            "description": "The organisation's own contact details, proposed by learn-org.",
            "extends": ["safe-harbor", "names", "unique-characteristics", "disclosure", "owner"],
            "allow": {"terms": [k for k, _ in keep["terms"]],
                      "domains": [k for k, _ in keep["domains"]]},
        }, sort_keys=False, allow_unicode=True)
        counts = "".join(f"#   {k!r}: {n} posts\n" for kind in ("terms", "domains")
                         for k, n in keep[kind])
        staff = "".join(f"#   allow_staff: {k!r}  ({n} posts)\n" for k, n in keep["staff"])
        return (header + body + ("# Counts:\n" + counts if counts else "")
                + ("# Staff named with a clinician's title:\n" + staff if staff else ""))


def learn(paths: Iterable[str | Path], policy: Policy | None = None) -> Proposal:
    """Read the exports and count, per detail, the posts it appears in."""
    # The default layers: a detail they flag is a person's (a patient's number, a family's
    # page) and is never proposed, however often it recurs; so the proposal holds no PHI.
    policy = policy or Policy()
    posts: list[Post] = [r.post for r in read_records(expand_paths(paths)) if r.post is not None]
    proposal = Proposal(posts=len(posts))
    for post, report in zip(posts, check_many(posts, policy=policy), strict=True):
        fields = dict(post.fields())
        seen: dict[str, set[str]] = {"terms": set(), "domains": set(), "staff": set()}
        for f in report.findings:
            if f.status == "flagged":
                continue
            text = fields[f.field][f.start:f.end].strip().rstrip(".,;:")
            if f.identifier in _DOMAINS:
                seen["domains"].add(host_of(text).removeprefix("www."))
            elif f.identifier in _TERMS and (f.identifier is not Identifier.GEOGRAPHIC
                                             or f.entity in _PLACE_ENTITIES):
                seen["terms"].add(text)
            elif f.rule_id == _CLINICIAN_RULE:
                seen["staff"].add(text)
        for kind, values in seen.items():
            getattr(proposal, kind).update(v for v in values if v)
    return proposal


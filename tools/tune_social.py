"""The honest loop on social-dev: figures for both halves, errors for the tuning half only.

    python tools/tune_social.py [--errors] [--group GROUP] [--policy social|strict]
    python tools/tune_social.py --data OWN.jsonl [--errors]   # a set of our own, all tuning
    python tools/tune_social.py --data benchmarks/data/fresh-measure-a.jsonl  # figures only

Splits ../shared/data/social-dev.jsonl by id: odd ids are the tuning half, even ids the
measuring half. Prints, per half and per group, PHI posts gated (verdict review or block),
clean posts passed, and labelled spans found with the right letter. `--errors` prints the
tuning half's misses and false alarms, with their text, for local use only; the measuring half's
errors are never printed, by design: a rule written from them would measure nothing.
`--data` reads a labelled set of the project's own in social-dev's format instead (half "own",
all of it for tuning).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Any

import phiguard
from phiguard import Policy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.datasets import social_half  # noqa: E402  (odd ids tune, even ids measure)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "social-dev.jsonl"
# Sets of our own that are only measured, like social-dev's even half (benchmarks/data/README.md).
MEASURE_ONLY = "fresh-measure-"


def _half(record: dict[str, Any]) -> str:
    return record.get("half") or social_half(record["id"])


def letter_of(label: str) -> str:
    return "R" if label == "PATIENT_STATUS" else label


Tally = dict[tuple[str, str], collections.Counter[str]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--group")
    parser.add_argument("--label", help="only print span misses of this label")
    parser.add_argument("--policy", default="social")
    parser.add_argument("--data", type=Path, help="a labelled set of our own (all tuning)")
    parser.add_argument("--without", action="append", default=[],
                        choices=["disclosure_model", "patient_model"],
                        help="switch a trained model off, to see what it adds")
    args = parser.parse_args(argv)
    if args.errors and args.data is not None and args.data.name.startswith(MEASURE_ONLY):
        parser.error(f"{args.data.name} is a measuring set: its errors are never printed")
    policy = Policy.strict() if args.policy == "strict" else Policy()
    if args.without:
        policy = policy.model_copy(update=dict.fromkeys(args.without, False))
    path = args.data or DATA
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    if args.data:
        for record in records:
            record["half"] = "own"
    posts = [{k: r[k] for k in ("id", "text", "captions", "kind", "in_reply_to")
              if r.get(k) is not None} for r in records]
    reports = list(phiguard.check_many(posts, policy=policy, batch_size=64))
    stats: Tally = collections.defaultdict(collections.Counter)
    letters: Tally = collections.defaultdict(collections.Counter)
    for record, report in zip(records, reports, strict=True):
        half = _half(record)
        found = count(record, report, stats, letters)
        # The measuring half's errors are never printed.
        if args.errors and half in ("tune", "own") and args.group in (None, record["group"]):
            print_errors(record, report, found, args.label)
    print_figures(stats, letters)
    return 0


def count(record: dict[str, Any], report: phiguard.Report, stats: Tally,
          letters: Tally) -> list[bool]:
    """Add one post to the figures; per labelled span, was it found with the right letter."""
    half = _half(record)
    flagged = [f for f in report.findings if f.status == "flagged"]
    found = []
    for span in record["phi"]:
        want = letter_of(span["label"])
        hit = any(f.field == span["field"] and f.start < span["end"]
                  and span["start"] < f.end and f.identifier.value == want for f in flagged)
        found.append(hit)
        letters[(half, want)]["gold"] += 1
        letters[(half, want)]["found"] += hit
    for group in ("all", record["group"]):
        s = stats[(half, group)]
        if record["should_block"]:
            s["phi"] += 1
            s["gated"] += report.verdict != "pass"
        else:
            s["clean"] += 1
            s["passed"] += report.verdict == "pass"
        s["spans"] += len(found)
        s["spans_found"] += sum(found)
    return found


def print_errors(record: dict[str, Any], report: phiguard.Report, found: list[bool],
                 label: str | None) -> None:
    """A tuning post's wrong verdict or missed spans, with its text and what was flagged."""
    gated = report.verdict != "pass"
    misses = [s for s, hit in zip(record["phi"], found, strict=True) if not hit
              and (not label or s["label"] == label)]
    wrong = (record["should_block"] and not gated) or (not record["should_block"] and gated)
    if not wrong and not misses:
        return
    if label and not misses:
        return
    print(f"--- {record['id']} {record['group']} {record['kind']} "
          f"block={record['should_block']} verdict={report.verdict}")
    if record.get("in_reply_to"):
        print(f"  IN REPLY TO: {record['in_reply_to']}")
    print(f"  TEXT: {record['text']}")
    for i, caption in enumerate(record.get("captions") or []):
        print(f"  CAPTION {i}: {caption}")
    for span in misses:
        print(f"  MISSED {span['label']}: {span['text']!r} ({span['field']})")
    print_findings(record, report)
    if record.get("notes"):
        print(f"  NOTE: {record['notes']}")


def print_findings(record: dict[str, Any], report: phiguard.Report) -> None:
    """What was flagged, and what the patient filters took back."""
    fields = dict([("text", record["text"]), *((f"captions[{i}]", c) for i, c in
                                                 enumerate(record.get("captions") or []))])
    for f in report.findings:
        if f.status == "flagged":
            print(f"  FLAG {f.identifier.value} {f.entity} {f.rule_id} {f.score:.2f}: "
                  f"{fields[f.field][f.start:f.end]!r}")
    for f in report.findings:
        if f.status == "suppressed" and any(
                w in f.explanation for w in ("no patient's care", "organisation's own")):
            print(f"  SUPP {f.identifier.value} {f.entity} {f.rule_id}: "
                  f"{fields[f.field][f.start:f.end]!r}")


def print_figures(stats: Tally, letters: Tally) -> None:
    print(f"{'half':8} {'group':11} {'gated':>13} {'clean passed':>13} {'spans':>13}")
    for (half, group), s in sorted(stats.items()):
        print(f"{half:8} {group:11} {s['gated']:4}/{s['phi']:<4} {s['gated']/max(s['phi'],1):.2f}"
              f" {s['passed']:4}/{s['clean']:<4} {s['passed']/max(s['clean'],1):.2f}"
              f" {s['spans_found']:4}/{s['spans']:<4} {s['spans_found']/max(s['spans'],1):.2f}")
    for (half, letter), c in sorted(letters.items()):
        print(f"  {half:8} {letter:3} {c['found']:4}/{c['gold']:<4} "
              f"{c['found']/max(c['gold'], 1):.2f}")


if __name__ == "__main__":
    sys.exit(main())

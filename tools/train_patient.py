"""Rebuild models/patient/model: the owner stage's post classifier (about a patient, or not).

    python tools/train_patient.py                # train and copy the model
    python tools/train_patient.py --thresholds   # out-of-fold scores on social-dev's odd half

Training posts, each labelled PATIENT (speaks of a specific patient or a patient's relative) or
NOT (staff, volunteers, donors, events, the organisation, aggregates, advice):
- models/patient/data/handwritten*.jsonl: posts written by hand for this project, in contrast
  pairs (clinical words about staff and events; patient stories without the usual words);
- benchmarks/data/posts.jsonl: the project's labelled posts (PATIENT when they hold PHI);
- benchmarks/data/own-dev-*.jsonl: the project's tuning sets, written for it in social-dev's
  register (PATIENT when they hold PHI);
- the odd half of ../shared/data/social-dev.jsonl (sd-0001, sd-0003, ...), never the even half.
Each post is read as `phiguard.context.patient_model.model_text` gives it. `spacy train` runs
models/patient/config.cfg (bag of words and pairs, fixed seed) through train_disclosure.train,
MEMBERS times on the examples in a different (seeded) order, and the shipped model's weights are
the runs' mean (a bag of words is one linear layer, so this is the runs' mean logit at one
run's cost). One run's figures on a measuring set moved by several posts with the order alone;
the mean of three moves less.

The even half of social-dev and benchmarks/data/fresh-measure-*.jsonl are never trained on:
they measure. The owner stage's two thresholds (YES 0.8, NO 0.2) were chosen on the odd half
before it was trained on; `--thresholds` prints the odd half's out-of-fold scores (two models,
each trained without the half of the odd half it scores), about four minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datasets import TUNE, social_half  # noqa: E402  (the honest loop's split)
from train_disclosure import ROOT, SOCIAL_DEV, train  # noqa: E402

MODEL_DIR = ROOT / "models" / "patient"
MEMBERS = 7
QUANTILES = (0.02, 0.05, 0.1, 0.5, 0.9, 0.95, 0.98)
LABELS = ("PATIENT", "NOT")

sys.path.insert(0, str(ROOT / "src"))

from phiguard.context.patient_model import model_text  # noqa: E402


def _example(record: dict[str, Any], patient: bool) -> dict[str, Any]:
    return {"text": model_text(record.get("text") or "", record.get("captions") or []),
            "label": "PATIENT" if patient else "NOT"}


def odd_half() -> list[dict[str, Any]]:
    """social-dev's tuning half (odd ids) as examples; the even half is never read here."""
    out = []
    for line in SOCIAL_DEV.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if social_half(record["id"]) == TUNE:
            out.append(_example(record, bool(record["should_block"])))
    return out


def repository_examples() -> list[dict[str, Any]]:
    """The handwritten posts, the project's own labelled posts and its tuning sets."""
    handwritten = [json.loads(line) for path in sorted((MODEL_DIR / "data").glob(
        "handwritten*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines() if line]
    data = ROOT / "benchmarks" / "data"
    paths = [data / "posts.jsonl", *sorted(data.glob("own-dev-*.jsonl"))]
    own = [json.loads(line) for path in paths
           for line in path.read_text(encoding="utf-8").splitlines() if line]
    return ([_example(h, h["label"] == "PATIENT") for h in handwritten]
            + [_example(r, bool(r.get("phi"))) for r in own])


def thresholds() -> None:
    """Out-of-fold scores on the odd half, per label: the odd half in two folds, each scored by
    a model trained on everything but that fold (the shipped model trained on all of it, so its
    own scores there would flatter it)."""
    import spacy

    import phiguard.detectors.shipped_models  # noqa: F401  (registers the tokenizer)

    odd = odd_half()
    random.Random(0).shuffle(odd)
    folds = [odd[: len(odd) // 2], odd[len(odd) // 2:]]
    scored: dict[str, list[float]] = {label: [] for label in LABELS}
    with tempfile.TemporaryDirectory() as tmp:
        for index, fold in enumerate(folds):
            model = Path(tmp) / f"fold{index}"
            _train_members(repository_examples() + folds[1 - index], model)
            nlp = spacy.load(model)
            for example, doc in zip(fold, nlp.pipe(e["text"] for e in fold), strict=True):
                scored[example["label"]].append(doc.cats["PATIENT"])
    for label, values in scored.items():
        values.sort()
        marks = [values[int(q * (len(values) - 1))] for q in QUANTILES]
        print(label, len(values), "scores at", " / ".join(f"{q:.0%}" for q in QUANTILES), ":",
              " ".join(f"{m:.3f}" for m in marks))


def _train_members(examples: list[dict[str, Any]], target: Path) -> None:
    """MEMBERS runs on seeded orders of the examples, averaged into `target`."""
    with tempfile.TemporaryDirectory() as tmp:
        members = []
        for member in range(1, MEMBERS + 1):
            ordered = list(examples)
            random.Random(member).shuffle(ordered)
            members.append(Path(tmp) / str(member))
            train(ordered, MODEL_DIR, LABELS, target=members[-1])
        average(members, target)


def main() -> None:
    """Train the shipped model, or with --thresholds print out-of-fold scores on the odd half."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", action="store_true")
    args = parser.parse_args()
    if args.thresholds:
        thresholds()
        return
    _train_members(repository_examples() + odd_half(), MODEL_DIR / "model")


def average(members: list[Path], target: Path) -> None:
    """Write to `target` the first member with every member's mean weights."""
    import spacy

    import phiguard.detectors.shipped_models  # noqa: F401  (registers the tokenizer)

    loaded = [spacy.load(path) for path in members]
    layers = [next(node for node in nlp.get_pipe("textcat").model.walk()
                   if node.name == "sparse_linear") for nlp in loaded]
    for name in ("W", "b"):
        layers[0].set_param(name, sum(layer.get_param(name) for layer in layers) / len(layers))
    shutil.rmtree(target, ignore_errors=True)
    loaded[0].to_disk(target)


if __name__ == "__main__":
    main()

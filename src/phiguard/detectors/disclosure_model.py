"""The disclosure stage's trained sentence classifier: "states someone's care" or not.

Trained by tools/train_disclosure.py and shipped in the wheel (models/disclosure/model);
phiguard.detectors.shipped_models says how such a model is built, loaded and tokenized, and why a
missing one blocks the post.
"""

from __future__ import annotations

from collections.abc import Sequence

from phiguard.detectors.shipped_models import ShippedClassifier

MODEL = ShippedClassifier("disclosure", "DISCLOSES", "disclosure_model")


def score_sentences(texts: Sequence[str]) -> list[float]:
    """The probability that each sentence states a specific person's care."""
    return MODEL.score(texts)

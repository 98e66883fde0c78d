"""The disclosure stage's trained sentence classifier: "states someone's care" or not.

A small spaCy text classifier trained by tools/train_disclosure.py and shipped in the wheel
(models/disclosure/model); phiguard.detectors.shipped_models says how such a model is built,
loaded and tokenized, and why a missing one blocks the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from phiguard.detectors.pipelines import BoundedPipeline
from phiguard.detectors.shipped_models import (
    WordTokenizer,
    load_shipped,
    scores,
    shipped_dir,
)

__all__ = ["LABEL", "WordTokenizer", "model_dir", "score_sentences"]

LABEL = "DISCLOSES"


def model_dir() -> Path:
    """The shipped model's directory."""
    return shipped_dir("disclosure")


def _load() -> Any:
    return load_shipped(model_dir(), "disclosure", "disclosure_model")


_PIPELINE = BoundedPipeline(_load)


def score_sentences(texts: Sequence[str]) -> list[float]:
    """The probability that each sentence states a specific person's care."""
    return scores(_PIPELINE, LABEL, texts)

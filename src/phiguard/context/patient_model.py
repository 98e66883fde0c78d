"""The owner stage's trained post classifier: is this post about a specific patient?

A name, a date, an age over 89 or a town is PHI only as a patient's or a relative's
(LABELLING.md). The owner stage's word lists decide that from words such as "discharged" or a
clinical ending, and a hospital's posts are full of clinical words about staff, events and
buildings; a post about one patient may use none of them ("the day he got his new kidney").
This model reads the whole post (its text and captions) and scores how surely it speaks of a
specific patient or relative. It is trained by tools/train_patient.py on labelled posts in the
repository and shipped in the wheel (models/patient/model); see
phiguard.detectors.shipped_models for how it loads and why a missing one blocks the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from phiguard.detectors.pipelines import BoundedPipeline
from phiguard.detectors.shipped_models import load_shipped, scores, shipped_dir

LABEL = "PATIENT"


def model_text(text: str, captions: Sequence[str]) -> str:
    """What the model reads of a post: its text and captions (the same in training)."""
    return "\n".join([text, *captions])


def model_dir() -> Path:
    """The shipped model's directory."""
    return shipped_dir("patient")


def _load() -> Any:
    return load_shipped(model_dir(), "patient", "patient_model")


_PIPELINE = BoundedPipeline(_load)


def score_posts(texts: Sequence[str]) -> list[float]:
    """The probability that each post (as `model_text` gives it) is about a specific patient."""
    return scores(_PIPELINE, LABEL, texts)

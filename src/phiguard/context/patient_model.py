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

from phiguard.detectors.shipped_models import ShippedClassifier

MODEL = ShippedClassifier("patient", "PATIENT", "patient_model")


def model_text(text: str, captions: Sequence[str]) -> str:
    """What the model reads of a post: its text and captions (the same in training)."""
    return "\n".join([text, *captions])


def score_posts(texts: Sequence[str]) -> list[float]:
    """The probability that each post (as `model_text` gives it) is about a specific patient."""
    return MODEL.score(texts)

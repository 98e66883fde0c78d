"""The disclosure stage's trained sentence classifier: "states someone's care" or not.

A small spaCy text classifier (bag of words and word pairs) trained by
tools/train_disclosure.py and shipped in the wheel beside rules/ (models/disclosure/model). It
is loaded once per process, on the first sentence it is asked about, from the package: nothing
is downloaded. A missing or unreadable model raises, so the engine blocks the post (fail closed)
rather than silently checking on the rules alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from phiguard.errors import ConfigError

LABEL = "DISCLOSES"


def model_dir() -> Path:
    """The shipped model: inside the wheel, or under models/ at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "models" / "disclosure" / "model"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "models" / "disclosure" / "model"


@lru_cache(maxsize=1)
def _load() -> Any:
    import spacy

    path = model_dir()
    if not (path / "meta.json").is_file():
        raise ConfigError(f"the disclosure model is missing at {path}; reinstall phiguard or "
                          "set disclosure_model: false in the policy")
    return spacy.load(path)


def score_sentences(texts: Sequence[str]) -> list[float]:
    """The probability that each sentence states a specific person's care."""
    if not texts:
        return []
    nlp = _load()
    return [float(doc.cats.get(LABEL, 0.0)) for doc in nlp.pipe(texts, batch_size=64)]

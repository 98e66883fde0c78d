"""The disclosure stage's trained sentence classifier: "states someone's care" or not.

A small spaCy text classifier (a bag of lowercase words and word pairs) trained by
tools/train_disclosure.py and shipped in the wheel beside rules/ (models/disclosure/model). It
is loaded once per process, on the first sentence it is asked about, from the package: nothing
is downloaded. A missing or unreadable model raises, so the engine blocks the post (fail closed)
rather than silently checking on the rules alone.

Its tokenizer is registered here (spaCy's English one takes longer to load than the model):
words as the lexicon layer splits them, lowercased, so "YOUR MRI" reads as "your mri".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import regex
import spacy
from spacy.tokens import Doc
from spacy.util import registry

from phiguard.detectors.pipelines import BoundedPipeline
from phiguard.errors import ConfigError

LABEL = "DISCLOSES"
_TOKEN = regex.compile(r"\w+|[^\w\s]")


class WordTokenizer:
    """Lowercase words and single punctuation marks; nothing to save or load."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        """The text as lowercase word tokens (an empty text as one empty token)."""
        return Doc(self.vocab, words=[t.lower() for t in _TOKEN.findall(text)] or [""])

    def to_disk(self, path: Any, **kwargs: Any) -> None:
        """Nothing to save: the tokenizer is code."""

    def from_disk(self, path: Any, **kwargs: Any) -> WordTokenizer:
        """Nothing to load."""
        return self

    def to_bytes(self, **kwargs: Any) -> bytes:
        """Nothing to save."""
        return b""

    def from_bytes(self, data: bytes, **kwargs: Any) -> WordTokenizer:
        """Nothing to load."""
        return self


def word_tokenizer() -> Callable[[Any], WordTokenizer]:
    """The tokenizer factory the model's config names."""
    return lambda nlp: WordTokenizer(nlp.vocab)


registry.tokenizers.register("phiguard.word_tokenizer.v1", func=word_tokenizer)


def model_dir() -> Path:
    """The shipped model: inside the wheel, or under models/ at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "models" / "disclosure" / "model"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "models" / "disclosure" / "model"


def _load() -> Any:
    path = model_dir()
    if not (path / "meta.json").is_file():
        raise ConfigError(f"the disclosure model is missing at {path}; reinstall phiguard or "
                          "set disclosure_model: false in the policy")
    return spacy.load(path)


_PIPELINE = BoundedPipeline(_load)


def score_sentences(texts: Sequence[str]) -> list[float]:
    """The probability that each sentence states a specific person's care."""
    if not texts:
        return []
    with _PIPELINE.reading() as pipe:
        return [float(doc.cats.get(LABEL, 0.0)) for doc in pipe(texts, 64)]

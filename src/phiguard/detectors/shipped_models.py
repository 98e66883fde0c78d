"""The small text classifiers phiguard ships in its wheel, and the tokenizer they share.

Each is a spaCy text classifier (a bag of lowercase words and word pairs) trained by a script
under tools/ from data in the repository, and shipped beside rules/ (models/NAME/model):
- `disclosure`: does a reply's sentence state a specific person's care (the disclosure stage);
- `patient`: is a post about a specific patient or a patient's relative (the owner stage).

A model is loaded once per process, on first use, from the package: nothing is downloaded. A
missing or unreadable model raises ConfigError, so the engine blocks the post (fail closed)
rather than silently deciding on the rules alone.

The tokenizer is registered here (spaCy's English one takes longer to load than a model): words
as the lexicon layer splits them, lowercased, so "YOUR MRI" reads as "your mri".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import regex
import spacy
from spacy.tokens import Doc
from spacy.util import registry

from phiguard.detectors.pipelines import BoundedPipeline
from phiguard.errors import ConfigError

_TOKEN = regex.compile(r"\w+|[^\w\s]")
T = TypeVar("T")


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
    """The tokenizer factory the models' configs name."""
    return lambda nlp: WordTokenizer(nlp.vocab)


registry.tokenizers.register("phiguard.word_tokenizer.v1", func=word_tokenizer)


def shipped_dir(name: str) -> Path:
    """A shipped model: inside the wheel, or under models/ at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "models" / name / "model"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "models" / name / "model"


def load_shipped(path: Path, name: str, switch: str) -> Any:
    """Load the model at `path`, or raise naming the policy setting that turns it off."""
    if not (path / "meta.json").is_file():
        raise ConfigError(f"the {name} model is missing at {path}; reinstall phiguard or set "
                          f"{switch}: false in the policy")
    return spacy.load(path)


class ShippedClassifier:
    """One shipped classifier: where it lies, how it loads, what it scores.

    `pipeline` holds it for the process (read in memory zones, reloaded after its token budget:
    phiguard.detectors.pipelines); it loads on the first text it is asked about.
    """

    def __init__(self, name: str, label: str, switch: str) -> None:
        self.name = name
        self.label = label
        self.switch = switch  # the policy setting that turns it off, named in the error
        self.pipeline = BoundedPipeline(self.load)

    def directory(self) -> Path:
        """The model's directory: models/NAME/model in the wheel or the checkout."""
        return shipped_dir(self.name)

    def load(self) -> Any:
        """Load the model, or raise ConfigError naming the setting that turns it off."""
        return load_shipped(self.directory(), self.name, self.switch)

    def score(self, texts: Sequence[str]) -> list[float]:
        """The model's probability of its label for each text."""
        if not texts:
            return []
        with self.pipeline.reading() as pipe:
            return [float(doc.cats.get(self.label, 0.0)) for doc in pipe(texts, 64)]


class Prepared(Generic[T]):
    """What a stage's `prepare` computed for a batch (a model reads a batch far faster than one
    text at a time), kept by the identity of the post or field it belongs to until `take`.

    Threads may share a stage (the server), so the store is locked; an entry whose post never
    reached refine (a failed layer) is dropped when the store grows past `limit`.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self._kept: dict[int, tuple[object, T]] = {}
        self._lock = threading.Lock()
        self.limit = limit

    def put(self, items: Iterable[tuple[object, T]]) -> None:
        """Keep each value under its key object."""
        with self._lock:
            if len(self._kept) > self.limit:
                self._kept.clear()
            self._kept.update((id(key), (key, value)) for key, value in items)

    def take(self, key: object) -> T | None:
        """The value kept for this very object, once; None if there is none."""
        with self._lock:
            kept = self._kept.pop(id(key), None)
        return kept[1] if kept is not None and kept[0] is key else None

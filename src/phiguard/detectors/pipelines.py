"""spaCy pipelines held for a long run: memory stays bounded however many new words they read.

Every text a spaCy pipeline reads adds its new words to the vocabulary (a string and a lexeme
per word). A memory zone (spaCy 3.8) takes those back when the block ends, but the hash tables
that indexed them (preshed maps) never shrink: a deleted key leaves a tombstone that still counts
toward the next doubling. Over a scan of millions of new words, resident memory climbs in
steps (benchmarks/memory.py: 170 -> 277 MB over 4 million words inside zones). So a pipeline
here is also loaded afresh after it has read `budget` tokens: about 0.4 s every few tens of
thousands of posts, and the tables start small again (160-186 MB over the same 4 million words).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

# Tokens a pipeline reads before it is reloaded. A token adds at most one table entry, so this
# bounds the tombstones at half a million (a few tens of MB), at well under 1% of the time.
TOKEN_BUDGET = 500_000


class BoundedPipeline:
    """One spaCy pipeline, read in memory zones and reloaded after `budget` tokens.

    Zones cannot nest and docs must not outlive theirs, so threads sharing the pipeline take
    turns: `reading()` holds the lock for the whole block that reads and uses the docs.
    """

    def __init__(self, load: Callable[[], Any], budget: int = TOKEN_BUDGET) -> None:
        self._load = load
        self.budget = budget
        self._nlp: Any = None
        self._tokens = 0
        self._lock = threading.Lock()

    @property
    def nlp(self) -> Any:
        """The pipeline as it is now, loaded on first use (a reload replaces it)."""
        nlp = self._nlp
        if nlp is None:
            with self._lock:
                nlp = self._current()
        return nlp

    def _current(self) -> Any:
        if self._nlp is None:
            self._nlp = self._load()
            self._tokens = 0
        return self._nlp

    @contextmanager
    def reading(self) -> Iterator[Callable[[Iterable[str], int], Iterator[Any]]]:
        """A block that reads texts with `pipe(texts, batch_size)`; its words leave the
        vocabulary when the block ends, and the pipeline is reloaded once over budget."""
        with self._lock:
            nlp = self._current()

            def pipe(texts: Iterable[str], batch_size: int) -> Iterator[Any]:
                for doc in nlp.pipe(texts, batch_size=batch_size):
                    self._tokens += len(doc)
                    yield doc

            with nlp.memory_zone():
                yield pipe
            if self._tokens >= self.budget:
                self._nlp = None  # the next block loads a fresh copy; this one is freed

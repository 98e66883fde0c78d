"""A spaCy pipeline held for a long run is reloaded after its token budget, between blocks."""

from __future__ import annotations

from typing import Any

import spacy

from phiguard.detectors.pipelines import BoundedPipeline


def _blank() -> Any:
    return spacy.blank("en")


def test_a_pipeline_is_reloaded_once_it_has_read_its_budget_and_not_before() -> None:
    loads: list[Any] = []

    def load() -> Any:
        loads.append(_blank())
        return loads[-1]

    pipeline = BoundedPipeline(load, budget=10)
    with pipeline.reading() as pipe:
        assert [len(doc) for doc in pipe(["one two three", "four five"], 8)] == [3, 2]
    assert len(loads) == 1 and pipeline.nlp is loads[0]
    with pipeline.reading() as pipe:
        list(pipe(["six seven eight nine ten"], 8))  # ten tokens read: over budget
    assert pipeline.nlp is loads[1]  # the next block reads with a fresh copy
    assert len(loads) == 2


def test_words_read_in_a_block_leave_the_vocabulary() -> None:
    pipeline = BoundedPipeline(_blank)
    strings = pipeline.nlp.vocab.strings
    before = len(strings)
    with pipeline.reading() as pipe:
        docs = list(pipe(["zqxwv plorbit snargle"], 8))
        assert docs[0][0].text == "zqxwv"
    assert len(strings) == before


def test_prepared_scores_are_taken_once_and_only_by_the_same_object() -> None:
    from phiguard.detectors.shipped_models import Prepared

    first, twin = ["a post"], ["a post"]  # equal, but not the same object
    kept: Prepared[float] = Prepared(limit=2)
    kept.put([(first, 0.9)])
    assert kept.take(twin) is None
    assert kept.take(first) == 0.9
    assert kept.take(first) is None  # taken once: a later batch asks the model again
    kept.put([([1], 0.1), ([2], 0.2), ([3], 0.3)])
    kept.put([(first, 0.5)])  # over the limit: what no refine took is dropped, not kept forever
    assert kept.take(first) == 0.5

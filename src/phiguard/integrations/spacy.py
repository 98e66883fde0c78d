"""The `"phiguard"` spaCy pipeline component: phiguard's findings as `doc.spans["phi"]`.

    nlp = spacy.load("en_core_web_sm")
    nlp.add_pipe("phiguard")              # after "ner"; config: {"policy": "strict"}
    doc = nlp("Happy 97th birthday to our patient Rose!")
    [(s.text, s.label_, s._.phi_identifier, s._.phi_score) for s in doc.spans["phi"]]
    doc._.phi_verdict                     # "pass" | "review" | "block"

Each span's label is phiguard's entity; `span._.phi_identifier` (the Safe Harbor letter),
`phi_score`, `phi_explanation` and `phi_rule` say why. Only flagged findings become spans.

The component shares the pipeline's model: phiguard's NER layer reads the entities the
pipeline's own `ner` already put on the doc, and for text it sees differently (folded look-alike
characters, a shouted post lowercased) runs that same `ner` again, never loading a second
model. spaCy finds the factory through the `spacy_factories` entry point, so `add_pipe` works
without importing phiguard first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.ner import NerDetector, _model_text
from phiguard.engine import check, register_layer
from phiguard.errors import ConfigError
from phiguard.models import DETECTOR_ERROR
from phiguard.policy import DEFAULT_POLICY, Policy

__all__ = ["PhiguardComponent", "make_phiguard"]

_SPAN_ATTRIBUTES = ("phi_identifier", "phi_score", "phi_explanation", "phi_rule")
_DOC_ATTRIBUTES = ("phi_verdict", "phi_score")
for _name in _SPAN_ATTRIBUTES:
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
for _name in _DOC_ATTRIBUTES:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

_PROFILES: dict[str, Callable[[], Policy]] = {
    "social": Policy, "strict": Policy.strict, "clinical": Policy.clinical}


@Language.factory("phiguard", default_config={"policy": None, "spans_key": "phi"})
def make_phiguard(nlp: Language, name: str, policy: str | None,
                  spans_key: str) -> PhiguardComponent:
    """Build the component. `policy`: a profile ("social", "strict", "clinical") or the path of
    a policy YAML file; None is the default social policy."""
    return PhiguardComponent(nlp, name, _policy(policy), spans_key)


def _policy(policy: str | None) -> Policy:
    if policy is None:
        return DEFAULT_POLICY
    profile = _PROFILES.get(policy)
    return profile() if profile is not None else Policy.from_file(policy)


class PhiguardComponent:
    """Runs phiguard on each doc's text and stores its findings as a span group."""

    def __init__(self, nlp: Language, name: str, policy: Policy, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.shared_ner: SharedNer | None = None
        if "ner" in policy.layers:
            if "ner" not in nlp.pipe_names:
                raise ConfigError(f"component {name!r}: the policy's 'ner' layer needs the "
                                  "pipeline's own 'ner' component (add phiguard after one), "
                                  "or a policy without the 'ner' layer")
            shared = self.shared_ner = SharedNer(nlp, skip=name)
            # A layer of its own through the public API: this pipeline's model, not a second.
            layer = f"ner-shared-{id(self):x}"
            register_layer(layer, lambda policy, pack: shared, replace=True)
            policy = policy.model_copy(update={
                "layers": [layer if item == "ner" else item for item in policy.layers]})
        self.policy = policy

    def __call__(self, doc: Doc) -> Doc:
        """Check the doc's text and put the flagged findings in doc.spans[spans_key]."""
        if self.shared_ner is not None and doc.has_annotation("ENT_IOB"):
            self.shared_ner.ready = {doc.text: doc}
        try:
            report = check(doc.text, policy=self.policy)
        finally:
            if self.shared_ner is not None:
                self.shared_ner.ready = {}
        spans = []
        for finding in report.flagged:
            span: Span | None
            if finding.entity == DETECTOR_ERROR:
                # Fail closed where spaCy users look: a span over the whole unchecked text.
                span = Span(doc, 0, len(doc), label=finding.entity)
            else:
                span = doc.char_span(finding.start, finding.end, label=finding.entity,
                                     alignment_mode="expand")
            if span is None:
                continue
            span._.phi_identifier = finding.identifier.value
            span._.phi_score = finding.score
            span._.phi_explanation = finding.explanation
            span._.phi_rule = finding.rule_id
            spans.append(span)
        doc.spans[self.spans_key] = spans
        doc._.phi_verdict = report.verdict
        doc._.phi_score = report.score
        return doc


class SharedNer(NerDetector):
    """phiguard's NER layer on a pipeline that is already loaded (the component's own)."""

    def __init__(self, nlp: Language, skip: str, batch_size: int = 256) -> None:
        # Not NerDetector.__init__: there is no package to find, the model is here.
        self.nlp = nlp
        self.model = str(nlp.meta.get("name", "pipeline"))
        self.batch_size = batch_size
        # What `ner` needs to run again: itself and any tok2vec it listens to.
        needed = {"ner"} | {n for n, proc in nlp.pipeline
                            if "ner" in getattr(proc, "listening_components", ())}
        self.disable = [n for n in nlp.pipe_names if n not in needed or n == skip]
        # doc.text -> a doc the pipeline's `ner` has already annotated (set per call).
        self.ready: dict[str, Doc] = {}

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        """The pipeline's entities for each field, reusing a doc it has already annotated."""
        out: list[list[Candidate]] = [[] for _ in fields]
        todo: list[tuple[int, str]] = []
        for index, field in enumerate(fields):
            if not field.plain.text.strip():
                continue
            text = _model_text(field.plain.text)
            doc = self.ready.get(text)
            if doc is not None:
                self._collect(field, doc, out[index])
            else:
                todo.append((index, text))
        docs: Any = self.nlp.pipe((text for _, text in todo), disable=self.disable,
                                  batch_size=self.batch_size)
        for (index, _), doc in zip(todo, docs, strict=True):
            self._collect(fields[index], doc, out[index])
        return out

"""check / check_many orchestration: posts -> fields -> layers -> policy -> reports. No I/O here."""

from __future__ import annotations

import itertools
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from pydantic import ValidationError

from phiguard.combinations import report_combinations
from phiguard.detectors.base import Candidate, Detector, FieldText, LayerCandidate, PostStage
from phiguard.detectors.context import host_of
from phiguard.detectors.names import REPEAT_RULE as NAME_REPEAT_RULE
from phiguard.detectors.ner import NER_LABELS
from phiguard.detectors.patterns import PatternDetector, canonical
from phiguard.detectors.place_date_context import REPEAT_RULE as PLACE_REPEAT_RULE
from phiguard.errors import ConfigError, InputError, PhiguardError
from phiguard.models import (
    DETECTOR_ERROR,
    PATIENT_POST,
    Finding,
    Identifier,
    LayerError,
    Post,
    Report,
)
from phiguard.normalize import Normalized, normalize
from phiguard.policy import DEFAULT_POLICY, Policy
from phiguard.rulepacks.loader import LoadedPack, load_rulepack, merge_lists
from phiguard.scoring import combined_score, verdict_for
from phiguard.tags import ENTITY_TAGS, TAG_PATTERN, inside_tag, tag_name

PostLike = Post | str | Mapping[str, Any]
LayerFactory = Callable[[Policy, LoadedPack], "Detector | PostStage"]


def _patterns(policy: Policy, pack: LoadedPack) -> Detector:
    return PatternDetector(pack)


def _ner(policy: Policy, pack: LoadedPack) -> Detector:
    from phiguard.detectors.ner import NerDetector  # spaCy loads on first detect, not here

    return NerDetector(policy.model)


def _name_context(policy: Policy, pack: LoadedPack) -> PostStage:
    from phiguard.detectors.names import NameContext

    return NameContext(policy, pack)


def _place_date_context(policy: Policy, pack: LoadedPack) -> PostStage:
    from phiguard.detectors.place_date_context import PlaceDateContext

    return PlaceDateContext(policy, pack)


def _owner(policy: Policy, pack: LoadedPack) -> PostStage:
    from phiguard.context.owner import OwnerStage

    return OwnerStage(policy, pack)


def _lexicon(policy: Policy, pack: LoadedPack) -> Detector:
    from phiguard.detectors.lexicon import LexiconDetector

    return LexiconDetector(pack)


def _disclosure(policy: Policy, pack: LoadedPack) -> PostStage:
    from phiguard.detectors.disclosure import DisclosureStage

    return DisclosureStage(policy, pack)


def _characteristics(policy: Policy, pack: LoadedPack) -> PostStage:
    from phiguard.detectors.characteristics import CharacteristicsStage

    return CharacteristicsStage(policy, pack)


# Layer name (as in Policy.layers) -> factory. Field-level detectors and post-level stages both
# register here; the engine tells them apart by their method.
LAYERS: dict[str, LayerFactory] = {
    "patterns": _patterns,
    "ner": _ner,
    "name-context": _name_context,
    "place-date-context": _place_date_context,
    "lexicon": _lexicon,
    "disclosure": _disclosure,
    "owner": _owner,
    "characteristics": _characteristics,
}
# Installed packages add layers under this entry-point group: name = layer name, value = factory.
ENTRY_POINT_GROUP = "phiguard.layers"


def register_layer(name: str, factory: LayerFactory, *, replace: bool = False) -> None:
    """Add a detection layer that a policy can name in `layers`.

    `factory(policy, pack)` builds the layer once per policy and process. A field-level layer
    has a `name` and `detect(fields) -> list[list[phiguard.Candidate]]` (one list per field,
    offsets into `field.text`); a post-level stage has `refine` instead. A name already taken
    is an error unless `replace=True`, so a plug-in cannot silently swap out a built-in layer.
    """
    if not name or not isinstance(name, str):
        raise ConfigError("a layer name must be a non-empty string")
    if name in LAYERS and not replace:
        raise ConfigError(f"layer {name!r} is already registered; choose another name or "
                          "pass replace=True")
    LAYERS[name] = _accepting_layer_candidates(factory)
    # A pipeline built before holds the old layer: drop every cached pipeline that uses it.
    for key in [k for k, p in _PIPELINES.items() if name in p.policy.layers]:
        del _PIPELINES[key]


def _accepting_layer_candidates(factory: LayerFactory) -> LayerFactory:
    """Wrap a factory so its detector may return frozen LayerCandidates as well as Candidates."""

    def build(policy: Policy, pack: LoadedPack) -> Detector | PostStage:
        layer = factory(policy, pack)
        return _LayerAdapter(cast(Detector, layer)) if hasattr(layer, "detect") else layer

    return build


class _LayerAdapter:
    """A registered field-level layer, its frozen candidates turned into the engine's own."""

    def __init__(self, layer: Detector) -> None:
        self.layer = layer
        self.name = str(getattr(layer, "name", "") or type(layer).__name__)

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        found = self.layer.detect(fields)
        if len(found) != len(fields):
            raise ValueError(f"layer {self.name!r} returned {len(found)} lists for "
                             f"{len(fields)} fields")
        return [[c.on(f, self.name) if isinstance(c, LayerCandidate) else c for c in cands]
                for f, cands in zip(fields, found, strict=True)]


_entry_points_seen: list[Any] | None = None
_FROM_PACKAGES: set[str] = set()  # layer names registered from an entry point


def _declared(name: str, refresh: bool) -> list[Any]:
    """The entry points declaring layer `name`; the installed set is read again on `refresh`."""
    global _entry_points_seen
    if refresh or _entry_points_seen is None:
        from importlib.metadata import entry_points

        _entry_points_seen = list(entry_points(group=ENTRY_POINT_GROUP))
    return [e for e in _entry_points_seen if e.name == name]


def _layer_factory(name: str, policy: Policy) -> LayerFactory:
    """The factory of a layer a policy names: registered, else from an installed package.

    Only the entry point a policy names is imported. A package may not declare a name that is
    already registered (a built-in layer's, or one from register_layer), and two packages may
    not declare the same one: either is an error naming the package, never a silent swap.
    """
    declared = _declared(name, refresh=name not in LAYERS)
    owners = ", ".join(sorted(_distribution(e) for e in declared))
    if name in LAYERS:
        if declared and name not in _FROM_PACKAGES:
            raise ConfigError(f"layer {name!r} is already registered, and installed package "
                              f"{owners} declares it too; uninstall it or rename its layer")
        return LAYERS[name]
    if not declared:
        known = ", ".join(sorted({*LAYERS, *(e.name for e in _entry_points_seen or [])}))
        raise ConfigError(f"policy {policy.name!r}: unknown layer {name!r}; "
                          f"known layers: {known}")
    if len(declared) > 1:
        raise ConfigError(f"layer {name!r} is declared by more than one installed package "
                          f"({owners}); uninstall one")
    try:
        factory = declared[0].load()
    except Exception as exc:  # noqa: BLE001 - name the package, not a traceback from inside it
        raise ConfigError(f"layer {name!r} from package {owners} cannot be loaded "
                          f"({type(exc).__name__})") from None
    if not callable(factory):
        raise ConfigError(f"layer {name!r} from package {owners}: {declared[0].value} is not "
                          "a factory")
    register_layer(name, factory)
    _FROM_PACKAGES.add(name)
    return LAYERS[name]


def _distribution(entry: Any) -> str:
    dist = getattr(entry, "dist", None)
    return str(getattr(dist, "name", None) or entry.value)

# Rule ids that layers give findings outside the packs (the NER layer's are "ner-<label>").
LAYER_RULE_IDS = frozenset({NAME_REPEAT_RULE, PLACE_REPEAT_RULE})


def as_post(value: PostLike) -> Post:
    """Accept a Post, a plain string, or a dict with Post's keys."""
    if isinstance(value, Post):
        return value
    if isinstance(value, str):
        return Post(text=value)
    if isinstance(value, Mapping):
        try:
            return Post.model_validate(dict(value))
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"]) or "post"
            raise InputError(f"post key {key!r}: {error['msg']}") from None
    raise InputError(f"cannot check a {type(value).__name__}; pass a Post, str or dict")


@dataclass
class Pipeline:
    """The layers and allowlists one policy runs, built once per policy and process."""

    policy: Policy
    pack: LoadedPack
    detectors: list[Detector] = field(default_factory=list)
    stages: list[PostStage] = field(default_factory=list)
    allow_terms: frozenset[str] = frozenset()
    allow_domains: tuple[str, ...] = ()
    tag_names: frozenset[str] = frozenset()

    @classmethod
    def build(cls, policy: Policy) -> Pipeline:
        """Load the policy's packs and construct its layers."""
        packs = [load_rulepack(name) for name in policy.all_packs]
        merged = _merge_packs(packs)
        pipeline = cls(policy, merged)
        for name in policy.layers:
            layer = _layer_factory(name, policy)(policy, merged)
            if hasattr(layer, "detect"):
                pipeline.detectors.append(cast(Detector, layer))
            else:
                pipeline.stages.append(layer)
        allow = [*merged.allow.terms, *policy.allow_terms]
        pipeline.allow_terms = frozenset(canonical(t) for t in allow)
        pipeline.allow_domains = tuple(
            d.lower().lstrip(".") for d in (*merged.allow.domains, *policy.allow_domains))
        pipeline.tag_names = _tag_names(merged)
        return pipeline

    def run(self, posts: Sequence[Post]) -> list[Report]:
        """Check a batch of posts; every layer sees every field of the batch at once."""
        failed: dict[int, list[LayerError]] = {}
        fields, controls = self._fields(posts, failed)
        per_post: list[list[Candidate]] = [[] for _ in posts]
        for detector in self.detectors:
            for field_text, found in zip(fields, self._detect(detector, fields, failed),
                                         strict=True):
                if field_text.keep is not None:
                    found = [c for c in found if _kept(c)]
                per_post[field_text.post_index].extend(found)
        self._prepare(posts, fields)
        reports = []
        for index, post in enumerate(posts):
            post_fields = [f for f in fields if f.post_index == index]
            candidates = self._refine(post, index, post_fields, per_post[index], failed)
            reports.append(self._report(post, candidates, failed.get(index, []),
                                        controls[index]))
        return reports

    def _fields(self, posts: Sequence[Post], failed: dict[int, list[LayerError]],
                ) -> tuple[list[FieldText], list[list[Finding]]]:
        """Every field of the batch, normalised, in windows; and each post's bidi findings."""
        fields: list[FieldText] = []
        controls: list[list[Finding]] = [[] for _ in posts]
        size, overlap = self.policy.max_post_chars, self.policy.window_overlap
        for index, post in enumerate(posts):
            reference = post.posted_at.date() if post.posted_at else date.today()
            for name, text in post.fields():
                for offset, window, keep in _windows(text, size, overlap):
                    try:
                        norm = normalize(window)
                    except Exception as exc:  # noqa: BLE001 - unchecked text must not pass
                        _fail(failed, index, "normalize", name, exc)
                        norm = Normalized(window, window)
                    fields.append(FieldText(post, index, name, norm, reference, offset, keep))
                    if norm.controls:  # one finding says it; one per control would flood
                        controls[index].append(self._bidi_finding(name, offset, norm.controls))
        return fields, controls

    def _prepare(self, posts: Sequence[Post], fields: Sequence[FieldText]) -> None:
        """Let a stage that can work a batch at once (a model) do so before it refines posts."""
        for stage in self.stages:
            prepare = getattr(stage, "prepare", None)
            if prepare is None:
                continue
            try:
                prepare(posts, fields)
            except Exception:  # noqa: BLE001,S112 - an optimisation only: refine does the work
                continue       # again per post, where a failure blocks that post (fail closed)

    def _refine(self, post: Post, index: int, post_fields: list[FieldText],
                candidates: list[Candidate],
                failed: dict[int, list[LayerError]]) -> list[Candidate]:
        """The context stages in turn, until one fails (the post is then blocked)."""
        for stage in self.stages:
            if index in failed:
                break
            try:
                candidates = stage.refine(post, post_fields, candidates)
            except Exception as exc:  # noqa: BLE001 - a crash must fail closed, not pass
                _fail(failed, index, stage.name, None, exc)
        return candidates

    def _detect(self, detector: Detector, fields: list[FieldText],
                failed: dict[int, list[LayerError]]) -> list[list[Candidate]]:
        try:
            return detector.detect(fields)
        except Exception:  # noqa: BLE001 - isolate the failing post, check the others
            results: list[list[Candidate]] = []
            for field_text in fields:
                try:
                    results.append(detector.detect([field_text])[0])
                except Exception as exc:  # noqa: BLE001
                    _fail(failed, field_text.post_index, detector.name, field_text.field, exc)
                    results.append([])
            return results

    def _redacted(self, post: Post) -> bool:
        """Does the post hold a tag this policy's redaction writes ("[NAME]")?"""
        return any(found.group(1) in self.tag_names for _, text in post.fields()
                   for found in TAG_PATTERN.finditer(text))

    def _report(self, post: Post, candidates: list[Candidate],
                errors: list[LayerError], controls: list[Finding]) -> Report:
        if any(c.entity == PATIENT_POST for c in candidates) and self._redacted(post):
            # The model's "about a patient, yet nothing found" says nothing of a redacted post:
            # its identifiers were found, and the tags stand where they were.
            candidates = [c for c in candidates if c.entity != PATIENT_POST]
        findings = _resolve_overlaps(_deduplicate([
            self._finding(c) for c in candidates
            if c.score >= self.policy.min_score
            and not inside_tag(c.field.text, c.start, c.end, self.tag_names)
        ] + controls))
        # Fail closed: a post we could not fully check is never passed. The finding names the
        # layer and the exception type only, never its message, which may quote the post.
        findings.extend(Finding(
            field=error.field or "text", start=0, end=0, identifier=Identifier.OTHER_UNIQUE,
            entity=DETECTOR_ERROR, score=1.0, rule_id="detector-error", layer="error",
            explanation=f"detector {error.layer}: {error.error} failed"
                        f"{f' on {error.field}' if error.field else ''}; the post is blocked "
                        "until it can be checked",
        ) for error in errors)
        findings.sort(key=Finding.sort_key)
        combinations = report_combinations(
            findings, post, self.policy.combinations, self.policy.quasi_identifiers)
        verdict = "block" if errors else verdict_for(findings, self.policy, combinations)
        return Report(post_id=post.id, verdict=verdict, score=combined_score(findings),
                      combinations=tuple(combinations), findings=tuple(findings),
                      errors=tuple(errors))

    def _bidi_finding(self, field_name: str, offset: int, positions: tuple[int, ...]) -> Finding:
        # Detection reads the display order, but a control that reorders text has no business
        # in a post: a person looks at it. The explanation names the character class only.
        review = self.policy.thresholds_for(Identifier.OTHER_UNIQUE).review
        count = "an invisible bidirectional control character changes" if len(positions) == 1 \
            else f"{len(positions)} invisible bidirectional control characters change"
        return Finding(
            field=field_name, start=offset + positions[0], end=offset + positions[0] + 1,
            identifier=Identifier.OTHER_UNIQUE, entity="BIDI_CONTROL", score=max(review, 0.5),
            rule_id="bidi-control", layer="normalize",
            explanation=f"{count} the order the text is displayed in; check what readers see",
        )

    def _finding(self, c: Candidate) -> Finding:
        start, end = c.field.norm.to_original(c.start, c.end)
        start, end = start + c.field.offset, end + c.field.offset
        status = c.status
        explanation = c.explanation
        if status == "flagged" and self._allowlisted(c):
            status = "suppressed"
            explanation += "; on an allowlist of the policy or its rule packs"
        return Finding(
            field=c.field.field, start=start, end=end, identifier=c.identifier, entity=c.entity,
            score=c.score, rule_id=c.rule_id, layer=c.layer, explanation=explanation,
            status=status,  # type: ignore[arg-type]
        )

    def _allowlisted(self, c: Candidate) -> bool:
        if canonical(c.text) in self.allow_terms:
            return True
        if self.allow_domains and c.identifier in (Identifier.URL, Identifier.EMAIL):
            host = host_of(c.text)
            return any(host == d or host.endswith("." + d) for d in self.allow_domains)
        return False


def _windows(text: str, size: int,
             overlap: int) -> list[tuple[int, str, tuple[int, int] | None]]:
    """(offset, window text, kept span in window coordinates) for each window of a field.

    Each window keeps the spans that start between the middles of its two overlaps, so the
    kept spans tile the field exactly and every span shorter than half the overlap is found
    whole by the window that keeps it. A field that fits is one window with no kept span.
    """
    if len(text) <= size:
        return [(0, text, None)]
    # At least half of each window is its own: overlaps of neighbours never meet.
    overlap = min(overlap, size // 2)
    step = size - overlap
    half = overlap // 2
    windows: list[tuple[int, str, tuple[int, int] | None]] = []
    start = 0
    while True:
        end = min(start + size, len(text))
        last = end == len(text)
        keep = (0 if start == 0 else half, end - start if last else step + half)
        windows.append((start, text[start:end], keep))
        if last:
            return windows
        start += step


def _kept(c: Candidate) -> bool:
    """Does this candidate belong to its window (see _windows), not to a neighbour?"""
    keep = c.field.keep
    if keep is None:
        return True
    start, _ = c.field.norm.to_original(c.start, c.end)
    return keep[0] <= start < keep[1]


def _fail(failed: dict[int, list[LayerError]], index: int, layer: str, field: str | None,
          exc: Exception) -> None:
    """Record that a layer failed on a post (once per layer and field, however many windows)."""
    error = LayerError(layer=layer, field=field, error=type(exc).__name__)
    errors = failed.setdefault(index, [])
    if error not in errors:
        errors.append(error)


def _deduplicate(findings: list[Finding]) -> list[Finding]:
    """One finding per (field, span, rule, entity, status): windows and stages may repeat one."""
    best: dict[tuple[str, int, int, str, str, str], Finding] = {}
    for finding in findings:
        key = (finding.field, finding.start, finding.end, finding.rule_id, finding.entity,
               finding.status)
        if key not in best or finding.score > best[key].score:
            best[key] = finding
    return list(best.values())



def _merge_packs(packs: list[LoadedPack]) -> LoadedPack:
    if len(packs) == 1:
        return packs[0]
    from phiguard.rulepacks.schema import AllowSpec

    rules = {}
    for pack in packs:
        rules.update({rule.id: (rule, path) for rule, path in pack.rules})
    return LoadedPack(
        name="+".join(p.name for p in packs),
        paths=tuple(itertools.chain.from_iterable(p.paths for p in packs)),
        rules=tuple(rules.values()),
        allow=AllowSpec(
            terms=[t for p in packs for t in p.allow.terms],
            domains=[d for p in packs for d in p.allow.domains],
        ),
        lists=merge_lists(packs),
    )


def _tag_names(pack: LoadedPack) -> frozenset[str]:
    """The tags redaction can write for this policy's findings: one per rule's entity, the
    language model's entities, and those the stages make."""
    found = [(rule.identifier, rule.entity) for rule, _ in pack.rules]
    found += [(identifier, entity) for identifier, entity, _ in NER_LABELS.values()]
    names = {tag_name(identifier, entity) for identifier, entity in found}
    return frozenset(names | set(ENTITY_TAGS.values()) | {"PATIENT_STATUS", "BIDI_CONTROL"})


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Drop a finding on the same span as a better one, or inside one of the same identifier with
    no lower score, so "March 3, 2024" is reported once, not also as "March 3"."""
    findings.sort(key=lambda f: (f.field, f.start, -f.end, -f.score))
    kept: list[Finding] = []
    for finding in findings:
        if any(
            k.field == finding.field and k.status == finding.status
            and k.start <= finding.start and finding.end <= k.end and k.score >= finding.score
            and (k.identifier == finding.identifier or (k.start, k.end) == (
                finding.start, finding.end))
            for k in kept[-8:]
        ):
            continue
        kept.append(finding)
    return kept


_PIPELINES: dict[str, Pipeline] = {}


def get_pipeline(policy: Policy | None) -> Pipeline:
    """The pipeline for a policy, built on first use and kept for the life of the process."""
    policy = policy or DEFAULT_POLICY
    key = policy.cache_key()
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        pipeline = _PIPELINES[key] = Pipeline.build(policy)
    return pipeline


def _run_batch(args: tuple[Policy, list[Post]]) -> list[Report]:
    policy, posts = args
    return get_pipeline(policy).run(posts)


def _batches(posts: Iterable[PostLike], size: int) -> Iterator[list[Post]]:
    iterator = iter(posts)
    while batch := [as_post(p) for p in itertools.islice(iterator, size)]:
        yield batch


def check_many(
    posts: Iterable[PostLike], *, policy: Policy | None = None, batch_size: int = 64,
    n_process: int = 1,
) -> Iterator[Report]:
    """Check posts in batches and yield one report per post, in input order.

    The arguments, the policy's packs and its layers are checked now, when check_many is
    called; the posts are read and checked as the reports are iterated.
    """
    if batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    if n_process < 1:
        raise ConfigError("n_process must be at least 1")
    policy = policy or DEFAULT_POLICY
    pipeline = get_pipeline(policy)  # load and validate the packs before any worker starts
    return _check_batches(posts, policy, pipeline, batch_size, n_process)


def _check_batches(
    posts: Iterable[PostLike], policy: Policy, pipeline: Pipeline, batch_size: int,
    n_process: int,
) -> Iterator[Report]:
    if n_process == 1:
        for batch in _batches(posts, batch_size):
            yield from pipeline.run(batch)
        return
    # concurrent.futures, not multiprocessing.Pool: when a worker dies (a segfault, the OOM
    # killer) the Pool waits forever, the executor raises BrokenProcessPool. A few batches per
    # worker are in flight, so input is read ahead only that far and results come in order.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(n_process, mp_context=context, initializer=_leave_interrupts)
    try:
        pending: deque[Future[list[Report]]] = deque()
        for batch in _batches(posts, batch_size):
            pending.append(_submit(pool, policy, batch))
            if len(pending) >= 2 * n_process:
                yield from _result(pending.popleft())
        while pending:
            yield from _result(pending.popleft())
    finally:
        # On Ctrl-C or an early close, batches not yet started are dropped rather than run.
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, policy: Policy, batch: list[Post]) -> Future[list[Report]]:
    """Submit a batch with Ctrl-C held back, because submit is where workers are spawned: a
    worker starts with the signal blocked (the mask survives exec), so an interrupt while it is
    still importing spaCy cannot kill it with a traceback. The parent's own interrupt is only
    delayed to the end of submit, never lost."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return pool.submit(_run_batch, (policy, batch))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _leave_interrupts() -> None:
    """A worker ignores Ctrl-C: a terminal sends SIGINT to the whole process group, and the
    parent alone decides what an interrupt means (exit 130, no output replaced), so workers
    must not print tracebacks of their own or die under a batch the parent still waits for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _result(future: Future[list[Report]]) -> list[Report]:
    try:
        return future.result()
    except BrokenProcessPool:
        raise PhiguardError("a check_many worker process died; no report was passed for its "
                            "posts") from None


def check(post: PostLike, *, policy: Policy | None = None) -> Report:
    """Check one post for Safe Harbor identifiers and return its report."""
    return next(check_many([post], policy=policy, batch_size=1))

"""Check or redact the posts of a Spark DataFrame on the executors, with `phiguard.check`'s reports.

    from phiguard.spark import check_dataframe
    reports = check_dataframe(spark.read.parquet("posts/"), text="body", captions="alt_texts")
    reports.where("verdict != 'pass'").write.parquet("phi-reports/")

Rows go to the executors' Python processes in Arrow batches (`mapInPandas`). Each process builds
the policy's pipeline, spaCy model included, on its first batch and keeps it for the next ones
(phiguard's engine caches pipelines per process, and Spark reuses its Python workers), so the
model loads once per executor process, not per row or per batch.

Every input row comes out, in its partition's order, with its own columns and `verdict`, `score`,
`findings`, `combinations` and `error`. A row that cannot be checked (an invalid `kind`, a batch
that crashed) comes back with verdict "block" and the exception's class in `error`, never
dropped and never passed. Null text is an empty post, as in the CLI; a huge cell is checked in
overlapping windows, as by `check`. Findings hold offsets, not the text they cover, unless
`show_phi=True`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql.types import (
    ArrayType,
    DataType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from phiguard.engine import as_post, check_many, get_pipeline
from phiguard.errors import ConfigError, PhiguardError
from phiguard.models import DETECTOR_ERROR, Finding, Post
from phiguard.policy import DEFAULT_POLICY, Policy
from phiguard.redact import redact_many

__all__ = ["FINDING_TYPE", "check_dataframe", "redact_dataframe"]

_FINDING_FIELDS = [
    StructField("field", StringType(), False),
    StructField("start", IntegerType(), False),
    StructField("end", IntegerType(), False),
    StructField("identifier", StringType(), False),
    StructField("entity", StringType(), False),
    StructField("score", DoubleType(), False),
    StructField("rule_id", StringType(), False),
    StructField("layer", StringType(), False),
    StructField("explanation", StringType(), False),
    StructField("status", StringType(), False),
]
FINDING_TYPE = StructType(_FINDING_FIELDS)
"""One `phiguard.Finding` as a Spark struct; `identifier` is its Safe Harbor letter."""

_SHOWN_FINDING_TYPE = StructType([*_FINDING_FIELDS, StructField("text", StringType(), False)])
_COMBINATION_TYPE = StructType([
    StructField("name", StringType(), False),
    StructField("entities", ArrayType(StringType(), False), False),
    StructField("verdict", StringType(), False),
    StructField("explanation", StringType(), False),
])
_REPORT_COLUMNS = ("verdict", "score", "findings", "combinations", "error")
_REDACT_COLUMNS = ("verdict", "needs_human", "error")
_DEFAULT_BATCH = 64
T = TypeVar("T")


@dataclass(frozen=True)
class _Columns:
    """Which DataFrame column holds each Post field (None: not in the DataFrame)."""

    text: str
    captions: str | None
    kind: str | None
    in_reply_to: str | None
    id: str | None

    def check(self, df: DataFrame, added: Iterable[str]) -> None:
        """Fail on the driver, before any executor starts, naming the column that is wrong."""
        types = {f.name: f.dataType for f in df.schema.fields}
        for role, name in (("text", self.text), ("captions", self.captions),
                           ("kind", self.kind), ("in_reply_to", self.in_reply_to),
                           ("id", self.id)):
            if name is None:
                continue
            if name not in types:
                raise ConfigError(f"{role}={name!r}: no such column; the DataFrame has "
                                  f"{', '.join(sorted(types))}")
            if not _allowed(role, types[name]):
                raise ConfigError(f"{role}={name!r}: column of type "
                                  f"{types[name].simpleString()} cannot be read as {role}")
        clash = sorted(set(added) & set(types) - {self.text, self.captions})
        if clash:
            raise ConfigError(f"the DataFrame already has column(s) {', '.join(clash)} that "
                              "phiguard adds; rename them first")


def _allowed(role: str, data_type: DataType) -> bool:
    if role == "captions":
        return isinstance(data_type, StringType) or (
            isinstance(data_type, ArrayType) and isinstance(data_type.elementType, StringType))
    if role == "id":
        return isinstance(data_type, StringType | IntegerType | LongType)
    return isinstance(data_type, StringType)


def check_dataframe(
    df: DataFrame, text: str = "text", captions: str | None = None, kind: str | None = None,
    in_reply_to: str | None = None, id: str | None = None, policy: Policy | None = None, *,
    show_phi: bool = False, batch_size: int = _DEFAULT_BATCH,
) -> DataFrame:
    """`df` with each row's report added: verdict, score, findings, combinations and error.

    Name the columns that hold the post's text, its captions (a string or an array of
    strings), its kind ("post", "reply", "comment"), what it replies to, and its id (used by
    consents limited to some posts). `findings` is an array of `FINDING_TYPE` structs; with
    `show_phi=True` each also carries the `text` it covers. `error` is null for a row checked
    in full, else the class of the error that blocked it. Lazy, like any transformation.
    """
    columns = _Columns(text, captions, kind, in_reply_to, id)
    columns.check(df, _REPORT_COLUMNS)
    policy_json = _validated(policy, batch_size)
    finding_type = _SHOWN_FINDING_TYPE if show_phi else FINDING_TYPE
    schema = StructType([
        *df.schema.fields,
        StructField("verdict", StringType(), False),
        StructField("score", DoubleType(), False),
        StructField("findings", ArrayType(finding_type, False), False),
        StructField("combinations", ArrayType(_COMBINATION_TYPE, False), False),
        StructField("error", StringType(), True),
    ])

    def check_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield _check_batch(batch, columns, policy_json, show_phi, batch_size)

    return df.mapInPandas(check_batches, schema)


def redact_dataframe(
    df: DataFrame, text: str = "text", captions: str | None = None, kind: str | None = None,
    in_reply_to: str | None = None, id: str | None = None, policy: Policy | None = None, *,
    strategy: str = "tag", key: str | None = None, batch_size: int = _DEFAULT_BATCH,
) -> DataFrame:
    """`df` with its text and captions columns redacted, and verdict, needs_human and error.

    `verdict` is the original post's; `needs_human` counts the findings redaction could not
    settle on its own (see `phiguard.redact_with_report`). A row that cannot be redacted gets
    null text and captions, verdict "block" and the error's class: its original text is never
    passed on as if redacted. Surrogates are consistent across partitions only with `key`.
    """
    columns = _Columns(text, captions, kind, in_reply_to, id)
    columns.check(df, _REDACT_COLUMNS)
    policy_json = _validated(policy, batch_size)
    redact_many([], strategy=strategy, policy=policy, key=key)  # an unknown strategy fails here
    schema = StructType([
        *[StructField(f.name, f.dataType, True) if f.name in (text, captions) else f
          for f in df.schema.fields],
        StructField("verdict", StringType(), False),
        StructField("needs_human", IntegerType(), False),
        StructField("error", StringType(), True),
    ])

    def redact_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield _redact_batch(batch, columns, policy_json, strategy, key, batch_size)

    return df.mapInPandas(redact_batches, schema)


def _validated(policy: Policy | None, batch_size: int) -> str:
    """The policy as JSON for the executors, its packs loaded once on the driver to fail early."""
    if batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    policy = policy or DEFAULT_POLICY
    get_pipeline(policy)  # a broken pack is a ConfigError here, not one per executor
    return policy.model_dump_json()


# ---- on the executors ----------------------------------------------------------------------

# Policy JSON -> Policy, parsed once per executor process; the engine keeps its pipeline.
_POLICIES: dict[str, Policy] = {}


def _policy(policy_json: str) -> Policy:
    policy = _POLICIES.get(policy_json)
    if policy is None:
        policy = _POLICIES[policy_json] = Policy.model_validate_json(policy_json)
    return policy


def _check_batch(batch: pd.DataFrame, columns: _Columns, policy_json: str, show_phi: bool,
                 batch_size: int) -> pd.DataFrame:
    posts, errors = _posts(batch, columns)
    outcomes = _each_row(posts, errors, lambda todo: check_many(
        todo, policy=_policy(policy_json), batch_size=batch_size))
    verdicts: list[str] = []
    scores: list[float] = []
    findings: list[list[dict[str, Any]]] = []
    combinations: list[list[dict[str, Any]]] = []
    error_column: list[str | None] = []
    for post, outcome in zip(posts, outcomes, strict=True):
        if isinstance(outcome, str) or post is None:
            verdicts.append("block")
            scores.append(1.0)
            findings.append([])
            combinations.append([])
            error_column.append(str(outcome))
            continue
        verdicts.append(outcome.verdict)
        scores.append(outcome.score)
        findings.append([_finding_row(f, post, show_phi) for f in outcome.findings])
        combinations.append([c.model_dump(mode="json") for c in outcome.combinations])
        error_column.append("DetectorError" if any(
            f.entity == DETECTOR_ERROR for f in outcome.findings) else None)
    out = batch.copy()
    out["verdict"] = verdicts
    out["score"] = scores
    out["findings"] = findings
    out["combinations"] = combinations
    out["error"] = error_column
    return out


def _redact_batch(batch: pd.DataFrame, columns: _Columns, policy_json: str, strategy: str,
                  key: str | None, batch_size: int) -> pd.DataFrame:
    posts, errors = _posts(batch, columns)
    outcomes = _each_row(posts, errors, lambda todo: redact_many(
        todo, strategy=strategy, policy=_policy(policy_json), key=key, batch_size=batch_size,
        with_report=True))
    texts: list[str | None] = []
    captions: list[Any] = []
    verdicts: list[str] = []
    needs_human: list[int] = []
    error_column: list[str | None] = []
    original_captions = batch[columns.captions] if columns.captions else None
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, str):
            texts.append(None)
            captions.append(None)
            verdicts.append("block")
            needs_human.append(0)
            error_column.append(outcome)
            continue
        texts.append(None if _missing(batch[columns.text].iloc[index]) else outcome.post.text)
        if original_captions is not None:
            captions.append(_same_shape(original_captions.iloc[index], outcome.post.captions))
        verdicts.append(outcome.report.verdict)
        needs_human.append(len(outcome.needs_human))
        error_column.append(None)
    out = batch.copy()
    out[columns.text] = texts
    if columns.captions:
        out[columns.captions] = captions
    out["verdict"] = verdicts
    out["needs_human"] = needs_human
    out["error"] = error_column
    return out


def _each_row(posts: list[Post | None], errors: list[str | None],
              run: Callable[[list[Post]], Iterable[T]]) -> list[T | str]:
    """`run` over the readable posts, as one result per row: the result, or the class of the
    error that blocked the row. If the batch as a whole fails, each post goes on its own, so a
    crash blocks only the rows it hits. A broken configuration raises: it is no row's fault."""
    readable = [post for post in posts if post is not None]
    results: list[T | str]
    try:
        results = list(run(readable))
    except ConfigError:
        raise
    except Exception:  # noqa: BLE001 - retried one post at a time below
        results = []
        for post in readable:
            try:
                results.extend(run([post]))
            except ConfigError:
                raise
            except Exception as exc:  # noqa: BLE001 - this row is blocked, the rest go on
                results.append(type(exc).__name__)
    pending = iter(results)
    return [next(pending) if post is not None else str(error)
            for post, error in zip(posts, errors, strict=True)]


def _finding_row(finding: Finding, post: Post, show_phi: bool) -> dict[str, Any]:
    row: dict[str, Any] = finding.model_dump(mode="json")
    if show_phi:
        row["text"] = post.field_text(finding.field)[finding.start:finding.end]
    return row


def _same_shape(original: Any, redacted: Sequence[str]) -> Any:
    """Redacted captions in the column's own shape: a string, or a list with its nulls and
    empty strings where they were (they were not checked, so there is nothing to redact)."""
    if _missing(original):
        return None
    if isinstance(original, str):
        return redacted[0] if redacted else original
    pending = iter(redacted)
    return [None if _missing(item) else item if item == "" else next(pending)
            for item in list(original)]


def _posts(batch: pd.DataFrame, columns: _Columns) -> tuple[list[Post | None], list[str | None]]:
    """Each row as a Post, or None and the class of the error that kept it from being one."""
    posts: list[Post | None] = []
    errors: list[str | None] = []
    for row in batch.itertuples(index=False, name=None):
        values = dict(zip(batch.columns, row, strict=True))
        try:
            posts.append(as_post(_post_fields(values, columns)))
            errors.append(None)
        except (PhiguardError, ValueError, TypeError) as exc:
            posts.append(None)
            errors.append(type(exc).__name__)
    return posts, errors


def _post_fields(values: dict[str, Any], columns: _Columns) -> dict[str, Any]:
    text = values[columns.text]
    fields: dict[str, Any] = {"text": "" if _missing(text) else text}
    if columns.captions:
        fields["captions"] = _caption_list(values[columns.captions])
    if columns.kind and not _missing(values[columns.kind]):
        fields["kind"] = values[columns.kind]
    if columns.in_reply_to and not _missing(values[columns.in_reply_to]):
        fields["in_reply_to"] = values[columns.in_reply_to]
    if columns.id and not _missing(values[columns.id]):
        fields["id"] = str(values[columns.id])
    return fields


def _caption_list(value: Any) -> list[str]:
    if _missing(value):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [item for item in list(value) if not _missing(item) and item != ""]


def _missing(value: Any) -> bool:
    """Null as pandas may hand it over: None, NaN or pd.NA."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)

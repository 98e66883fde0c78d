"""The public functions: redact, redact_with_report, redact_many."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Literal, overload

from phiguard.engine import PostLike, as_post, check_many
from phiguard.errors import ConfigError
from phiguard.models import Post, Report
from phiguard.policy import Policy
from phiguard.redact.recheck import PostJob, check_report, run
from phiguard.redact.results import RedactionResult
from phiguard.redact.settings import Settings, make_settings
from phiguard.redact.tables import Strategy


def redact_with_report(
    post: PostLike, report: Report | None = None, *, strategy: Strategy | str = "tag",
    policy: Policy | None = None, key: bytes | str | None = None, recheck: bool = True,
) -> RedactionResult:
    """Redact one post and say what was rewritten and what still needs a person.

    `report` is the post's report (checked now with `policy` when None). `key` is a secret of at
    least 16 bytes: required by `hash`; with `surrogate` it makes fakes repeatable across calls.
    With `recheck` (the default) the redacted post is checked again and anything the rewriting
    exposed is redacted too; `after` is that final report.
    """
    post = as_post(post)
    settings = make_settings(strategy, policy, key)
    if report is None:
        report = next(check_many([post], policy=settings.policy, batch_size=1))
    else:
        check_report(post, report)
    return run([PostJob(post, report, settings)], settings, recheck)[0]


def redact(
    post: PostLike, report: Report | None = None, *, strategy: Strategy | str = "tag",
    policy: Policy | None = None, key: bytes | str | None = None, recheck: bool = True,
) -> Post:
    """Return the post with every flagged finding rewritten by `strategy`, in every field.

    Strategies: "tag" (`[NAME]`, `[DATE]`, `[PHONE_NUMBER]`...), "mask" (`J*** D**`), "hash"
    (keyed HMAC-SHA256; needs `key`), "surrogate" (realistic fakes, the same fake for the same
    value throughout the post) and "safe-harbor" (dates to the year, ages over 89 to "90+", ZIP
    codes to their allowed 3-digit prefix, street addresses to the state; the rest tagged).
    Findings that rewriting cannot fix are left as they are: use `redact_with_report` to get them.
    """
    return redact_with_report(post, report, strategy=strategy, policy=policy, key=key,
                              recheck=recheck).post


@overload
def redact_many(
    posts: Iterable[PostLike], *, strategy: Strategy | str = ..., policy: Policy | None = ...,
    key: bytes | str | None = ..., batch_size: int = ..., recheck: bool = ...,
    with_report: Literal[False] = ...,
) -> Iterator[Post]: ...


@overload
def redact_many(
    posts: Iterable[PostLike], *, strategy: Strategy | str = ..., policy: Policy | None = ...,
    key: bytes | str | None = ..., batch_size: int = ..., recheck: bool = ...,
    with_report: Literal[True],
) -> Iterator[RedactionResult]: ...


def redact_many(
    posts: Iterable[PostLike], *, strategy: Strategy | str = "tag", policy: Policy | None = None,
    key: bytes | str | None = None, batch_size: int = 64, recheck: bool = True,
    with_report: bool = False,
) -> Iterator[Post] | Iterator[RedactionResult]:
    """Redact posts in batches, yielding one per input post, in order.

    Surrogates are consistent across the whole iterable: the same name gets the same fake in
    every post (and, given `key`, in every run). With `with_report=True` each item is a
    `RedactionResult` carrying the findings that still need a person.
    """
    if batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    settings = make_settings(strategy, policy, key)
    results = _redact_batches(posts, settings, batch_size, recheck)
    if with_report:
        return results
    return (result.post for result in results)


def _redact_batches(posts: Iterable[PostLike], settings: Settings, batch_size: int,
                    recheck: bool) -> Iterator[RedactionResult]:
    iterator = iter(posts)
    while batch := [as_post(p) for p in itertools.islice(iterator, batch_size)]:
        reports = check_many(batch, policy=settings.policy, batch_size=batch_size)
        jobs = [PostJob(post, report, settings)
                for post, report in zip(batch, reports, strict=True)]
        yield from run(jobs, settings, recheck)

"""Checks off the event loop: a bounded pool of worker processes, each loading the model once.

The server admits at most `queue_limit` requests at a time (running or waiting for a worker);
one more gets `Overloaded`, which the app answers with 503 and Retry-After. A slot is held until
the request's work is done, also when its client has gone away.

Posts of concurrent requests are checked together in batches of up to CHUNK (see `_pump`).

Fail closed: when a worker process dies (a segfault, the OOM killer) or a check raises, each post
of the batch it was checking gets a `block` report naming the error class, the pool is replaced,
and the server goes on serving. Workers end with the server process, however it ends.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from phiguard.engine import check_many, get_pipeline
from phiguard.errors import ConfigError, InputError
from phiguard.models import DETECTOR_ERROR, Finding, Identifier, Post, Report
from phiguard.policy import Policy
from phiguard.redact import redact_many

# Most posts in one batch handed to a worker.
CHUNK = 16
# Seconds before starting workers again after they failed to start (e.g. the model is missing).
RESTART_DELAY = 5.0
LOG = logging.getLogger("phiguard.serve")
WARM_UP = Post(text="Warming up on 1 May at Springfield with Jane.")


class Overloaded(Exception):
    """Every queue slot is taken; the client should retry later."""


class RejectedInput(Exception):
    """The library refused the request (InputError, ConfigError); the message quotes no post."""


# ---- in the worker process ------------------------------------------------------------------

_policy: Policy | None = None
_key: str | None = None


def _init_worker(policy: Policy | None, key: str | None) -> None:
    """Build the pipeline and load the model once, before the worker takes any request."""
    global _policy, _key
    _policy, _key = policy, key
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    get_pipeline(policy).run([WARM_UP])


def _exit_with(parent_sentinel: int) -> None:
    """End this worker when the server process ends, however it ended (even by SIGKILL)."""
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(0)


def _warm() -> int:
    return os.getpid()


def _check(posts: list[Post]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in check_many(posts, policy=_policy,
                                                          batch_size=len(posts))]


def _redact(posts: list[Post], strategy: str) -> list[dict[str, Any]]:
    try:
        results = redact_many(posts, strategy=strategy, policy=_policy, key=_key,
                              batch_size=len(posts), with_report=True)
        return [r.model_dump(mode="json") for r in results]
    except (InputError, ConfigError) as exc:
        raise RejectedInput(str(exc)) from None


# ---- in the server process ------------------------------------------------------------------


def failed_report(post: Post, error: str) -> Report:
    """The report of a post that could not be checked: `block`, naming the error class only."""
    finding = Finding(
        field="text", start=0, end=0, identifier=Identifier.OTHER_UNIQUE, entity=DETECTOR_ERROR,
        score=1.0, rule_id="detector-error", layer="error",
        explanation=f"{error} failed; the post is blocked until it can be checked")
    return Report(post_id=post.id, verdict="block", score=1.0, findings=(finding,))


class WorkerPool:
    """The executor, its admission limit and its readiness."""

    def __init__(self, policy: Policy | None, workers: int, queue_limit: int,
                 key: str | None = None) -> None:
        self.policy, self.workers, self.queue_limit, self.key = policy, workers, queue_limit, key
        self.in_flight = 0
        self.ready = False
        self._executor: Executor | None = None
        self._warming: asyncio.Task[None] | None = None
        self._launched: list[Future[int]] = []
        self._pending: deque[tuple[Post, asyncio.Future[dict[str, Any]]]] = deque()
        self._batches_out = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life cycle

    def launch(self) -> None:
        """Start the workers loading the model now, with no event loop needed: the server calls
        it first thing, so the workers load while the server process validates and binds."""
        if self._executor is None:
            self._executor = self._new_executor()
            # One task per worker submitted at once: a spawn pool starts a process for each
            # task that finds no idle worker, so all of them start (and load the model) now.
            self._launched = [self._executor.submit(_warm) for _ in range(max(self.workers, 1))]

    def start(self) -> None:
        """Launch the workers if need be; `ready` turns true once every one has loaded."""
        self.launch()
        assert self._executor is not None
        self._warming = asyncio.get_running_loop().create_task(
            self._warm(self._executor, self._launched))

    def close(self) -> None:
        """Stop warming and shut the worker processes down."""
        if self._warming is not None:
            self._warming.cancel()
        if self._executor is not None:
            # Waits for the checks under way (the server is shutting down), then the workers.
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _new_executor(self) -> Executor:
        if self.workers == 0:
            return ThreadPoolExecutor(1, initializer=_init_worker,
                                      initargs=(self.policy, self.key))
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(self.policy, self.key))

    async def _warm(self, executor: Executor, launched: list[Future[int]]) -> None:
        try:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in launched))
        except BrokenProcessPool:
            LOG.error("the workers failed to start; trying again in %.0f s", RESTART_DELAY)
            await asyncio.sleep(RESTART_DELAY)
            self._replace(executor)
            return
        if executor is self._executor:
            self.ready = True

    def _replace(self, broken: Executor) -> None:
        """Swap in a new pool once, whichever request saw the old one break first."""
        if broken is not self._executor:
            return
        LOG.error("a worker process died; its posts are blocked and the workers restarted")
        self.ready = False
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        self.start()

    # -- work

    async def check(self, posts: Sequence[Post]) -> list[dict[str, Any]]:
        """Reports of the posts, in order; posts of a failed batch are blocked, never passed."""
        loop = asyncio.get_running_loop()
        with self._slot():
            waiting = [(post, loop.create_future()) for post in posts]
            self._pending.extend(waiting)
            self._pump()
            return list(await asyncio.gather(*(future for _, future in waiting)))

    def _pump(self) -> None:
        """Hand waiting posts to the workers in batches of up to CHUNK, from any requests.

        Posts of concurrent requests share a batch (the model checks a batch faster than its
        posts one by one); a large request is split so that every worker takes part. Two
        batches per worker are out at once, so a worker never waits for the event loop."""
        while self._pending and self._batches_out < 2 * max(self.workers, 1):
            batch = [self._pending.popleft() for _ in range(min(CHUNK, len(self._pending)))]
            self._batches_out += 1
            task = asyncio.get_running_loop().create_task(self._dispatch(batch))
            self._tasks.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, batch: list[tuple[Post, asyncio.Future[dict[str, Any]]]]) -> None:
        posts = [post for post, _ in batch]
        try:
            reports: list[dict[str, Any]] = await self._run(_check, posts)
        except Exception as exc:  # noqa: BLE001 - a post that could not be checked is blocked
            error = f"worker: {type(exc).__name__}"
            reports = [failed_report(p, error).model_dump(mode="json") for p in posts]
        finally:
            self._batches_out -= 1
            self._pump()
        for (_, future), report in zip(batch, reports, strict=True):
            if not future.done():
                future.set_result(report)

    async def redact(self, posts: Sequence[Post], strategy: str) -> list[dict[str, Any]]:
        """Redaction results; one call, so surrogates stay consistent across the posts."""
        with self._slot():
            result: list[dict[str, Any]] = await self._run(_redact, list(posts), strategy)
        return result

    def _slot(self) -> _Slot:
        if self.in_flight >= self.queue_limit:
            raise Overloaded
        return _Slot(self)

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        executor = self._executor
        if executor is None:
            raise RuntimeError("the worker pool is not started")
        try:
            future: Future[Any] = executor.submit(fn, *args)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(executor)
            raise


class _Slot:
    """One admitted request; `in_flight` counts it until its work is done."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    def __enter__(self) -> None:
        self.pool.in_flight += 1

    def __exit__(self, *exc: object) -> None:
        self.pool.in_flight -= 1

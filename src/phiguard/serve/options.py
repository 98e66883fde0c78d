"""What one server runs with: the command-line options, validated before anything starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phiguard.errors import ConfigError
from phiguard.policy import Policy

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB: thousands of posts' worth of text
DEFAULT_MAX_BATCH = 256
# Requests waiting or running, per worker, before the server answers 503: a short queue keeps
# latency bounded and tells a scheduler to come back, instead of queueing without limit.
QUEUE_PER_WORKER = 8


@dataclass(frozen=True)
class ServeOptions:
    """Options of `phiguard serve`; `workers=0` checks on one thread of the server process."""

    host: str = "127.0.0.1"
    port: int = 8000
    policy: Policy | None = None
    workers: int = 1
    token_file: Path | None = None
    max_body: int = DEFAULT_MAX_BODY
    max_batch: int = DEFAULT_MAX_BATCH
    max_queue: int | None = None
    # The secret for the `hash` strategy and repeatable surrogates (from $PHIGUARD_REDACT_KEY).
    redact_key: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ConfigError("--workers must be 0 (in the server process) or more")
        if self.max_body < 1:
            raise ConfigError("--max-body must be at least 1 byte")
        if self.max_batch < 1:
            raise ConfigError("--max-batch must be at least 1")
        if self.max_queue is not None and self.max_queue < 1:
            raise ConfigError("--max-queue must be at least 1")
        if not 0 <= self.port <= 65535:
            raise ConfigError("--port must be between 0 and 65535")

    @property
    def queue_limit(self) -> int:
        """Requests admitted at once (running or waiting for a worker)."""
        return self.max_queue or QUEUE_PER_WORKER * max(self.workers, 1)

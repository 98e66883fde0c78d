"""phiguard's benchmarks: accuracy per Safe Harbor identifier and speed, beside Presidio.

    python -m benchmarks accuracy          # every dataset found; tables and results/accuracy.json
    python -m benchmarks speed             # posts/s, latency, cold start, RSS, scaling
    python -m benchmarks generate -n 1000  # seeded synthetic posts, in the shared JSONL format

Nothing here is imported by phiguard itself and nothing runs in CI except the smoke test
(tests/test_benchmarks_smoke.py), which runs each command on a tiny input.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project root (the folder holding pyproject.toml)."""

DATA_ENV = "PHIGUARD_BENCH_DATA"
"""Environment variable naming the shared data folder, overriding ../shared/data."""


def shared_data_dir(override: str | Path | None = None) -> Path:
    """The shared corpora folder: the override, else $PHIGUARD_BENCH_DATA, else ../shared/data
    beside the project root (where the project's data README says the corpora live)."""
    if override:
        return Path(override)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    return ROOT.parent / "shared" / "data"


def quiet_presidio_env() -> None:
    """Stop tldextract (used by Presidio's email and URL recognizers) fetching the public suffix
    list from the network, which hangs offline. spaCy may have imported Presidio (and built
    tldextract's extractor) already, so phiguard's Presidio integration sets the environment and
    builds the extractor again from it."""
    from phiguard.integrations.presidio import offline_tldextract

    offline_tldextract()

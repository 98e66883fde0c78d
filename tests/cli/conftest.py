"""Fixtures for the command-line tests: the fixture folder, golden files, a pattern-only policy.

Golden files live in tests/golden/. After an intended change of output, regenerate them with
`PHIGUARD_UPDATE_GOLDEN=1 python -m pytest tests/cli` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE.parent / "golden"
ROOT = HERE.parents[1]
POLICY = str(FIXTURES / "patterns-policy.yaml")


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the fixture folder, so reports name files by a short relative path."""
    monkeypatch.chdir(FIXTURES)
    return FIXTURES


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME (or write it, with PHIGUARD_UPDATE_GOLDEN=1)."""

    def compare(name: str, actual: str) -> None:
        path = GOLDEN / name
        if os.environ.get("PHIGUARD_UPDATE_GOLDEN"):
            path.write_text(actual, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run with PHIGUARD_UPDATE_GOLDEN=1"
        assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"

    return compare

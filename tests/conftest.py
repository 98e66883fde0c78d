"""Shared fixtures: a pattern-only policy, so these tests do not depend on the NER model."""

from __future__ import annotations

import pytest

from phiguard import Policy


@pytest.fixture(scope="session")
def patterns_policy() -> Policy:
    """The default packs with only the pattern layer."""
    return Policy(layers=["patterns"])

"""Shared fixtures: a pattern-only policy, so these tests do not depend on the NER model."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from phiguard import Policy

# The test run is a gate, so its property tests draw the same examples every time; set
# HYPOTHESIS_PROFILE=explore to search new ones (and add any failure found as an example).
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))


@pytest.fixture(scope="session")
def patterns_policy() -> Policy:
    """The default packs with only the pattern layer."""
    return Policy(layers=["patterns"])

"""What the serve tests share: a made-up patient whose details must never reach a log."""

from __future__ import annotations

# A made-up patient: every piece of it must stay out of every log.
PATIENT = "Rosalind Okafor"
BIRTHDAY = "March 3, 1931"
PHI_POST = f"Happy birthday to our patient {PATIENT}, born {BIRTHDAY}! Her cell is 415-555-2671."
PHI_STRINGS = ("Rosalind", "Okafor", "March 3", "415-555-2671")
TOKEN = "test-token-6f1d2c9a8b7e4f3a"
READY_TIMEOUT = 120.0  # seconds; generous, as a loaded CI machine starts spaCy slowly


def assert_no_phi(text: str) -> None:
    for secret in PHI_STRINGS:
        assert secret not in text, f"{secret!r} leaked"
# The real server runs with this hash seed, so the tests can reproduce its reports exactly.
HASH_SEED = "0"

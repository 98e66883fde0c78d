"""Settings shared by a whole redaction call: the strategy, the policy, the key, pack data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from phiguard.errors import ConfigError
from phiguard.policy import DEFAULT_POLICY, Policy
from phiguard.redact.tables import MIN_KEY_BYTES, MIN_KEY_DISTINCT_BYTES, STRATEGIES, US_STATES
from phiguard.rulepacks.loader import load_rulepack
from phiguard.rulepacks.schema import ListSpec
from phiguard.surrogates import Surrogates


@dataclass(frozen=True)
class PackData:
    """What the Safe Harbor treatments read from the policy's packs."""

    restricted_zip3: frozenset[str]
    states: tuple[str, ...]


def _rule_list(policy: Policy, rule_id: str, list_name: str) -> list[str] | None:
    for pack_name in (*policy.all_packs, "safe-harbor"):
        pack = load_rulepack(pack_name)
        for rule, _path in pack.rules:
            if rule.id == rule_id and list_name in rule.lists:
                spec = rule.lists[list_name]
                return list(spec.terms if isinstance(spec, ListSpec) else spec)
    return None


@lru_cache(maxsize=16)
def _pack_data(policy_key: str) -> PackData:
    policy = Policy.model_validate_json(policy_key)
    restricted = _rule_list(policy, "restricted-zip3", "restricted")
    if restricted is None:
        # Without the list no prefix can be shown to be allowed: fail closed, every ZIP -> 000.
        restricted_set = frozenset(f"{n:03d}" for n in range(1000))
    else:
        restricted_set = frozenset(restricted)
    states = _rule_list(policy, "zip-code", "states") or list(US_STATES)
    return PackData(restricted_set, tuple(states))


@dataclass
class Settings:
    """One call's strategy, policy, key, surrogate generator and pack data."""

    strategy: str
    policy: Policy
    key: bytes | None
    surrogates: Surrogates
    pack: PackData
    state_pattern: regex.Pattern[str]


def make_settings(strategy: str, policy: Policy | None, key: bytes | str | None) -> Settings:
    """Validate the strategy and the key, and gather what every post of the call shares."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown redaction strategy {strategy!r}; "
                          f"known strategies: {', '.join(STRATEGIES)}")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if key is not None:
        check_key(key)
    if strategy == "hash" and key is None:
        raise ConfigError("strategy 'hash' needs key=: a secret of at least "
                          f"{MIN_KEY_BYTES} bytes, so that hashes of PHI cannot be reversed by "
                          "hashing guesses")
    policy = policy or DEFAULT_POLICY
    pack = _pack_data(policy.cache_key())
    names = "|".join(regex.escape(s) for s in sorted(pack.states, key=len, reverse=True))
    # The town and state after a street address: "..., Springfield, IL" (case as written).
    state_pattern = regex.compile(
        rf"(?:,?[ \t]+(?:[A-Z][\w'’-]*[ \t]+){{0,2}}?[A-Z][\w'’-]*)?,?[ \t]+(?P<state>{names})"
        rf"(?![\w])")
    return Settings(strategy, policy, key, Surrogates(key), pack, state_pattern)


def check_key(key: bytes) -> None:
    """Refuse a key too short, or with too few different bytes, to be a secret.

    Sixteen zeros, sixteen spaces or "abababab..." are as guessable as no key: whoever guesses
    it can hash guesses of the PHI. The error never shows the key."""
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"redaction key is too short: key= needs at least {MIN_KEY_BYTES} "
                          "bytes of secret")
    if len(set(key)) < MIN_KEY_DISTINCT_BYTES:
        raise ConfigError(f"redaction key is guessable: it has {len(set(key))} different bytes; "
                          f"key= needs at least {MIN_KEY_DISTINCT_BYTES} (use a random secret, "
                          "e.g. python -c 'import secrets; print(secrets.token_hex(16))')")

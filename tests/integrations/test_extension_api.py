"""The public extension API: register_layer, validators.register, the entry-point group, and
the frozen Candidate a layer returns."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import phiguard
from phiguard import Candidate, ConfigError, Identifier, Policy, check, validators


class BadgeNumbers:
    """An organisation's own layer: its staff badge numbers ("BDG-" and six digits)."""

    name = "badge-numbers"

    def detect(self, fields: Sequence[Any]) -> list[list[Candidate]]:
        out = []
        for field in fields:
            start = field.text.find("BDG-")
            out.append([] if start < 0 else [Candidate(
                start, start + 10, Identifier.OTHER_UNIQUE, "BADGE_NUMBER", 0.9, "badge-number",
                "a staff badge number")])
        return out


def test_registered_layer_runs_when_a_policy_names_it() -> None:
    phiguard.register_layer("test-badge-numbers", lambda policy, pack: BadgeNumbers(),
                            replace=True)
    text = "Lost badge BDG-204811 at the front desk"
    report = check(text, policy=Policy(layers=["patterns", "test-badge-numbers"]))
    [finding] = report.findings
    assert text[finding.start:finding.end] == "BDG-204811"
    assert (finding.entity, finding.layer, finding.rule_id) == (
        "BADGE_NUMBER", "badge-numbers", "badge-number")
    assert report.verdict == "block"


def test_a_replaced_layer_is_the_one_the_next_check_runs() -> None:
    class Silent:
        name = "badge-numbers"

        def detect(self, fields: Sequence[Any]) -> list[list[Candidate]]:
            return [[] for _ in fields]

    policy = Policy(layers=["test-swapped"])
    phiguard.register_layer("test-swapped", lambda policy, pack: BadgeNumbers(), replace=True)
    assert check("badge BDG-204811", policy=policy).verdict == "block"
    phiguard.register_layer("test-swapped", lambda policy, pack: Silent(), replace=True)
    assert check("badge BDG-204811", policy=policy).verdict == "pass"


def test_register_layer_refuses_to_overwrite_a_name() -> None:
    with pytest.raises(ConfigError, match="'ner' is already registered"):
        phiguard.register_layer("ner", lambda policy, pack: BadgeNumbers())


def test_unknown_layer_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown layer 'no-such-layer'.*patterns"):
        check("hello", policy=Policy(layers=["no-such-layer"]))


def test_candidate_is_frozen_and_checked() -> None:
    candidate = Candidate(0, 3, "D", "PHONE_NUMBER", 0.5, "r", "why")
    assert candidate.identifier is Identifier.PHONE
    with pytest.raises(dataclasses.FrozenInstanceError):
        candidate.score = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="score"):
        Candidate(0, 3, "D", "PHONE_NUMBER", 1.5, "r", "why")
    with pytest.raises(ValueError, match="start"):
        Candidate(4, 3, "D", "PHONE_NUMBER", 0.5, "r", "why")


def test_candidate_past_the_field_blocks_the_post() -> None:
    class Overreach:
        name = "overreach"

        def detect(self, fields: Sequence[Any]) -> list[list[Candidate]]:
            return [[Candidate(0, 10_000, "R", "X", 0.5, "x", "x")] for _ in fields]

    phiguard.register_layer("overreach", lambda policy, pack: Overreach(), replace=True)
    report = check("short", policy=Policy(layers=["overreach"]))
    assert report.verdict == "block"
    assert [f.entity for f in report.findings] == ["DETECTOR_ERROR"]


def test_validator_register_refuses_to_overwrite() -> None:
    with pytest.raises(ConfigError, match="'ssn.v1' is already registered"):
        validators.register("ssn.v1")(lambda match: True)
    validators.register("test-even-digits.v1", replace=True)(
        lambda match: sum(ch.isdigit() for ch in match.text) % 2 == 0)
    assert validators.get_validator("test-even-digits.v1") is not None


def test_validator_registered_by_name_is_used_by_a_rule_pack(tmp_path: Path) -> None:
    validators.register("test-badge-check.v1", replace=True)(
        lambda match: match.text.endswith("1"))
    pack = tmp_path / "badges.yaml"
    pack.write_text(
        "pack: badges\nrules:\n  - id: badge\n    identifier: R\n    entity: BADGE\n"
        "    message: a staff badge number\n    patterns:\n      - regex: 'BDG-\\d{6}'\n"
        "        score: 0.9\n    validators: [test-badge-check.v1]\n", encoding="utf-8")
    policy = Policy(packs=[str(pack)], layers=["patterns"])
    assert [f.entity for f in check("BDG-204811", policy=policy).findings] == ["BADGE"]
    assert check("BDG-204812", policy=policy).findings == ()


def _install_plugin(root: Path, name: str, value: str) -> None:
    """A distribution on sys.path declaring one phiguard.layers entry point, as pip would."""
    dist = root / "phiguard_badges-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: phiguard-badges\n"
                                   "Version: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[phiguard.layers]\n{name} = {value}\n",
                                           encoding="utf-8")
    (root / "phiguard_badges.py").write_text(
        "import phiguard\n\n"
        "class Badges:\n"
        "    name = 'badges'\n\n"
        "    def detect(self, fields):\n"
        "        return [[phiguard.Candidate(0, 10, 'R', 'BADGE_NUMBER', 0.9, 'badge', 'a')]\n"
        "                if f.text.startswith('BDG-') else [] for f in fields]\n\n"
        "def factory(policy, pack):\n    return Badges()\n", encoding="utf-8")


def test_installed_package_adds_a_layer_by_entry_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "test-plugin-badges", "phiguard_badges:factory")
    monkeypatch.syspath_prepend(str(tmp_path))
    report = check("BDG-204811", policy=Policy(layers=["test-plugin-badges"]))
    assert [f.entity for f in report.findings] == ["BADGE_NUMBER"]
    sys.modules.pop("phiguard_badges", None)


def test_broken_entry_point_names_its_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "test-plugin-broken", "phiguard_badges_missing:factory")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match="phiguard-badges cannot be loaded"):
        check("hello", policy=Policy(layers=["test-plugin-broken"]))


def test_entry_point_may_not_take_a_registered_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    phiguard.register_layer("test-taken", lambda policy, pack: BadgeNumbers(), replace=True)
    _install_plugin(tmp_path, "test-taken", "phiguard_badges:factory")
    monkeypatch.syspath_prepend(str(tmp_path))
    # Installed after this process first read the entry points; a name it does not know makes
    # it read them again, as a fresh process would at its start.
    with pytest.raises(ConfigError, match="unknown layer"):
        check("hello", policy=Policy(layers=["test-no-such-layer"]))
    with pytest.raises(ConfigError, match="'test-taken' is already registered.*phiguard-badges"):
        check("hello", policy=Policy(layers=["test-taken"]))

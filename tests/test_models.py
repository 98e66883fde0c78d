"""The public models are frozen all the way down, hashable where they are values, and validated."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from phiguard import ConfigError, Finding, Identifier, Policy, Post, check
from phiguard.models import field_label
from phiguard.policy import DEFAULT_PACKS, Thresholds


def _finding(**changes: object) -> Finding:
    values: dict[str, object] = {
        "field": "text", "start": 4, "end": 15, "identifier": Identifier.SSN, "entity": "SSN",
        "score": 0.95, "rule_id": "ssn", "layer": "patterns", "explanation": "an SSN"}
    return Finding.model_validate(values | changes)


def test_a_policy_cannot_be_changed_in_place(patterns_policy: Policy) -> None:
    with pytest.raises(AttributeError):
        patterns_policy.layers.clear()  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="cannot be changed in place"):
        patterns_policy.quasi_identifiers.clear()  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        patterns_policy.identifier_thresholds[Identifier.URL] = Thresholds()  # type: ignore[index]
    with pytest.raises(AttributeError):
        patterns_policy.combinations[0].all_of.clear()  # type: ignore[attr-defined]
    assert check("SSN 219-09-9998", policy=patterns_policy).verdict == "block"


def test_a_policy_survives_pickling_for_worker_processes() -> None:
    policy = Policy(identifier_thresholds={"N": {"review": 0.5, "block": 0.95}})
    assert pickle.loads(pickle.dumps(policy)) == policy


def test_posts_and_reports_are_hashable_values() -> None:
    post = Post(text="hello", captions=["a cake"])
    assert post.captions == ("a cake",)
    assert len({post, Post(text="hello", captions=("a cake",))}) == 1
    report = check("SSN 219-09-9998", policy=Policy(layers=["patterns"]))
    assert isinstance(report.findings, tuple) and hash(report)


def test_a_finding_span_and_field_are_validated() -> None:
    assert _finding().field == "text"
    assert _finding(field="captions[12]").sort_key()[0] == 12
    with pytest.raises(ValidationError, match="start 9 is after end 3"):
        _finding(start=9, end=3)
    for field in ("caption[0]", "captions[-1]", "captions[01]", "texts", "Text"):
        with pytest.raises(ValidationError, match="captions"):
            _finding(field=field)


def test_field_label_counts_captions_from_one() -> None:
    assert [field_label(f) for f in ("text", "captions[0]", "captions[1]")] == [
        "text", "caption 1", "caption 2"]


def test_thresholds_must_be_in_order() -> None:
    with pytest.raises(ValidationError, match=r"review \(0.9\) must not be above block \(0.5\)"):
        Policy(thresholds={"review": 0.9, "block": 0.5})


def test_unknown_keys_suggest_the_nearest(tmp_path: object) -> None:
    with pytest.raises(ValidationError, match="unknown key 'pakcs'; did you mean 'packs'"):
        Policy.model_validate({"pakcs": ["safe-harbor"]})
    with pytest.raises(ValidationError, match="did you mean 'block'"):
        Thresholds.model_validate({"blokc": 0.9})


def test_policy_file_errors_name_the_line_and_the_key(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    broken = folder / "broken.yaml"
    broken.write_text("name: x\npacks: [safe-harbor\nlayers: [patterns]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml: invalid YAML at line \d"):
        Policy.from_file(broken)
    typo = folder / "typo.yaml"
    typo.write_text("pakcs: [safe-harbor]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"typo\.yaml: unknown key 'pakcs'; did you mean 'packs'"):
        Policy.from_file(typo)
    order = folder / "order.yaml"
    order.write_text("thresholds: {review: 0.9, block: 0.5}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'thresholds': review \(0.9\) must not be above"):
        Policy.from_file(order)


def test_a_policy_file_adds_packs_relative_to_itself(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "my-org.yaml").write_text("pack: my-org\nallow:\n  terms: ['(617) 555-0100']\n",
                                        encoding="utf-8")
    (folder / "policy.yaml").write_text("extra_packs: [my-org.yaml]\nlayers: [patterns]\n",
                                        encoding="utf-8")
    policy = Policy.from_file(folder / "policy.yaml")
    assert policy.packs == DEFAULT_PACKS
    assert check("Call (617) 555-0100", policy=policy).verdict == "pass"
    assert check("Call (617) 555-0199", policy=policy).verdict != "pass"

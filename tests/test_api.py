"""The public API: exported names, accepted inputs, order of check_many, first-version redact."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

import phiguard
from phiguard import InputError, Policy, Post, check, check_many, redact
from phiguard.policy import DEFAULT_PACKS


def test_all_matches_exports() -> None:
    exported = {
        name for name, value in vars(phiguard).items()
        # phiguard.redact is a module that can be called as its function.
        if not name.startswith("_") and (not inspect.ismodule(value) or callable(value))
    }
    assert set(phiguard.__all__) == exported
    for name in phiguard.__all__:
        assert getattr(phiguard, name).__doc__, name


def test_check_accepts_str_dict_and_post(patterns_policy: Policy) -> None:
    text = "SSN 219-09-9998"
    reports = [
        check(text, policy=patterns_policy),
        check({"text": text, "id": "p1"}, policy=patterns_policy),
        check(Post(text=text), policy=patterns_policy),
    ]
    assert {r.verdict for r in reports} == {"block"}
    assert reports[1].post_id == "p1"


def test_bad_dict_names_the_key() -> None:
    with pytest.raises(InputError, match="'kind'"):
        check({"text": "hi", "kind": "tweet"})
    with pytest.raises(InputError, match="'colour'"):
        check({"text": "hi", "colour": "red"})


def test_check_many_keeps_input_order(patterns_policy: Policy) -> None:
    posts = [{"id": str(i), "text": "SSN 219-09-9998" if i % 3 == 0 else "hello"}
             for i in range(50)]
    reports = list(check_many(posts, policy=patterns_policy, batch_size=7))
    assert [r.post_id for r in reports] == [str(i) for i in range(50)]
    assert [r.verdict for r in reports] == [
        "block" if i % 3 == 0 else "pass" for i in range(50)]


def test_check_many_in_two_processes_matches_one(patterns_policy: Policy) -> None:
    posts = [f"post {i}: call 415-555-{2600 + i:04d}" for i in range(20)]
    one = list(check_many(posts, policy=patterns_policy, batch_size=5))
    two = list(check_many(posts, policy=patterns_policy, batch_size=5, n_process=2))
    assert one == two


def test_a_dead_worker_fails_check_many_instead_of_hanging(
        patterns_policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    # multiprocessing.Pool waits forever for a worker the OOM killer took; the executor reports
    # it, and check_many turns that into an error (the CLI exits 4), never a silent pass.
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from phiguard import engine
    from phiguard.errors import PhiguardError

    class DeadPool:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> DeadPool:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            pass

        def submit(self, *args: Any) -> Future[Any]:
            future: Future[Any] = Future()
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            return future

    monkeypatch.setattr(engine, "ProcessPoolExecutor", DeadPool)
    with pytest.raises(PhiguardError, match="worker process died"):
        list(check_many(["call 415-555-2671"] * 4, policy=patterns_policy, batch_size=1,
                        n_process=2))


def test_redact_replaces_findings_in_every_field(patterns_policy: Policy) -> None:
    post = Post(text="Call 415-555-2671 now", captions=["SSN 219-09-9998"], id="x")
    clean = redact(post, policy=patterns_policy)
    assert clean.text == "Call [PHONE_NUMBER] now"
    assert clean.captions == ("SSN [SSN]",)
    assert clean.id == "x"


def test_allowlisted_org_phone_is_suppressed_not_hidden() -> None:
    policy = Policy(layers=["patterns"], allow_terms=["(617) 555-0100"],
                    allow_domains=["examplehealth.org"])
    report = check("Call 617.555.0100 or see https://www.examplehealth.org/flu", policy=policy)
    assert report.verdict == "pass"
    assert [f.status for f in report.findings] == ["suppressed", "suppressed"]


def test_detector_crash_fails_closed() -> None:
    class Boom:
        name = "boom"

        def detect(self, fields: object) -> list[object]:
            raise RuntimeError("secret 219-09-9998")

    phiguard.register_layer("boom", lambda policy, pack: Boom(), replace=True)
    report = check("hello", policy=Policy(layers=["patterns", "boom"]))
    assert report.verdict == "block"
    [error] = report.findings
    assert error.entity == phiguard.DETECTOR_ERROR
    assert "219" not in error.explanation
    assert report.errors == (phiguard.LayerError(layer="boom", field="text", error="RuntimeError"),)


def test_check_many_refuses_a_missing_pack_when_called_not_when_iterated(tmp_path: Any) -> None:
    # A missing pack is refused when the policy is built; a broken one (or an unknown layer)
    # when check_many is called, before any result is asked for.
    with pytest.raises(phiguard.RulePackError, match="not found"):
        Policy(extra_packs=[str(tmp_path / "my-org.yaml")])
    broken = tmp_path / "broken.yaml"
    broken.write_text("pack: broken\nrules: [\n", encoding="utf-8")
    with pytest.raises(phiguard.RulePackError, match="line"):
        check_many(["hello"], policy=Policy(extra_packs=[str(broken)]))
    with pytest.raises(phiguard.ConfigError, match="unknown layer"):
        check_many(["hello"], policy=Policy(layers=["patterns", "nope"]))


def test_extra_packs_add_to_the_shipped_packs(tmp_path: Any) -> None:
    org = tmp_path / "my-org.yaml"
    org.write_text("pack: my-org\nallow:\n  terms: ['(617) 555-0100']\n", encoding="utf-8")
    for policy in (Policy(extra_packs=[str(org)]), Policy().with_packs(org)):
        assert policy.all_packs == (*DEFAULT_PACKS, str(org))
        report = check("Our patient Rose Smith went home; her cell is (617) 555-0100.",
                       policy=policy)
        assert {f.identifier for f in report.flagged} == {phiguard.Identifier.NAMES}
    # packs= replaces the shipped packs; mixing a shipped name with a file is the easy mistake.
    with pytest.warns(UserWarning, match="extra_packs"):
        Policy(packs=["safe-harbor", str(org)])


def test_redaction_tags_are_not_findings() -> None:
    # A redacted post checked again: a model may read "Mr [NAME]" as a person. The engine
    # drops any candidate inside a tag redaction writes, whichever layer produced it.
    from phiguard import Candidate, Identifier

    class TagReader:
        name = "tag-reader"

        def detect(self, fields: list[Any]) -> list[list[Candidate]]:
            out = []
            for field in fields:
                spans = [(m.start(), m.end()) for m in re.finditer(r"\[?NAME\]?|SSN", field.text)]
                out.append([Candidate(s, e, Identifier.NAMES, "PERSON_NAME", 0.9, "t", "test")
                            for s, e in spans])
            return out

    phiguard.register_layer("tag-reader", lambda policy, pack: TagReader(), replace=True)
    text = "Mr [NAME] called; NAME and SSN stay findings."
    report = check(text, policy=Policy(layers=["tag-reader"]))
    assert [text[f.start:f.end] for f in report.flagged] == ["NAME", "SSN"]

"""The public API: exported names, accepted inputs, order of check_many, first-version redact."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

import phiguard
from phiguard import InputError, Policy, Post, check, check_many, redact


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
    assert clean.captions == ["SSN [SSN]"]
    assert clean.id == "x"


def test_allowlisted_org_phone_is_suppressed_not_hidden() -> None:
    policy = Policy(layers=["patterns"], allow_terms=["(617) 555-0100"],
                    allow_domains=["examplehealth.org"])
    report = check("Call 617.555.0100 or see https://www.examplehealth.org/flu", policy=policy)
    assert report.verdict == "pass"
    assert [f.status for f in report.findings] == ["suppressed", "suppressed"]


def test_detector_crash_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from phiguard import engine

    class Boom:
        name = "boom"

        def detect(self, fields: object) -> list[object]:
            raise RuntimeError("secret 219-09-9998")

    monkeypatch.setitem(engine.LAYERS, "boom", lambda policy, pack: Boom())
    report = check("hello", policy=Policy(layers=["patterns", "boom"]))
    assert report.verdict == "block"
    [error] = report.findings
    assert error.entity == "DETECTOR_ERROR"
    assert "219" not in error.explanation


def test_redaction_tags_are_not_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    # A redacted post checked again: a model may read "Mr [NAME]" as a person. The engine
    # drops any candidate inside a tag redaction writes, whichever layer produced it.
    from phiguard import Identifier, engine
    from phiguard.detectors.base import Candidate

    class TagReader:
        name = "tag-reader"

        def detect(self, fields: list[Any]) -> list[list[Candidate]]:
            out = []
            for field in fields:
                spans = [(m.start(), m.end()) for m in re.finditer(r"\[?NAME\]?|SSN", field.text)]
                out.append([Candidate(field, s, e, Identifier.NAMES, "PERSON_NAME", 0.9, "t",
                                      "tag-reader", "test") for s, e in spans])
            return out

    monkeypatch.setitem(engine.LAYERS, "tag-reader", lambda policy, pack: TagReader())
    text = "Mr [NAME] called; NAME and SSN stay findings."
    report = check(text, policy=Policy(layers=["tag-reader"]))
    assert [text[f.start:f.end] for f in report.flagged] == ["NAME", "SSN"]

"""The tool's own privacy: planted identifiers never reach a log record, a warning, an exception
message or default CLI output, and a check never opens a socket.

tests/cli/test_cli_no_phi.py plants plain identifiers in every export shape; this file plants
obfuscated ones too (the masked excerpt is cut from the original text, so an obfuscated form is
what would leak), runs the library as well as the command line, and runs the default policy with
every layer, the NER layer included.
"""

from __future__ import annotations

import json
import logging
import socket
import warnings
from pathlib import Path
from typing import Any

import pytest

import phiguard
from phiguard import InputError, Policy, Post, check, check_many, engine
from phiguard.cli import main

# (what is planted, the forms of it that must never be printed)
PLANTED = [
    ("SSN 219-09-9998", ["219-09-9998", "219099998"]),
    ("her cell ４１５-５５５-２６７１", ["４１５-５５５-２６７１", "４１５", "２６７１"]),
    ("MRN 0\u200b0\u200b4829l3", ["0\u200b0\u200b4829l3", "4829l3", "00482913"]),
    ("SSN 2 1 9 - 0 9 - 9 9 9 8", ["2 1 9 - 0 9", "9 9 9 8"]),
    ("her cell four one five, five five five, two six seven one",
     ["four one five", "two six seven one"]),
    ("jane.quarterman@example.com", ["quarterman", "jane."]),
    ("Rosalind Quarterman turned 97 today", ["Rosalind", "Quarterman"]),
]
TEXT = "Our patient " + "; ".join(planted for planted, _ in PLANTED) + "."
FORBIDDEN = [form for _, forms in PLANTED for form in forms]


def _assert_clean(channel: str, output: str) -> None:
    for form in FORBIDDEN:
        assert form.lower() not in output.lower(), f"{form!r} leaked into {channel}"


@pytest.fixture
def every_logger(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every record of every logger, at every level."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _exercise_library() -> None:
    post = Post(id="p1", text=TEXT, captions=[TEXT])
    report = check(post)
    assert report.verdict == "block"  # it did see them
    list(check_many([post, TEXT], policy=Policy(layers=["patterns"])))
    phiguard.redact(post)
    for strategy in ("mask", "safe-harbor"):
        phiguard.redact(post, strategy=strategy)


def test_no_phi_in_log_records_or_warnings(every_logger: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _exercise_library()
    _assert_clean("log records", "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in every_logger.records))
    _assert_clean("warnings", "\n".join(str(w.message) for w in caught))


@pytest.mark.parametrize("bad", [
    {"text": TEXT, "kind": "219-09-9998"},
    {"text": TEXT, "captions": [TEXT, 219099998]},
    {"text": TEXT, "posted_at": "born 03/14/1931"},
    # (An unknown key is named in the message, as a key: keys are the export's schema.)
])
def test_no_phi_in_exception_messages(bad: dict[str, Any]) -> None:
    with pytest.raises(InputError) as raised:
        check(bad)
    message = str(raised.value)
    _assert_clean("an exception message", message)
    assert "219" not in message and "1931" not in message
    # The cause is cut (`from None`): pydantic's own message would quote the input.
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_detector_crash_message_stays_out_of_the_report() -> None:
    class Leaky:
        name = "leaky"

        def detect(self, fields: Any) -> list[Any]:
            raise RuntimeError(f"could not parse {fields[0].text}")

    phiguard.register_layer("leaky", lambda policy, pack: Leaky(), replace=True)
    report = check(TEXT, policy=Policy(layers=["patterns", "leaky"]))
    assert report.verdict == "block"
    [error] = [f for f in report.findings if f.entity == "DETECTOR_ERROR"]
    _assert_clean("a detector error finding", report.model_dump_json())
    assert "RuntimeError" in error.explanation


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "p1", "text": TEXT, "captions": [TEXT]}) + "\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "sarif"])
def test_no_phi_in_cli_output_of_each_format(
        fmt: str, export: Path, capsys: pytest.CaptureFixture[str],
        every_logger: pytest.LogCaptureFixture) -> None:
    code = main(["scan", str(export), "--format", fmt])
    captured = capsys.readouterr()
    assert code == 1
    assert "SSN" in captured.out  # the findings are there, masked
    _assert_clean(f"scan --format {fmt} stdout", captured.out)
    _assert_clean(f"scan --format {fmt} stderr", captured.err)
    _assert_clean("log records", every_logger.text)


def test_no_phi_in_cli_check_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", TEXT, "--caption", TEXT])
    captured = capsys.readouterr()
    assert code == 1
    _assert_clean("check stdout", captured.out)
    _assert_clean("check stderr", captured.err)


def test_show_phi_is_explicit(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", str(export), "--show-phi"])
    shown = capsys.readouterr().out
    assert "219-09-9998" in shown
    assert "４１５-５５５-２６７１" in shown  # the original characters, not the folded ones
    assert "four one five, five five five, two six seven one" in shown


# ---- no network ----------------------------------------------------------------------------------


class _NoNetwork(OSError):
    pass


def _refuse(*args: object, **kwargs: object) -> Any:
    raise _NoNetwork("phiguard tried to open a network connection")


def test_check_runs_with_sockets_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing may be cached from other tests: build the pipeline and load the model afresh.
    monkeypatch.setattr(engine, "_PIPELINES", {})
    try:
        from phiguard.detectors import ner
    except ImportError:  # the NER layer is not there: the pattern layers still run below
        ner = None
    if ner is not None:
        monkeypatch.setattr(ner, "_MODELS", {})
    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname",
                 "create_server", "socketpair"):
        monkeypatch.setattr(socket, name, _refuse)
    policy = phiguard.Policy()
    report = check(Post(text=TEXT, captions=["Rosalind with her cake"]), policy=policy)
    assert report.verdict == "block"
    assert "DETECTOR_ERROR" not in {f.entity for f in report.findings}
    if "ner" in policy.layers:
        assert "ner" in {f.layer for f in report.findings}, "the NER layer did not run"
    phiguard.redact(TEXT)

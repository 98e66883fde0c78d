"""Outputs are whole or absent: never an input, never truncated, and Ctrl-C is never lost.

Also: baselines are written by one run at a time and acknowledge combinations, which SARIF
reports, so a red gate always shows something to fix.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import phiguard.cli as cli
from phiguard.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICY = str(FIXTURES / "patterns-policy.yaml")
SSN = "SSN 219-09-9998"
POSTS = "".join(json.dumps({"id": f"p{i}", "text": SSN if i % 2 else "Flu clinic Saturday."})
                + "\n" for i in range(6))


def _posts(tmp_path: Path) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_text(POSTS, encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def _reports_written(folder: Path) -> bool:
    return any(p.stat().st_size for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---- an input is never an output -------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["scan", "{posts}", "-o", "{target}"],
    ["redact", "{posts}", "--out", "{target}"],
    ["baseline", "{posts}", "--out", "{target}"],
])
@pytest.mark.parametrize("link", [False, True])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str],
        link: bool) -> None:
    posts = _posts(tmp_path)
    target = posts
    if link:  # another name for the same file
        target = tmp_path / "other-name.jsonl"
        os.link(posts, target)
    argv = [part.format(posts=posts, target=target) for part in command]
    assert main([*argv, "--policy", POLICY]) == 2
    assert "is also an input" in capsys.readouterr().err
    assert posts.read_text(encoding="utf-8") == POSTS


# ---- outputs are replaced whole or not at all --------------------------------------------------


def _failing_check_many(exc: BaseException, after: int) -> Any:
    real = cli.check_many

    def check_many(posts: Iterator[Any], **kwargs: Any) -> Iterator[Any]:
        for index, report in enumerate(real(posts, **kwargs)):
            if index == after:
                raise exc
            yield report

    return check_many


@pytest.mark.parametrize("fmt", ["json", "sarif", "jsonl"])
def test_an_error_mid_scan_leaves_the_previous_report_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    posts = _posts(tmp_path)
    report = tmp_path / "report.out"
    report.write_text("previous report\n", encoding="utf-8")
    monkeypatch.setattr(cli, "check_many", _failing_check_many(RuntimeError("boom"), 3))
    assert main(["scan", str(posts), "--policy", POLICY, "-f", fmt, "-o", str(report)]) == 4
    assert report.read_text(encoding="utf-8") == "previous report\n"
    assert _leftovers(tmp_path) == []


def test_a_finished_scan_replaces_the_report_and_keeps_its_permissions(
        tmp_path: Path) -> None:
    posts = _posts(tmp_path)
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")
    report.chmod(0o640)
    assert main(["scan", str(posts), "--policy", POLICY, "-f", "json", "-o", str(report)]) == 1
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["posts"] == 6
    assert report.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []


def _interrupt_after(real: Any, after: int, swallow: bool) -> Any:
    """`real` (check_many or redact_many), sending itself Ctrl-C's signal after a few results,
    and with `swallow` dropping the KeyboardInterrupt as a careless library would."""

    def interrupted(posts: Iterator[Any], **kwargs: Any) -> Iterator[Any]:
        for index, result in enumerate(real(posts, **kwargs)):
            if index == after:
                try:
                    os.kill(os.getpid(), signal.SIGINT)
                except KeyboardInterrupt:
                    if not swallow:
                        raise
            yield result

    return interrupted


@pytest.mark.parametrize("swallow", [False, True])
@pytest.mark.parametrize("command", ["scan", "redact", "baseline"])
def test_ctrl_c_exits_130_and_replaces_no_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        swallow: bool, command: str) -> None:
    posts = _posts(tmp_path)
    out = tmp_path / "out.txt"
    if command == "baseline":  # the previous file must be a baseline to be read
        assert main(["baseline", str(posts), "--policy", POLICY, "--out", str(out)]) == 0
    else:
        out.write_text("previous\n", encoding="utf-8")
    previous = out.read_text(encoding="utf-8")
    if command == "redact":
        # The module, not the `phiguard.redact` function the package exports.
        module = importlib.import_module("phiguard.redact")
        monkeypatch.setattr(module, "redact_many",
                            _interrupt_after(module.redact_many, 2, swallow))
        argv = ["redact", str(posts), "--out", str(out)]
    else:
        monkeypatch.setattr(cli, "check_many", _interrupt_after(cli.check_many, 2, swallow))
        argv = ([command, str(posts), "-o", str(out)] if command == "scan"
                else [command, str(posts), "--out", str(out)])
    # An interrupt that some library caught and dropped still ends the run with 130.
    assert main([*argv, "--policy", POLICY]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == previous
    assert _leftovers(tmp_path) == []


# ---- baselines ----------------------------------------------------------------------------------


def test_a_second_baseline_run_waits_for_the_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    posts = _posts(tmp_path)
    baseline = tmp_path / "baseline.json"
    holder = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # the first run, still writing
    blocked = threading.Event()
    real_flock = fcntl.flock

    def flock(fd: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX:  # the blocking attempt, after the non-blocking one
            blocked.set()
        real_flock(fd, operation)

    monkeypatch.setattr(cli.fcntl, "flock", flock)
    codes: list[int] = []
    second = threading.Thread(target=lambda: codes.append(
        main(["baseline", str(posts), "--policy", POLICY, "--out", str(baseline)])))
    second.start()
    try:
        assert blocked.wait(60)
        assert not baseline.exists()  # it waits: nothing written while the first holds it
    finally:
        os.close(holder)
        second.join(60)
    assert codes == [0] and baseline.exists()
    assert "waiting for another `phiguard baseline`" in capsys.readouterr().err


def test_rewriting_a_baseline_says_what_it_dropped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = _posts(tmp_path)
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(posts), "--policy", POLICY, "--out", str(baseline)]) == 0
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "o1", "text": SSN}) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["baseline", str(other), "--policy", POLICY, "--out", str(baseline)]) == 0
    assert "replacing the previous baseline: 1 added, 3 no longer present" in \
        capsys.readouterr().err


COMBINATION = {"id": "r1", "kind": "reply", "in_reply_to": "meh",
               "text": "Sorry your root canal hurt, Maria."}


def test_a_baseline_acknowledges_combinations_and_sarif_reports_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "replies.jsonl"
    posts.write_text(json.dumps(COMBINATION) + "\n", encoding="utf-8")
    sarif = tmp_path / "out.sarif"
    assert main(["scan", str(posts), "-f", "sarif", "-o", str(sarif)]) == 1
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    combos = [r for r in results if r["ruleId"].startswith("combination/")]
    assert combos and all(r["level"] in ("error", "warning") for r in combos)
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(posts), "--out", str(baseline)]) == 0
    rules = [e["rule"] for e in json.loads(baseline.read_text(encoding="utf-8"))["entries"]]
    assert any(rule.startswith("combination/") for rule in rules)
    assert main(["scan", str(posts), "--baseline", str(baseline), "-f", "sarif",
                 "-o", str(sarif)]) == 0
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    combos = [r for r in results if r["ruleId"].startswith("combination/")]
    assert combos and all(r["level"] == "note" and r["suppressions"] for r in combos)
    capsys.readouterr()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_on_a_real_run_exits_130_and_keeps_the_old_report(tmp_path: Path,
                                                                   jobs: str) -> None:
    # As a terminal does it: SIGINT to the whole process group, workers included, while the
    # scan is reading a stream that has not ended.
    import subprocess
    import sys
    import time

    report = tmp_path / "report.json"
    report.write_text("previous report\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "phiguard", "scan", "-", "--policy", POLICY, "-f", "json",
         "-o", str(report), "--jobs", jobs],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert process.stdin is not None
    process.stdin.write(POSTS.encode() * 50)
    process.stdin.flush()
    try:
        while not _reports_written(tmp_path):  # reports are coming back: workers are running
            assert process.poll() is None
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err.decode()
    assert b"interrupted" in err
    assert b"Traceback" not in err  # workers leave Ctrl-C to the parent
    assert report.read_text(encoding="utf-8") == "previous report\n"
    assert _leftovers(tmp_path) == []


def test_an_output_that_cannot_be_written_is_an_input_error_and_leaves_no_temp_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = _posts(tmp_path)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert main(["scan", str(posts), "--policy", POLICY, "-o", str(folder)]) == 2
    assert f"cannot write {folder}" in capsys.readouterr().err
    assert _leftovers(tmp_path) == []


def test_a_fifo_as_baseline_is_a_configuration_error_not_a_hang(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = _posts(tmp_path)
    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    assert main(["scan", str(posts), "--policy", POLICY, "--baseline", str(fifo)]) == 3
    assert "not a regular file" in capsys.readouterr().err
    assert main(["baseline", str(posts), "--policy", POLICY, "--out", str(fifo)]) == 3


def test_a_post_the_patient_model_alone_stops_is_explained_in_plain_words(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = ("After 19 days on ECMO, our little fighter walked out of the CVICU on his own two "
            "feet and went home to his dog.")
    assert main(["check", text]) == 1  # review
    out = capsys.readouterr().out
    assert "the whole post  (rule patient-model, PATIENT_POST)" in out
    assert "patient model score" in out and "in the text: ''" not in out

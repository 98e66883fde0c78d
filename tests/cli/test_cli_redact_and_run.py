"""`redact` writes each export back in its own format; SARIF's shape; progress bar; --jobs."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from phiguard import cli
from phiguard.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = FIXTURES.parents[2]
POLICY = str(FIXTURES / "patterns-policy.yaml")


def _redact(path: Path | str, out: Path, *extra: str) -> int:
    return main(["redact", str(path), "--policy", POLICY, "--out", str(out), *extra])


def test_redact_jsonl_keeps_every_record_and_every_other_key(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert _redact(FIXTURES / "mixed.jsonl", out) == 2  # two unreadable records
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    assert rows[1] == {"id": "p2", "text": "Her SSN [SSN] was on the intake form.",
                       "posted_at": "2024-01-11T10:00:00"}
    assert rows[3]["captions"] == ["Card reading [EMAIL_ADDRESS]"]
    assert "could not be read" in rows[2]["phiguard_error"] and "broken" not in rows[2][
        "phiguard_error"]


def test_redact_tweets_js_is_still_an_archive_file(tmp_path: Path) -> None:
    out = tmp_path / "tweets.js"
    assert _redact(ROOT / "examples" / "tweets.js", out) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("window.YTD.tweets.part0 = [\n")
    tweets = json.loads(text.split("=", 1)[1])
    assert len(tweets) == 4 and "[MEDICAL_RECORD_NUMBER]" in tweets[2]["tweet"]["full_text"]
    alt = tweets[3]["tweet"]["extended_entities"]["media"][0]["ext_alt_text"]
    assert alt.endswith("MRN [MEDICAL_RECORD_NUMBER]")
    assert tweets[0]["tweet"]["entities"]["hashtags"][0]["text"] == "FluSeason"
    assert main(["scan", str(out), "--policy", POLICY]) == 0


def test_redact_json_object_keeps_the_keys_around_the_list(tmp_path: Path) -> None:
    out = tmp_path / "posts.json"
    assert _redact(FIXTURES / "posts.json", out) == 2
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["export"] == "drafts" and document["generated_by"] == "drafts-tool"
    assert [p.get("id") for p in document["posts"]] == ["j1", "j2", None, "j4"]
    assert document["posts"][3]["message"] == "SSN [SSN] appears here"


def test_redact_facebook_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "fb.json"
    assert _redact(ROOT / "examples" / "facebook-posts.json", out) == 0
    posts = json.loads(out.read_text(encoding="utf-8"))
    assert len(posts) == 4
    media = posts[1]["attachments"][0]["data"][0]["media"]
    assert "[DATE]" in media["description"] and "03/02/1931" not in media["description"]
    assert media["uri"].endswith("10001.jpg")
    out = tmp_path / "export.csv"
    assert _redact(FIXTURES / "export.csv", out) == 2
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert rows[0] == ["Post ID", "Message", "Image Alt Text", "Network"]
    assert len(rows) == 5 and rows[2][1] == "Her SSN [SSN]; keep it safe"
    assert rows[3][0] == "" and "could not be read" in rows[3][1]


def test_redact_strategy_mask_and_hash_needs_a_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "a", "text": "SSN 219-09-9998"}) + "\n", "utf-8")
    out = tmp_path / "out.jsonl"
    assert _redact(posts, out, "--strategy", "mask") == 0
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "SSN ***-**-****"
    monkeypatch.delenv(cli.REDACT_KEY_ENV, raising=False)
    assert _redact(posts, out, "--strategy", "hash") == 3
    monkeypatch.setenv(cli.REDACT_KEY_ENV, "sixteen bytes or more of secret")
    assert _redact(posts, out, "--strategy", "hash") == 0
    assert "9998" not in out.read_text(encoding="utf-8")


def test_sarif_is_a_code_scanning_log(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    main(["scan", "mixed.jsonl", "--policy", POLICY, "-f", "sarif"])
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "mixed.jsonl"
        assert location["region"]["startLine"] >= 1
        assert len(result["partialFingerprints"]["phiguardFinding/v1"]) == 32
    ssn = next(r for r in run["results"] if r["ruleId"] == "ssn")
    assert ssn["level"] == "error" and ssn["properties"]["start"] == 8
    assert ssn["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "p2/text[8:19]"
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in run["results"] if r["ruleId"] == "input-error"] == [3, 5]
    assert run["invocations"][0]["executionSuccessful"] is False


def test_progress_bar_only_on_a_terminal(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"id": str(i), "text": "Flu clinic"}) + "\n"
                             for i in range(600)), encoding="utf-8")
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 0)
    main(["scan", str(posts), "--policy", POLICY, "-f", "jsonl"])
    assert "\r" not in capsys.readouterr().err  # pytest's stderr is not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    main(["scan", str(posts), "--policy", POLICY, "-f", "jsonl"])
    captured = capsys.readouterr()
    assert "\r[" in captured.err and "512 records" in captured.err
    assert "\r" not in captured.out and len(captured.out.splitlines()) == 600


def test_jobs_2_gives_the_same_report_in_the_same_order(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    main(["scan", "mixed.jsonl", "--policy", POLICY, "-f", "jsonl"])
    one = capsys.readouterr().out
    assert main(["scan", "mixed.jsonl", "--policy", POLICY, "-f", "jsonl", "--jobs", "2"]) == 2
    assert capsys.readouterr().out == one


def test_checked_keeps_memory_flat_with_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pool.imap drains its input from a feeder thread; the reader must still run only a few
    batches ahead of the reports, or memory would grow with the export."""
    import queue
    import threading

    from phiguard.io.records import Record, Source
    from phiguard.models import Post, Report

    def eager_check_many(posts: Any, **kwargs: Any) -> Any:
        fed: queue.Queue[Post | None] = queue.Queue()

        def feeder() -> None:  # like the pool's task handler: reads as far as it is allowed
            for post in posts:
                fed.put(post)
            fed.put(None)

        threading.Thread(target=feeder, daemon=True).start()
        while (post := fed.get()) is not None:
            yield Report(post_id=post.id, verdict="pass", score=0.0)

    monkeypatch.setattr(cli, "check_many", eager_check_many)
    source = Source("gen", "jsonl")
    read = 0
    first_read: list[int] = []

    def records() -> Any:
        nonlocal read
        for i in range(5_000):
            read += 1
            yield Record(source, i + 1, i + 1, post=Post(id=str(i), text="hello"))

    stream = cli.checked(records(), None, jobs=2, batch_size=8)
    ids = []
    for record, report in stream:
        assert report is not None and report.post_id == record.post.id  # type: ignore[union-attr]
        ids.append(report.post_id)
        first_read.append(read)
    assert ids == [str(i) for i in range(5_000)]
    # Never more than the window (a few batches) read ahead of what has been reported.
    window = 8 * (2 * 2 + 1)
    assert max(read - done for done, read in enumerate(first_read, start=1)) <= window + 1


def test_stdin_redact_to_stdout(capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"id,text\na,SSN 219-09-9998\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["redact", "-", "--policy", POLICY]) == 0
    assert capsys.readouterr().out == "id,text\na,SSN [SSN]\n"

"""Readers: every shape of export, malformed records in place, streaming, stdin, field names."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from phiguard.cli import main
from phiguard.io.readers import Progress, expand_paths, read_records
from phiguard.io.records import FieldOptions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = FIXTURES.parents[2]
POLICY = str(FIXTURES / "patterns-policy.yaml")


def _read(path: Path | str, **kwargs: object) -> list[tuple[int, str | None, str | None]]:
    """(line, post id, error) of every record."""
    return [(r.line, r.post.id if r.post else None, r.error)
            for r in read_records(expand_paths([path]), **kwargs)]  # type: ignore[arg-type]


# ---- a malformed record between good ones, in each format ---------------------------------


@pytest.mark.parametrize(("name", "good", "bad_line"), [
    ("mixed.jsonl", {"p1": 1, "p2": 2, "p4": 4, "p6": 6}, 3),
    ("posts.json", {"j1": 5, "j2": 6, "j4": 8}, 7),
    ("export.csv", {"c1": 2, "c2": 3, "c4": 5}, 4),
])
def test_malformed_record_is_reported_with_its_line_and_every_good_record_is_output(
        name: str, good: dict[str, int], bad_line: int, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert main(["scan", name, "--policy", POLICY, "--format", "jsonl"]) == 2
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert {r["post_id"]: r["line"] for r in rows if r["post_id"]} == good
    errors = [r for r in rows if r["verdict"] == "error"]
    assert bad_line in [r["line"] for r in errors] and all(r["error"] for r in errors)
    assert [r["record"] for r in rows] == sorted(r["record"] for r in rows)  # input order
    assert f"{name}:{bad_line}: " in captured.err


# ---- platform shapes --------------------------------------------------------------------


def test_tweets_js_archive() -> None:
    records = list(read_records([ROOT / "examples" / "tweets.js"]))
    assert [r.post.id for r in records if r.post] == [
        "1712345678901234561", "1712345678901234562", "1712345678901234563",
        "1712345678901234564"]
    reply = records[2].post
    assert reply is not None and reply.kind == "reply" and reply.channel == "x"
    assert reply.posted_at is not None and reply.posted_at.year == 2023
    alt = records[3]
    assert alt.post is not None and alt.post.captions == (
        "Volunteer reading to a patient, wristband showing MRN 00593017",)
    assert alt.paths["captions[0]"] == ("tweet", "extended_entities", "media", 0, "ext_alt_text")
    assert records[0].source.prefix.startswith("window.YTD.tweets.part0 = [")


def test_facebook_posts_with_media_descriptions_and_fixed_encoding() -> None:
    records = list(read_records([ROOT / "examples" / "facebook-posts.json"]))
    assert [r.error for r in records] == [None] * 4
    photo = records[1].post
    assert photo is not None and photo.id == "fb-1700053200"
    assert photo.text.startswith("A very special birthday")
    # Facebook writes UTF-8 bytes as \u00XX escapes; the reader undoes it.
    assert photo.captions[0].startswith("Nurse Renée with a patient")
    assert records[3].post is not None and records[3].post.text == ""  # a check-in: no text


def test_instagram_posts(tmp_path: Path) -> None:
    path = tmp_path / "posts_1.json"
    path.write_text(json.dumps([
        {"media": [{"uri": "media/posts/1.jpg", "creation_timestamp": 1700000000,
                    "title": "Caf\u00c3\u00a9 opening day"}]},
        {"media": [{"uri": "a.jpg", "title": "Two photos"}, {"uri": "b.jpg", "title": "second"}],
         "title": "Two photos", "creation_timestamp": 1700000001},
    ]), encoding="utf-8")
    posts = [r.post for r in read_records([path])]
    assert posts[0] is not None and posts[0].text == "Café opening day"
    assert posts[0].id == "ig-1700000000" and posts[0].channel == "instagram"
    assert posts[1] is not None and posts[1].captions == ("second",)


def test_social_tool_csv_columns_are_found_by_name() -> None:
    records = list(read_records([ROOT / "examples" / "social-tool-export.csv"]))
    post = records[0].post
    assert post is not None and post.id == "fb_10001" and post.channel == "Facebook"
    assert post.captions == ("Two nurses at a screening table",)
    assert post.posted_at is not None and post.posted_at.day == 20
    assert records[2].post is not None and records[2].post.captions == ()  # empty alt text


def test_csv_with_bom_and_quoted_newlines_keeps_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes('\ufeffid,text\na,"two\nlines"\nb,one line\n'.encode())
    assert _read(path) == [(2, "a", None), (4, "b", None)]


def test_csv_without_a_text_column_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,when\n1,today\n2,tomorrow\n", encoding="utf-8")
    rows = _read(path)
    assert [line for line, _, _ in rows] == [2, 3]
    assert all(error and "--text-field" in error for _, _, error in rows)


def test_explicit_field_names(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"key": "k1", "copy": {"body": "Hello"}, "img": "A photo",
                                "text": "ignored"}) + "\n", encoding="utf-8")
    options = FieldOptions(text="copy.body", captions=("img",), id="key")
    record = next(read_records([path], options=options))
    assert record.post is not None and record.post.id == "k1"
    assert record.post.text == "Hello" and record.post.captions == ("A photo",)
    assert record.paths == {"text": ("copy", "body"), "captions[0]": ("img",)}
    missing = next(read_records([path], options=FieldOptions(text="nope")))
    assert missing.error == "no field 'nope' (from --text-field)"


def test_a_field_of_the_wrong_type_is_a_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text('{"id": 1, "text": 5}\n{"id": 2, "text": "ok", "captions": [1]}\n',
                    encoding="utf-8")
    assert _read(path) == [(1, None, "field 'text' is not text"),
                           (2, None, "field captions[0] is not text")]


def test_json_array_with_a_non_object_and_a_truncated_end(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('[\n  {"id": "a", "text": "x"},\n  42,\n  {"id": "b", "text": "y"}', "utf-8")
    rows = _read(path)
    assert rows[0] == (2, "a", None) and rows[1][2] == "a record must be a JSON object, not a " \
                                                       "number"
    assert rows[2] == (4, "b", None) and "ends before the list" in str(rows[3][2])


def test_json_object_without_a_list_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('{"a": 1, "b": [1, 2]}', "utf-8")
    assert _read(path) == [(1, None, "no list of posts found in this JSON object")]


def test_escaped_quotes_and_brackets_inside_strings(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    text = 'He said \\"]}\\" and left {[' + "x" * 70_000  # crosses a 64 KiB chunk
    path.write_text(f'[{{"id": "a", "text": "{text}"}},\n{{"id": "b", "text": "ok"}}]', "utf-8")
    rows = _read(path)
    assert rows == [(1, "a", None), (2, "b", None)]


def test_directory_is_walked_in_order_and_other_javascript_skipped(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_text('{"id": "b", "text": "x"}\n', "utf-8")
    (tmp_path / "a.csv").write_text("id,text\na,x\n", "utf-8")
    (tmp_path / "app.js").write_text("console.log('not an export')", "utf-8")
    (tmp_path / ".hidden.jsonl").write_text("{oops\n", "utf-8")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.csv", "b.jsonl"]  # type: ignore[union-attr]


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = b'{"id": "s1", "text": "SSN 219-09-9998"}\n{"id": "s2", "text": "hello"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["scan", "-", "--policy", POLICY]) == 1
    out = capsys.readouterr().out
    assert "<stdin>:1" in out and "<stdin>:2" in out


def test_stdin_sniffs_csv_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    for data in (b"id,message\nx,hello\n", b'[{"id": "x", "message": "hello"}]'):
        records = list(read_records(["-"], stdin=io.BytesIO(data)))
        assert [(r.post.id if r.post else r.error) for r in records] == ["x"]


def test_reading_streams_a_large_json_array() -> None:
    """Memory follows the record, not the file: after the first record of a 20,000-record
    array, only a little of the input has been read."""
    body = ",\n".join(json.dumps({"id": str(i), "text": "Flu clinic Saturday " * 5})
                      for i in range(20_000))
    handle = io.BytesIO(f"[\n{body}\n]\n".encode())
    progress = Progress(total=None)
    records = read_records(["-"], stdin=handle, progress=progress)
    first = next(records)
    assert first.post is not None and first.post.id == "0"
    assert handle.tell() < 200_000 < len(handle.getvalue()) // 5
    assert sum(1 for _ in records) == 19_999

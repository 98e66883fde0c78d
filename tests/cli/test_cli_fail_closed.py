"""Fail closed on input: every path, record and field is checked or reported, never skipped.

Each test here is a reproducer of a way a record or a field used to go unchecked with exit 0, or
a run used to crash (exit 4) and report nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from phiguard.cli import main
from phiguard.io.readers import read_records

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICY = str(FIXTURES / "patterns-policy.yaml")
SSN = "SSN 219-09-9998"
CLEAN = "Flu clinic Saturday."


def _jsonl_rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, object]],
                                                                   str]:
    code = main(["scan", *args, "--policy", POLICY, "--format", "jsonl"])
    captured = capsys.readouterr()
    return code, _jsonl_rows(captured.out), captured.err


def _post(id_: str, text: str) -> str:
    return json.dumps({"id": id_, "text": text}) + "\n"


# ---- folders ---------------------------------------------------------------------------------


def test_a_dangling_link_in_a_folder_is_an_error_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "good.jsonl").write_text(_post("g", SSN), encoding="utf-8")
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    code, rows, err = _scan(capsys, str(tmp_path))
    assert code == 2
    assert [r["post_id"] for r in rows if r["verdict"] == "block"] == ["g"]
    assert "gone.jsonl:1: is a link to nothing" in err


def test_an_unreadable_subfolder_is_an_error_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.jsonl").write_text(_post("g", CLEAN), encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.jsonl").write_text(_post("h", SSN), encoding="utf-8")
    # Tests run as root, which chmod cannot lock out: the folder refuses to be listed instead.
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, rows, err = _scan(capsys, str(tmp_path))
    assert code == 2
    assert "locked:1: folder cannot be read (Permission denied)" in err
    assert [r["post_id"] for r in rows if r["verdict"] == "pass"] == ["g"]


def test_a_linked_folder_is_followed_once_and_a_loop_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "posts.jsonl").write_text(_post("r", SSN), encoding="utf-8")
    top = tmp_path / "top"
    top.mkdir()
    (top / "linked").symlink_to(real, target_is_directory=True)
    (top / "again").symlink_to(real, target_is_directory=True)
    (real / "back").symlink_to(top, target_is_directory=True)
    code, rows, err = _scan(capsys, str(top))
    assert code == 2
    assert [r["post_id"] for r in rows if r["post_id"]] == ["r"]  # one route, read once
    assert "(a loop); not followed" in err


def test_a_fifo_is_refused_and_never_read(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "posts.jsonl"
    os.mkfifo(fifo)
    assert main(["scan", str(fifo), "--policy", POLICY]) == 2  # returns: nothing opened it
    assert "is not a regular file" in capsys.readouterr().err
    # The reader alone, given the path without the command line's checks, does not hang either.
    assert [r.error for r in read_records([fifo])] == [
        "is not a regular file (a pipe, device or socket); pass its contents with '-'"]
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "good.jsonl").write_text(_post("g", CLEAN), encoding="utf-8")
    code, rows, err = _scan(capsys, str(folder))
    assert code == 2 and "pipe.jsonl:1: is not a regular file" in err
    assert [r["post_id"] for r in rows if r["post_id"]] == ["g"]


# ---- whole files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [
    ("empty.json", ""), ("empty.jsonl", ""), ("blank.csv", "\n\n  \n"), ("bom.json", "\ufeff"),
])
def test_an_empty_file_is_a_file_level_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    report = tmp_path / "report.json"
    assert main(["scan", str(path), "--policy", POLICY, "-o", str(report)]) == 2
    assert "is empty" in capsys.readouterr().err
    assert not report.exists()


def test_empty_stdin_is_an_error(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"  \n")))
    assert main(["scan", "-", "--policy", POLICY]) == 2
    assert "<stdin>:1: is empty" in capsys.readouterr().err


def test_a_well_formed_export_with_no_posts_is_zero_posts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "none.json").write_text("[]", encoding="utf-8")
    (tmp_path / "none.csv").write_text("id,text\n", encoding="utf-8")
    for name in ("none.json", "none.csv"):
        assert main(["scan", str(tmp_path / name), "--policy", POLICY]) == 0
        assert "0 posts" in capsys.readouterr().err


def test_baseline_and_redact_of_a_missing_input_write_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    out = tmp_path / "out.jsonl"
    assert main(["baseline", str(tmp_path / "missing"), "--policy", POLICY,
                 "--out", str(baseline)]) == 2
    assert main(["redact", str(tmp_path / "missing.jsonl"), "--policy", POLICY,
                 "--out", str(out)]) == 2
    assert not baseline.exists() and not out.exists()
    assert capsys.readouterr().err.count("no such file or folder") == 2


def test_plain_text_is_one_post_per_paragraph_or_per_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "drafts.txt"
    path.write_text(f"{CLEAN}\nSee you there.\n\n\nHer {SSN}\nthanks\n", encoding="utf-8")
    code, rows, _ = _scan(capsys, str(path))
    assert code == 1
    assert [(r["line"], r["verdict"]) for r in rows] == [(1, "pass"), (5, "block")]
    code, rows, _ = _scan(capsys, str(path), "--lines")
    assert [(r["line"], r["verdict"]) for r in rows] == [
        (1, "pass"), (2, "pass"), (5, "block"), (6, "pass")]


def test_redact_plain_text_keeps_its_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "drafts.txt"
    path.write_text(f"{CLEAN}\n\nHer {SSN}\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    assert main(["redact", str(path), "--policy", POLICY, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == f"{CLEAN}\n\nHer SSN [SSN]\n"


# ---- several text fields in one record -------------------------------------------------------


@pytest.mark.parametrize("record", [
    {"id": "a", "text": CLEAN, "message": SSN},
    {"id": "a", "text": CLEAN, "TEXT": SSN},
    {"id": "a", "Body": SSN, "content": CLEAN},
])
def test_every_text_like_field_of_a_record_is_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], record: dict[str, str]) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    code, rows, _ = _scan(capsys, str(path))
    assert code == 1 and rows[0]["verdict"] == "block"
    finding = rows[0]["findings"][0]  # type: ignore[index]
    ssn_key = next(k for k, v in record.items() if v == SSN)
    assert finding["key"] == ssn_key  # attributable to the field it is in


def test_a_key_given_twice_is_a_bad_record(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(f'{{"id": "a", "text": "{SSN}", "text": "{CLEAN}"}}\n'
                    + _post("b", CLEAN), encoding="utf-8")
    code, rows, err = _scan(capsys, str(path))
    assert code == 2
    assert rows[0]["verdict"] == "error" and "'text' appears twice" in str(rows[0]["error"])
    assert rows[1]["post_id"] == "b"
    assert "219-09-9998" not in err


def test_two_csv_text_columns_are_both_checked_and_a_repeated_column_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f"id,text,message\n1,{CLEAN},{SSN}\n", encoding="utf-8")
    code, rows, _ = _scan(capsys, str(path))
    assert code == 1 and rows[0]["verdict"] == "block"
    path.write_text(f"id,text,Text\n1,{CLEAN},{SSN}\n", encoding="utf-8")
    code, rows, err = _scan(capsys, str(path))
    assert code == 2 and "names the column 'text' twice" in err


# ---- JSON documents --------------------------------------------------------------------------


def test_a_second_top_level_list_is_checked_and_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.json"
    path.write_text(json.dumps([{"id": "a", "text": CLEAN}])
                    + json.dumps([{"id": "b", "text": SSN}]), encoding="utf-8")
    code, rows, err = _scan(capsys, str(path))
    assert code == 2 and "a second top-level list" in err
    assert {r["post_id"]: r["verdict"] for r in rows if r["post_id"]} == {
        "a": "pass", "b": "block"}


def test_strings_beside_the_list_of_posts_are_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.json"
    path.write_text(json.dumps({"note": f"Ask about {SSN}", "posts": [
        {"id": "a", "text": CLEAN}], "footer": {"by": "someone"}}), encoding="utf-8")
    code, rows, _ = _scan(capsys, str(path))
    assert code == 1
    # The strings before the list, the post, the strings after it.
    assert [(r["post_id"], r["verdict"]) for r in rows] == [
        (None, "block"), ("a", "pass"), (None, "pass")]
    assert rows[0]["findings"][0]["key"] == "note"  # type: ignore[index]


def test_redact_rewrites_text_beside_the_list_in_place(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('{\n  "note": "Ask about ' + SSN + '",\n  "posts": [\n    '
                    + json.dumps({"id": "a", "text": SSN}) + '\n  ],\n  "footer": "Call '
                    '415-555-2671", "n": 2\n}\n', encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["redact", str(path), "--policy", POLICY, "--out", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert json.loads(written) == {"note": "Ask about SSN [SSN]", "posts": [
        {"id": "a", "text": "SSN [SSN]"}], "footer": "Call [PHONE_NUMBER]", "n": 2}
    assert written.startswith('{\n  "note"')  # the layout around the list is kept


@pytest.mark.parametrize("depth", [990, 100_000])
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_deep_nesting_is_a_bad_record_and_earlier_records_are_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int, fmt: str) -> None:
    deep = '{"id": "x", "text": "t", "meta": ' + "[" * depth + "]" * depth + "}"
    records = [json.dumps({"id": "a", "text": SSN}), deep, json.dumps({"id": "b", "text": CLEAN})]
    path = tmp_path / f"posts.{fmt}"
    text = "[" + ",\n".join(records) + "]" if fmt == "json" else "\n".join(records) + "\n"
    path.write_text(text, encoding="utf-8")
    code, rows, err = _scan(capsys, str(path))
    assert code == 2, err
    assert [(r["post_id"], r["verdict"]) for r in rows] == [
        ("a", "block"), (None, "error"), ("b", "pass")]
    assert "levels deep" in str(rows[1]["error"])


def test_one_bad_byte_in_minified_json_is_pinned_on_its_own_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [json.dumps({"id": i, "text": CLEAN}).encode() for i in ("a", "b")]
    records.append(b'{"id": "c", "text": "SSN 219-09-\xff9998"}')
    records.append(json.dumps({"id": "d", "text": CLEAN}).encode())
    path = tmp_path / "posts.json"
    path.write_bytes(b"[" + b",".join(records) + b"]")  # one line
    code, rows, _ = _scan(capsys, str(path))
    assert code == 2
    assert [(r["post_id"], r["verdict"]) for r in rows] == [
        ("a", "pass"), ("b", "pass"), (None, "error"), ("d", "pass")]
    assert "not valid UTF-8" in str(rows[2]["error"])


# ---- CSV -------------------------------------------------------------------------------------


def test_a_nul_byte_fails_its_row_not_the_file(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(f"id,text\n1,{CLEAN}\n2,bad\x00row\n3,{SSN}\n".encode())
    code, rows, err = _scan(capsys, str(path))
    assert code == 2 and "a NUL byte" in err
    assert [(r["post_id"], r["verdict"]) for r in rows] == [
        ("1", "pass"), (None, "error"), ("3", "block")]


def test_an_unclosed_quote_that_merges_rows_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f'id,text\n1,"{CLEAN}\n2,{SSN}\n3,fine"\n4,{CLEAN}\n', encoding="utf-8")
    code, rows, err = _scan(capsys, str(path))
    assert code == 2 and "rows were merged" in err
    assert [r["verdict"] for r in rows] == ["error", "pass"]


def test_a_quoted_cell_over_several_lines_is_still_one_post(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f'id,text\n1,"{CLEAN}\nSee you there\nand bring a friend"\n',
                    encoding="utf-8")
    code, rows, _ = _scan(capsys, str(path))
    assert code == 0 and [r["post_id"] for r in rows] == ["1"]


def test_prose_on_standard_input_is_read_as_text_not_as_a_csv_header(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    prose = f"Her {SSN} is on file\n\n{CLEAN}\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(prose.encode())))
    code, rows, _ = _scan(capsys, "-")
    assert code == 1 and [r["verdict"] for r in rows] == ["block", "pass"]


def test_a_post_over_several_lines_with_commas_in_them_is_not_called_merged_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "posts.csv"
    path.write_text('id,text\n1,"Join us Saturday!\nDoors open at 9, coffee at 10\nSee you"\n'
                    f"2,{CLEAN}\n", encoding="utf-8")
    code, rows, _ = _scan(capsys, str(path))
    assert code == 0 and [r["post_id"] for r in rows] == ["1", "2"]

"""No raw PHI in default output: plant identifiers in every input shape, including inside
malformed records, and search every output format, stderr and the baseline file for them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from phiguard.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POLICY = str(FIXTURES / "patterns-policy.yaml")

PLANTED = ["219-09-9998", "415-555-2671", "jane.quarterman@example.com", "00482913",
           "Quarterman"]


def _forms(value: str) -> list[str]:
    """The value, and its digits alone when it has enough of them to identify."""
    digits = re.sub(r"\D", "", value)
    return [value, value.lower()] + ([digits] if len(digits) >= 7 else [])


def _inputs(tmp: Path) -> list[Path]:
    text = ("Call Jane Quarterman at 415-555-2671, SSN 219-09-9998, "
            "jane.quarterman@example.com, MRN 00482913")
    jsonl = tmp / "posts.jsonl"
    jsonl.write_text(
        json.dumps({"id": "a", "text": text, "captions": [text]}) + "\n"
        + '{"id": "b", "text": "Jane Quarterman SSN 219-09-9998 unterminated\n'
        + json.dumps({"id": "c", "text": 219099998, "note": text}) + "\n", encoding="utf-8")
    array = tmp / "posts.json"
    array.write_text("[\n" + json.dumps({"id": "d", "message": text}) + ",\n"
                     + '{"id": "e" "message": "Quarterman 219-09-9998"},\n'
                     + json.dumps({"id": "f", "alt_text": text}) + "\n]\n", encoding="utf-8")
    table = tmp / "export.csv"
    table.write_text(f'Post ID,Message\ng,"{text}"\nh,Quarterman,219-09-9998\n',
                     encoding="utf-8")
    tweets = tmp / "tweets.js"
    tweets.write_text("window.YTD.tweets.part0 = [\n" + json.dumps(
        {"tweet": {"id_str": "1", "full_text": text, "created_at":
                   "Tue Oct 10 14:05:11 +0000 2023"}}) + "\n]\n", encoding="utf-8")
    facebook = tmp / "your_posts_1.json"
    facebook.write_text(json.dumps([{"timestamp": 1700000000, "data": [{"post": text}],
                                     "attachments": [{"data": [{"media": {
                                         "uri": "x.jpg", "description": text}}]}]}]),
                        encoding="utf-8")
    return [jsonl, array, table, tweets, facebook]


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "sarif"])
def test_planted_phi_never_reaches_default_output(
        fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = [str(p) for p in _inputs(tmp_path)]
    code = main(["scan", *inputs, "--policy", POLICY, "--format", fmt])
    assert code == 2  # the planted malformed records
    captured = capsys.readouterr()
    everything = captured.out + captured.err
    assert "SSN" in captured.out and "EMAIL_ADDRESS" in captured.out  # it did find them
    for value in PLANTED:
        for form in _forms(value):
            assert form not in everything, f"{form!r} leaked into {fmt} output"


def test_show_phi_is_the_only_way_to_print_the_match(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = [str(p) for p in _inputs(tmp_path)]
    main(["scan", *inputs, "--policy", POLICY, "--show-phi"])
    out = capsys.readouterr().out
    assert "219-09-9998" in out and "jane.quarterman@example.com" in out


def test_baseline_file_and_its_messages_hold_no_phi(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = [str(p) for p in _inputs(tmp_path)]
    baseline = tmp_path / "baseline.json"
    main(["baseline", *inputs, "--policy", POLICY, "--out", str(baseline)])
    everything = baseline.read_text(encoding="utf-8") + "".join(capsys.readouterr())
    for value in PLANTED:
        for form in _forms(value):
            assert form not in everything


def test_redact_output_and_messages_hold_no_phi(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in _inputs(tmp_path):
        if path.name == "posts.jsonl":
            continue  # holds a number field, checked by the malformed-record tests
        out = tmp_path / f"redacted-{path.name}"
        main(["redact", str(path), "--policy", POLICY, "--out", str(out)])
        everything = out.read_text(encoding="utf-8") + "".join(capsys.readouterr())
        for value in ("219-09-9998", "415-555-2671", "jane.quarterman@example.com",
                      "00482913"):
            assert value not in everything, f"{value} left in {out.name}"


# ---- explanations never quote the match ---------------------------------------------------------

_PEOPLE = ["Bill", "Jack", "Rose", "Will", "Hope", "Grace", "Dawn", "Mark", "June", "Rosalind",
           "Tomasz Quackenbush", "Dr. Amara Okafor", "Nurse Penelope"]
_FRAMES = [
    "Happy 90th birthday, {p}! Thanks for 30 years with us.",
    "{p} called the clinic on 3/14/2024 about the results.",
    "Our patient {p} from Springfield finished chemo today!",
    "{p} and his daughter visited the Maple Street campus.",
    "Welcome home, {p}! Her husband cheered at the door.",
    "Thank you {p} for the flowers, the nurses loved them.",
    "{p} will bill the insurer, and jack up the bed for room 4.",
    "Call {p} at 415-555-2671 or write to {p}@example.org.",
    "SSN two one nine zero nine nine nine nine eight for {p}.",
    "{p}, age 93, was admitted to Mercy Valley in June.",
]


def test_no_explanation_quotes_any_word_of_what_it_flagged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Every layer (names, model, context, patterns) over posts that draw explanations of every
    # kind: suppressed common words, cues, relatives, places, dates, numbers spelled out.
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(
        json.dumps({"id": f"x{i}-{j}", "text": frame.format(p=person)}) + "\n"
        for i, frame in enumerate(_FRAMES) for j, person in enumerate(_PEOPLE)),
        encoding="utf-8")
    main(["scan", str(posts), "--format", "jsonl", "--show-phi"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(_FRAMES) * len(_PEOPLE)
    findings = [(row["post_id"], f) for row in rows for f in row["findings"]]
    assert len(findings) > len(rows)  # the posts drew findings: the check below is exercised
    # What identifies: the planted names, any number, and digits spelled out.
    planted = {w.lower() for person in _PEOPLE for w in re.findall(r"\w{3,}", person)} | {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

    def identifying(text: str) -> set[str]:
        return {w.lower() for w in re.findall(r"[^\W_]+", text)
                if w.lower() in planted or any(ch.isdigit() for ch in w)}

    leaks = []
    for post_id, f in findings:
        # Rule, pattern and validator ids ('bare-nine-digits', 'ssn.v1') are the rule's words.
        said = re.sub(r"'[\w]+(?:[-.][\w]+)+'", "", f["explanation"])
        said = re.sub(r"\b(?:90|89) or older|over 89|\d+ tokens", "", said)
        leaked = identifying(f["match"]) & identifying(said)
        if leaked:
            leaks.append((post_id, f["rule_id"], leaked))
    assert leaks == []


def test_the_excerpt_of_a_number_spelled_out_shows_only_its_category(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "s", "text": "SSN two one nine zero nine nine nine "
                                                    "nine eight"}) + "\n", encoding="utf-8")
    assert main(["scan", str(posts), "--policy", POLICY, "--format", "jsonl"]) == 1
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    # "t** o** n***..." gave the number away by initials and lengths.
    assert finding["excerpt"] == "[SSN]"
    assert main(["scan", str(posts), "--policy", POLICY]) == 1
    assert "'[SSN]'" in capsys.readouterr().out

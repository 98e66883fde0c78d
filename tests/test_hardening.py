"""Hardening: obfuscated identifiers, pathological input, windowing of long posts.

The obfuscation corpus is the same ten identifiers, each written in five obfuscated forms. Its
recall is asserted twice: with digit folding (what phiguard does) and with Unicode folding only
(what the Foundation did), so the number in docs/hardening.md is the number these tests compute.
"""

from __future__ import annotations

import cProfile
import functools
import json
import os
import random
import string
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import regex

import phiguard
from phiguard import Policy, Post, check, engine
from phiguard.detectors.base import Candidate, FieldText
from phiguard.detectors.patterns import REGEX_TIMEOUT, compile_rule
from phiguard.io.readers import read_records
from phiguard.normalize import normalize
from phiguard.rulepacks.loader import load_rulepack, rules_dir

_PATTERNS_POLICY = Path(__file__).resolve().parent / "cli" / "fixtures" / "patterns-policy.yaml"

# ---- the obfuscation corpus ----------------------------------------------------------------------

# (rule id, sentence with {} where the identifier goes, the identifier in plain form)
IDENTIFIERS = [
    ("ssn", "Her SSN is {} per the intake form.", "219-09-9998"),
    ("phone", "Call her daughter at {} tonight.", "415-555-2671"),
    ("fax", "Fax: {} attention Dr. Lee.", "415-555-2672"),
    ("mrn", "MRN {} was on the wristband in the photo.", "00482913"),
    ("zip-code", "They moved to Springfield, IL {} last spring.", "62704"),
    ("date-numeric", "DOB {} on the chart.", "03/14/1931"),
    ("account-number", "Account number {} is past due.", "5501234567"),
    ("health-plan-id", "Member ID {} is on his card.", "88234571"),
    ("imei", "Lost phone IMEI {} found in the lobby.", "490154203237518"),
    ("license-number", "Driver's license number {} was in the wallet.", "40817263"),
]
_FULLWIDTH = str.maketrans("0123456789-/", "０１２３４５６７８９－／")
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def fullwidth(value: str) -> str:
    """Fullwidth digits and separators: NFKC folds them."""
    return value.translate(_FULLWIDTH)


def invisible(value: str) -> str:
    """A different invisible character between every two characters."""
    marks = "\u200b\u2060\u00ad\ufeff"
    return "".join(ch + marks[i % len(marks)] for i, ch in enumerate(value[:-1])) + value[-1]


def lookalike(value: str) -> str:
    """0 -> O and 1 -> l, as a person typing past a filter would."""
    return value.replace("0", "O").replace("1", "l")


def spaced(value: str) -> str:
    """One space between digits; groups joined by " - " or " / "."""
    groups = regex.split(r"([-/])", value)
    return "".join(f" {g} " if g in "-/" else " ".join(g) for g in groups)


def spelled(value: str) -> str:
    """Each digit as a word; groups separated by commas."""
    groups = regex.split(r"[-/]", value)
    return ", ".join(" ".join(_WORDS[int(d)] for d in group) for group in groups)


FORMS: dict[str, Callable[[str], str]] = {
    "fullwidth": fullwidth, "invisible": invisible, "lookalike": lookalike, "spaced": spaced,
    "spelled": spelled,
}
CASES = [(rule, form, template, value) for rule, template, value in IDENTIFIERS for form in FORMS]


def _detected(rule: str, form: str, template: str, value: str) -> bool:
    """Is the obfuscated identifier flagged by its rule, with offsets on exactly its characters?"""
    obfuscated = FORMS[form](value)
    text = template.format(obfuscated)
    report = check(text, policy=Policy(layers=["patterns"]))
    start = text.index(obfuscated)
    return any(
        f.rule_id == rule and (f.start, f.end) == (start, start + len(obfuscated))
        for f in report.flagged
    )


def _recall(cases: Sequence[tuple[str, str, str, str]]) -> float:
    return sum(_detected(*case) for case in cases) / len(cases)


def test_every_plain_identifier_is_found() -> None:
    for rule, template, value in IDENTIFIERS:
        report = check(template.format(value), policy=Policy(layers=["patterns"]))
        assert rule in {f.rule_id for f in report.flagged}, rule


@pytest.mark.parametrize(("rule", "form", "template", "value"), CASES,
                         ids=[f"{rule}-{form}" for rule, form, _, _ in CASES])
def test_obfuscated_identifier_is_found(rule: str, form: str, template: str, value: str) -> None:
    assert _detected(rule, form, template, value)


def test_obfuscation_recall(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(CASES) == 50
    after = _recall(CASES)
    # The Foundation folded Unicode only: all fullwidth and invisible forms (20), and 4 of the
    # look-alike forms, which labelled rules take for alphanumeric IDs ("MRN OO4829l3").
    engine._PIPELINES.clear()
    monkeypatch.setattr(engine, "normalize", functools.partial(normalize, fold_digits=False))
    before = _recall(CASES)
    engine._PIPELINES.clear()
    assert (before, after) == (0.48, 1.0)


# ---- every shipped pattern is bounded ----------------------------------------------------------


def _shipped_patterns() -> Iterator[tuple[str, str, str]]:
    # As loaded: a rule's `labelled_id` form is expanded into its first pattern.
    for path in sorted(rules_dir().glob("*.yaml")):
        for rule, _ in load_rulepack(str(path)).rules:
            for index, spec in enumerate(rule.patterns):
                yield path.name, f"{rule.id}/{spec.name or index}", spec.regex


def _adjacent_unbounded_whitespace(pattern: str) -> list[str]:
    """Two unbounded whitespace repeats with only optional matter between them.

    "\\s*(?:is)?\\s*" lets a run of spaces split between the two repeats in as many ways as it
    is long, and a backtracking engine tries them all: quadratic for one label followed by
    many spaces, cubic with three. Written "\\s*(?:is\\s*)?", each run has one owner. An
    optional character class between them ("[ \\t]*[,:]?[ \\t]*") is the same trap.
    """
    return regex.findall(
        r"(?:\\s|\[ ?\\t\]|\[\\s-\])[*+]"
        r"(?:\((?:\?:)?[^()]{0,80}\)\?|#\?|\\\.\?|\[[^\[\]]{1,30}\]\?)?"
        r"(?:\\s|\[ ?\\t\]|\[\\s-\])[*+]", pattern)


def _nested_unbounded(pattern: str) -> list[str]:
    """A group repeated without bound that itself repeats without bound: (a+)* and friends."""
    return regex.findall(r"\((?:[^()\\]|\\.){0,200}?(?<!\\)[*+](?:[^()\\]|\\.){0,200}\)[*+]",
                         pattern)


@pytest.mark.parametrize(("pack", "rule", "pattern"), list(_shipped_patterns()),
                         ids=[f"{p}:{r}" for p, r, _ in _shipped_patterns()])
def test_pattern_has_no_superlinear_construct(pack: str, rule: str, pattern: str) -> None:
    problems = _adjacent_unbounded_whitespace(pattern) + _nested_unbounded(pattern)
    assert not problems, f"{pack} {rule}: bound or restructure {problems}"


def test_the_bound_checks_catch_what_they_claim() -> None:
    assert _adjacent_unbounded_whitespace(r"\bmrn\s*(?:is|was|:)?\s*#?\s*(?P<id>\d+)")
    assert not _adjacent_unbounded_whitespace(r"\bmrn\s*(?:(?:is|was|:)\s*)?(?:#\s*)?\d")
    assert not _adjacent_unbounded_whitespace(r"\d{4}(?:\s*(?:x|ext)\s*\d{1,5})?")
    assert _adjacent_unbounded_whitespace(r"(?:hi|dear)[ \t]*[,:!-]?[ \t]*(?P<name>\w+)")
    assert not _adjacent_unbounded_whitespace(r"(?:hi|dear)(?:[ \t]*[,:!-])?[ \t]*(?P<name>\w+)")
    assert _nested_unbounded(r"[a-z]+(?:\.[a-z-]+)*\.com")
    assert not _nested_unbounded(r"[a-z]{1,63}(?:\.[a-z-]{1,63}){0,8}\.com")


# ---- every rule on adversarial long input ------------------------------------------------------

_ADVERSARIAL_SIZE = 20_000


def _adversarial_inputs(pattern: str) -> dict[str, str]:
    """Long inputs built from the pattern's own words and the characters rules repeat over."""
    size = _ADVERSARIAL_SIZE
    words = sorted({w.lower() for w in regex.findall(r"[A-Za-z]{2,}", pattern)})[:24]
    inputs = {}
    for word in words:
        inputs[f"{word}+spaces"] = word + " " * size + "x"
        inputs[f"{word} repeated"] = (word + " ") * (size // (len(word) + 1))
    for char in " \t\n-a1.@/:#":
        inputs[f"{char!r} run"] = char * size
        inputs[f"1{char!r} run"] = ("1" + char) * (size // 2)
    inputs["schemes"] = "http://" * (size // 7)
    inputs["email-ish"] = "a" * 60 + "@" + "a." * (size // 2)
    inputs["domain-ish"] = "www." + "io." * (size // 3)
    inputs["camel-tag"] = "#" + "Ab" * (size // 2)
    return inputs


def _compiled_patterns() -> Iterator[tuple[str, str, regex.Pattern[str]]]:
    for path in sorted(rules_dir().glob("*.yaml")):
        loaded = load_rulepack(str(path))
        for rule, rule_path in loaded.rules:
            compiled = compile_rule(rule, rule_path)
            for pattern in compiled.patterns:
                yield path.name, f"{rule.id}/{pattern.name}", pattern.regex


@pytest.mark.parametrize(("pack", "rule", "pattern"), list(_compiled_patterns()),
                         ids=[f"{p}:{r}" for p, r, _ in _compiled_patterns()])
def test_rule_survives_adversarial_input(pack: str, rule: str,
                                         pattern: regex.Pattern[str]) -> None:
    # The library's own per-field regex timeout is the net: a linear pattern finishes these in
    # milliseconds, a quadratic one on 20,000 characters does not finish inside it.
    for name, text in _adversarial_inputs(pattern.pattern).items():
        try:
            list(pattern.finditer(text, timeout=REGEX_TIMEOUT))
        except TimeoutError:
            pytest.fail(f"{pack} {rule}: timed out on {name}")


def test_pathological_posts_give_verdicts_not_errors() -> None:
    posts = [
        "\x00\x01\x02" * 1000,
        "\ufffd" * 5000,
        "\u200b" * 20_000 + "219-09-9998",
        "🎉" * 10_000,
        "a\u0301" * 5000,
        "9" * 100_000,
        "1 " * 50_000,
        "five " * 20_000,
        "\ud800 lone surrogate",
        "MRN" + " " * 50_000 + "x",
    ]
    for post in posts:
        report = check(post, policy=Policy(layers=["patterns"]))
        assert "DETECTOR_ERROR" not in {f.entity for f in report.findings}
    hidden = check("\u200b" * 20_000 + "SSN 219-09-9998", policy=Policy(layers=["patterns"]))
    assert hidden.verdict == "block"


# ---- whole checks on adversarial long input: the work grows linearly -----------------------------

# Units a post can repeat, each making many candidates of one kind: names, places, dates, cues.
_REPEATED_UNITS = ["Jal ", "a-", "husband Jal ", "in Boston, MA ", "born 3/14/1931 ",
                   "Happy birthday Rose! "]


def _work(call: Callable[[str], object], text: str) -> int:
    """The Python function calls `call(text)` makes: a count of work that no machine's speed or
    load changes (a loop over a whole field per candidate shows as calls per element)."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        call(text)
    finally:
        profiler.disable()
    return sum(entry.callcount for entry in profiler.getstats())


@pytest.mark.parametrize("unit", _REPEATED_UNITS)
def test_doubling_a_post_at_most_doubles_the_work(unit: str) -> None:
    # 'Jal ' * 200 -> * 400 made 3.5x the calls when every place candidate rescanned its field.
    policy = Policy()
    check("warm up the layers, Rose", policy=policy)
    for run in (functools.partial(check, policy=policy),
                functools.partial(phiguard.redact_with_report, policy=policy)):
        small = _work(run, unit * 200)
        large = _work(run, unit * 400)
        assert large <= 2.5 * small, f"{unit!r}: {small} -> {large} calls"


def test_redacting_twice_as_many_distinct_values_at_most_doubles_the_work() -> None:
    # Every copy of every flagged value is looked for: by dictionary, not by a pattern built
    # from the values (compiling one took 14 s for 500 phone numbers).
    policy = Policy(packs=["safe-harbor"], layers=["patterns"])

    def post(count: int) -> str:
        return " ".join(f"Call 415-555-{i:04d} or 415.555.{i:04d}." for i in range(count))

    small = _work(functools.partial(phiguard.redact_with_report, policy=policy), post(300))
    large = _work(functools.partial(phiguard.redact_with_report, policy=policy), post(600))
    assert large <= 2.5 * small, f"{small} -> {large} calls"


# ---- windowing ----------------------------------------------------------------------------------

WINDOWED = Policy(layers=["patterns"], max_post_chars=1_000, window_overlap=200)


def _long_post() -> tuple[str, list[tuple[int, str]]]:
    """A 5,000-character post with an identifier straddling every window edge and overlap."""
    filler = "Our nurses and volunteers made the day special for everyone on the ward. "
    text = ""
    planted: list[tuple[int, str]] = []
    identifiers = ["SSN 219-09-9998", "call 415-555-2671", "MRN 00482913", "jo@example.com"]
    # Window edges fall at 800, 1000, 1600, 1800, ...: plant across all of them.
    targets = list(range(700, 4800, 97))
    for index, target in enumerate(targets):
        text += filler * ((target - len(text)) // len(filler) + 1)
        text = text[:target] + " "
        identifier = identifiers[index % len(identifiers)]
        planted.append((len(text), identifier))
        text += identifier + " "
    return text + filler, planted


def _spans(report_text: str, policy: Policy) -> list[tuple[str, int, int, str]]:
    report = check(report_text, policy=policy)
    return [(f.field, f.start, f.end, f.rule_id) for f in report.findings]


def test_windowed_findings_equal_unwindowed() -> None:
    text, planted = _long_post()
    assert len(text) > 4 * WINDOWED.max_post_chars
    whole = _spans(text, Policy(layers=["patterns"], max_post_chars=1_000_000))
    windowed = _spans(text, WINDOWED)
    assert windowed == whole
    # Found once each, never truncated: the last one too.
    assert len(windowed) == len(planted)
    for (_, start, end, _), (position, identifier) in zip(windowed, planted, strict=True):
        assert position <= start < end <= position + len(identifier)


def test_long_post_is_not_truncated() -> None:
    text = "Flu shots today. " * 70_000 + "Reach me at 415-555-2671"
    assert len(text) > 1_000_000
    report = check(text, policy=Policy(layers=["patterns"]))
    [finding] = report.flagged
    assert text[finding.start : finding.end] == "415-555-2671"


def test_detectors_see_at_most_one_window() -> None:
    # Deterministic stand-in for "time proportional to size": no detector ever gets more than
    # max_post_chars of text at once, so a post's cost is (windows) x (cost of one window).
    seen: list[int] = []

    class Recorder:
        name = "recorder"

        def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
            seen.extend(len(f.norm.original) for f in fields)
            return [[] for _ in fields]

    phiguard.register_layer("recorder", lambda policy, pack: Recorder(), replace=True)
    policy = Policy(layers=["recorder"], max_post_chars=1_000, window_overlap=200)
    text = "x" * 10_000
    check(Post(text=text, captions=["y" * 2_500]), policy=policy)
    assert max(seen) == 1_000
    # Overlapping windows cover the field: (10,000 - 200) / 800 rounded up, plus the caption's.
    assert len(seen) == 13 + 3


def test_windows_tile_the_field() -> None:
    # What a plugin layer is given: each character of a long field is in exactly one window's
    # kept part, and no window is longer than max_post_chars.
    seen: list[tuple[int, int, tuple[int, int] | None]] = []

    class WindowRecorder:
        name = "window-recorder"

        def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
            seen.extend((f.offset, len(f.norm.original), f.keep) for f in fields)
            return [[] for _ in fields]

    # A name of its own: a pipeline built with another test's "recorder" is cached by policy.
    phiguard.register_layer("window-recorder", lambda policy, pack: WindowRecorder(),
                            replace=True)
    for size, overlap, length in [(100, 20, 1_000), (1_000, 200, 999), (1_000, 200, 1_001),
                                  (100, 80, 777), (20_000, 1_000, 1_000_003)]:
        seen.clear()
        policy = Policy(layers=["window-recorder"], max_post_chars=size, window_overlap=overlap)
        check(Post(text="x" * length), policy=policy)
        covered = []
        for offset, window_length, keep in seen:
            assert window_length <= size
            low, high = keep if keep is not None else (0, window_length)
            covered.extend(range(offset + low, offset + high))
        assert covered == list(range(length))


def test_window_settings_are_policy_fields(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("max_post_chars: 5000\nwindow_overlap: 500\n", encoding="utf-8")
    policy = Policy.from_file(policy_file)
    assert (policy.max_post_chars, policy.window_overlap) == (5_000, 500)


# ---- bad input files ---------------------------------------------------------------------------

BAD_FILES = {
    "binary.jsonl": bytes(range(256)) * 8,
    "latin1.jsonl": '{"text": "Café SSN 219-09-9998"}\n'.encode("latin-1"),
    "truncated.jsonl": b'{"text": "ok"}\n{"text": "caf' + b"\xc3",
    "utf16.json": '[{"text": "SSN 219-09-9998"}]'.encode("utf-16"),
    "nul.csv": b"id,text\n1,SSN 219-09-9998\x00\x00\n",
    "stray-brace-tweets.js": b'window.YTD.tweets.part0 = ["{"tweet"{ :"id": "1"}}\xff]\n',
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_file_is_reported_as_bad_input(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from phiguard.cli import main

    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    code = main(["scan", str(path), "--policy", str(_PATTERNS_POLICY)])
    captured = capsys.readouterr()
    assert code == 2, captured.err  # bad input: not 4 (a crash), not 0 (passed unchecked)
    assert name in captured.err
    assert "219-09-9998" not in captured.out + captured.err


def test_reader_always_makes_progress() -> None:
    # Found by fuzz/fuzz_readers.py: a stray "}" in a list of posts was read as an empty value
    # that ended where it started, forever. islice keeps a regression from hanging the suite.
    import io
    import itertools

    from phiguard.io.readers import read_records

    data = BAD_FILES["stray-brace-tweets.js"]
    for fmt in (None, "jsonl", "json", "csv", "tweets"):
        records = list(itertools.islice(
            read_records(["-"], fmt=fmt, stdin=io.BytesIO(data)), 1_000))
        assert 0 < len(records) < 1_000
        assert all(r.post is not None or r.error for r in records)


# ---- fail closed ---------------------------------------------------------------------------------


def test_regex_timeout_blocks_the_post_and_names_no_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from phiguard.detectors import patterns

    # A zero budget makes every regex time out: what an adversarial post would do to a bad rule.
    monkeypatch.setattr(patterns, "REGEX_TIMEOUT", 0.0)
    engine._PIPELINES.clear()
    posts = Post(id="a", text="Rosalind turned 97 today"), Post(id="b", text="Flu shots today")
    reports = list(phiguard_check_many(posts))
    engine._PIPELINES.clear()
    assert [r.verdict for r in reports] == ["block", "block"]
    [error] = reports[0].findings
    assert error.entity == "DETECTOR_ERROR" and "TimeoutError" in error.explanation
    assert "Rosalind" not in error.explanation


def phiguard_check_many(posts: Sequence[Post]) -> Iterator[phiguard.Report]:
    return phiguard.check_many(posts, policy=Policy(layers=["patterns"]))


def test_normalisation_crash_blocks_the_post(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise ValueError(text)

    monkeypatch.setattr(engine, "normalize", broken)
    report = check("SSN 219-09-9998", policy=Policy(layers=["patterns"]))
    assert report.verdict == "block"
    # The detectors still read the raw text, so what they find is reported too.
    assert [f.entity for f in report.findings] == ["DETECTOR_ERROR", "SSN"]
    assert "219" not in report.findings[0].explanation
    assert "normalize: ValueError" in report.findings[0].explanation


def test_detector_crash_is_a_nonzero_exit_in_the_cli(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from phiguard.cli import main

    monkeypatch.setattr(engine, "normalize", lambda text: 1 / 0)
    code = main(["check", "SSN 219-09-9998", "--policy", str(_PATTERNS_POLICY)])
    captured = capsys.readouterr()
    assert code == 4
    assert "219-09-9998" not in captured.out + captured.err


# ---- untrusted policies and rule packs -----------------------------------------------------------


def _alias_bomb(levels: int = 9) -> str:
    """A YAML flow sequence of a few hundred bytes whose aliases expand to 9**levels strings."""
    parts = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    parts += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def _pack(name: str, body: str = "rules: []\n") -> str:
    return f"pack: {name}\n{body}"


_RULE = ("rules:\n  - id: {id}\n    identifier: D\n    entity: X\n    message: a test rule\n"
         "{lists}    patterns: [{{regex: '{regex}', score: 0.5}}]\n")


def _hostile_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (policy file to run with, the file the error must name)."""
    cases: dict[str, tuple[Path, str]] = {}

    def policy(name: str, text: str, named: str | None = None) -> None:
        path = tmp_path / f"policy{len(cases)}.yaml"
        path.write_text(text, encoding="utf-8")
        cases[name] = (path, named or path.name)

    policy("alias bomb in packs", f"packs: {_alias_bomb()}\n")
    (tmp_path / "bomb.yaml").write_text(
        _pack("bomb", _RULE.format(id=_alias_bomb(), lists="", regex="x")), encoding="utf-8")
    policy("alias bomb in a rule id", "packs: [bomb.yaml]\n", "bomb.yaml")
    (tmp_path / "zero.yaml").write_text(
        _pack("zero", "lists:\n  words: {file: /dev/zero}\nrules: []\n"), encoding="utf-8")
    policy("pack list file /dev/zero", "packs: [zero.yaml]\n", "zero.yaml")
    (tmp_path / "zero-rule.yaml").write_text(_pack("zero-rule", _RULE.format(
        id="r", lists="    lists:\n      w: {file: /dev/zero}\n", regex="\\L<w>")),
        encoding="utf-8")
    policy("rule list file /dev/zero", "packs: [zero-rule.yaml]\n", "zero-rule.yaml")
    for depth in range(1_500):
        extends = f"extends: [chain{depth + 1}.yaml]\n" if depth < 1_499 else ""
        (tmp_path / f"chain{depth}.yaml").write_text(
            _pack(f"chain{depth}", extends + "rules: []\n"), encoding="utf-8")
    policy("1,500-deep extends", "packs: [chain0.yaml]\n", "chain")
    with (tmp_path / "words.txt").open("w", encoding="utf-8") as words:
        words.writelines(f"word{i}x\n" for i in range(1_000_000))  # about 11 MB
    (tmp_path / "big.yaml").write_text(
        _pack("big", "lists:\n  words: {file: words.txt}\nrules: []\n"), encoding="utf-8")
    policy("10 MB word list", "packs: [big.yaml]\n", "big.yaml")
    fifo = tmp_path / "fifo-policy.yaml"
    os.mkfifo(fifo)
    cases["a FIFO as the policy"] = (fifo, "fifo-policy.yaml")
    return cases


def test_hostile_policies_and_packs_exit_3_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from phiguard.cli import main

    for name, (policy_file, named) in _hostile_files(tmp_path).items():
        code = main(["check", "Get well soon", "--policy", str(policy_file)])
        err = capsys.readouterr().err
        assert code == 3, f"{name}: exit {code}"
        assert named in err and "configuration error" in err, f"{name}: {err}"
        assert len(err) < 500, f"{name}: {err}"  # one line that says why, not a dump


def test_aliases_within_bounds_still_load(tmp_path: Path) -> None:
    # The shipped packs share their stop lists with an anchor; a few aliases are fine.
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("allow_terms: &terms [Lobby Cafe]\nallow_domains: [example.org]\n"
                           "packs: [safe-harbor]\n", encoding="utf-8")
    assert Policy.from_file(policy_file).allow_terms == ("Lobby Cafe",)
    assert load_rulepack("names").rules


def test_a_scan_of_new_words_leaves_spacys_string_store_as_it_was() -> None:
    # Outside a memory zone every new word stays in the store for the life of the process:
    # about 11 KB a post on a long scan. RSS itself is measured by benchmarks/memory.py.
    from phiguard.detectors.ner import load_model

    policy = Policy(layers=["ner", "name-context"])
    check("warm up the model, Rose", policy=policy)
    strings = load_model(policy.model).vocab.strings
    before = len(strings)
    rng = random.Random(7)
    posts = [" ".join("".join(rng.choices(string.ascii_lowercase, k=8)).capitalize()
                      for _ in range(12)) for _ in range(200)]
    assert len(list(phiguard.check_many(posts, policy=policy))) == 200
    assert len(strings) == before


def test_one_huge_json_element_is_read_with_a_logarithmic_number_of_buffer_copies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each buffer growth copies the whole buffer: growing once per chunk made one 100 MB element
    # quadratic (63 s). The buffer now at least doubles, so four times the element costs only a
    # couple more growths, not four times as many.
    from phiguard.io.readers import json_stream

    calls = 0
    fill = json_stream._JsonText.fill

    def counting(self: Any) -> bool:
        nonlocal calls
        calls += 1
        return fill(self)

    monkeypatch.setattr(json_stream._JsonText, "fill", counting)
    counts = []
    for size in (1, 4):
        path = tmp_path / f"big{size}.json"
        path.write_text(json.dumps([{"text": "x" * (size << 20)}, {"text": "short"}]))
        calls = 0
        records = list(read_records([path]))
        assert [len(r.post.text) for r in records if r.post] == [size << 20, 5]
        counts.append(calls)
    assert counts[1] - counts[0] <= 4, counts

"""phiguard.spark on a real local[2] SparkSession: the same reports as phiguard.check, every row
kept, rows that cannot be checked blocked, no PHI in the output unless asked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from integration_tools import require

import phiguard
from phiguard import ConfigError, Policy, Post

require("pyspark")
from phiguard.spark import check_dataframe, redact_dataframe  # noqa: E402

PATTERNS = Policy(layers=["patterns"])
PHONE = "415-555-2671"
ROWS = [
    ("p1", f"Call me at {PHONE}", ["Rose with her cake"], "post", 3, datetime(2026, 1, 2)),
    ("p2", None, None, None, None, None),
    ("p3", "", [], "tweet", 5, None),  # not a kind phiguard knows: cannot be checked
    ("p4", "Happy 97th birthday, Rose Alvarez!", [None, "", f"Rose, call {PHONE}"], "reply", 7,
     None),
    ("p5", "Flu shots today. " * 3_000 + f"Reach me at {PHONE}", None, "comment", None, None),
]
SCHEMA = "id string, body string, alt array<string>, kind string, n long, at timestamp"


@pytest.fixture(scope="module")
def posts(spark: Any) -> Any:
    return spark.createDataFrame(ROWS, SCHEMA)


def _post(row: tuple[Any, ...]) -> Post:
    return Post(id=row[0], text=row[1] or "", captions=[c for c in row[2] or [] if c],
                kind=row[3] or "post")


def test_each_row_gets_check_s_report_in_order(posts: Any) -> None:
    out = check_dataframe(posts, text="body", captions="alt", kind="kind", id="id",
                          policy=PATTERNS).collect()
    assert [r.id for r in out] == [row[0] for row in ROWS]
    for row, result in zip(ROWS, out, strict=True):
        # Every input column comes back as it went in.
        assert (result.body, result.alt, result.n, result.at) == (row[1], row[2], row[4], row[5])
        if row[0] == "p3":
            continue
        expected = phiguard.check(_post(row), policy=PATTERNS)
        assert (result.verdict, result.score, result.error) == (
            expected.verdict, expected.score, None)
        assert [f.asDict() for f in result.findings] == [
            f.model_dump(mode="json") for f in expected.findings]


def test_null_empty_and_huge_cells_as_in_the_cli(posts: Any) -> None:
    out = {r.id: r for r in check_dataframe(posts, text="body", captions="alt", kind="kind",
                                            id="id", policy=PATTERNS).collect()}
    assert (out["p2"].verdict, out["p2"].findings, out["p2"].error) == ("pass", [], None)
    # A row that cannot become a post is blocked with its error's class, not dropped.
    assert (out["p3"].verdict, out["p3"].error) == ("block", "InputError")
    # A huge cell is checked whole, in windows: the phone at its very end is found.
    [huge] = out["p5"].findings
    assert (huge.entity, huge.end) == ("PHONE_NUMBER", len(ROWS[4][1]))


def test_no_phi_in_the_output_unless_asked(posts: Any) -> None:
    hidden = check_dataframe(posts, text="body", id="id", policy=PATTERNS).drop("body", "alt")
    assert PHONE not in str(hidden.collect())
    shown = check_dataframe(posts, text="body", id="id", policy=PATTERNS, show_phi=True)
    first = shown.where("id = 'p1'").first()
    assert [f.text for f in first.findings] == [PHONE]


def test_default_policy_with_the_model_matches_check(posts: Any) -> None:
    out = check_dataframe(posts.where("id in ('p1', 'p4')"), text="body", captions="alt",
                          kind="kind", id="id").collect()
    for result in out:
        row = next(r for r in ROWS if r[0] == result.id)
        expected = phiguard.check(_post(row))
        assert result.verdict == expected.verdict
        assert [(f.entity, f.start, f.end) for f in result.findings] == [
            (f.entity, f.start, f.end) for f in expected.findings]
    assert {r.id: r.verdict for r in out}["p4"] == "block"


def test_redact_dataframe_redacts_text_and_captions_in_their_shape(posts: Any) -> None:
    out = {r.id: r for r in redact_dataframe(posts, text="body", captions="alt", kind="kind",
                                             id="id", policy=PATTERNS).collect()}
    assert out["p1"].body == phiguard.redact(_post(ROWS[0]), policy=PATTERNS).text
    assert PHONE not in out["p1"].body
    # "Rose Alvarez" is flagged in the text, so every copy of the name goes, captions too.
    assert out["p4"].alt == [None, "", "[NAME], call [PHONE_NUMBER]"]
    assert (out["p2"].body, out["p2"].verdict) == (None, "pass")
    # A row that cannot be redacted is never passed on as if it were: no text, blocked.
    assert (out["p3"].body, out["p3"].verdict, out["p3"].error) == (None, "block", "InputError")


def test_misnamed_or_mistyped_columns_fail_on_the_driver(posts: Any) -> None:
    with pytest.raises(ConfigError, match="text='message': no such column"):
        check_dataframe(posts, text="message")
    with pytest.raises(ConfigError, match="text='n': column of type bigint"):
        check_dataframe(posts, text="n")
    with pytest.raises(ConfigError, match="already has column.*verdict"):
        check_dataframe(posts.withColumnRenamed("kind", "verdict"), text="body")
    with pytest.raises(ConfigError, match="strategy"):
        redact_dataframe(posts, text="body", strategy="shred")

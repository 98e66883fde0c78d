"""`phiguard learn-org`: recurring organisation details become a proposed pack that works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from phiguard import Policy, check
from phiguard.cli import main

ANNOUNCEMENTS = [
    "Flu shots this Saturday at our Eastside clinic, 4410 Harmon Rd, Lubbock. Call "
    "(806) 555-0142 or visit brazosplains.org/flu.",
    "Our Eastside clinic, 4410 Harmon Rd, now opens at 7 am. Call (806) 555-0142 to book.",
    "Welcome Dr. Imani Okoro to family medicine! Book with her at (806) 555-0142 or "
    "brazosplains.org/care.",
    "Dr. Imani Okoro answers your sunscreen questions live at noon: brazosplains.org/live.",
    "Congratulations to our patient Walt, home after six weeks on 4 West!",
    *["Our patient Walt is home; his daughter's cell is (806) 555-0199 for well-wishes."] * 3,
]


def test_learn_org_proposes_what_recurs_and_the_pack_allows_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "posts.jsonl"
    export.write_text("".join(json.dumps({"text": t}) + "\n" for t in ANNOUNCEMENTS))
    out = tmp_path / "my-org.yaml"
    assert main(["learn-org", str(export), "--min-posts", "2", "--out", str(out)]) == 0
    assert "review it before use" in capsys.readouterr().err
    pack = yaml.safe_load(out.read_text())
    assert "(806) 555-0142" in pack["allow"]["terms"]
    assert "4410 Harmon Rd" in pack["allow"]["terms"]
    assert pack["allow"]["domains"] == ["brazosplains.org"]
    # A person's number, however often it recurs, is never proposed: the proposal holds no PHI.
    assert "(806) 555-0199" not in out.read_text()
    # Once, in one post: not proposed.
    assert all("Walt" not in term for term in pack["allow"]["terms"])
    assert "Imani Okoro" in out.read_text()  # proposed for allow_staff, as a comment
    # The proposal is a valid pack that allowlists the number wherever it appears.
    text = "Our patient Walt's daughter can reach the unit at (806) 555-0142."
    flagged = {f.entity for f in check(text, policy=Policy(extra_packs=[str(out)])).flagged}
    assert "PHONE_NUMBER" not in flagged


def test_learn_org_refuses_a_nonsense_minimum(tmp_path: Path) -> None:
    export = tmp_path / "posts.jsonl"
    export.write_text(json.dumps({"text": "hello"}) + "\n")
    assert main(["learn-org", str(export), "--min-posts", "0"]) == 2

"""A broken pack is an error that names the file, the rule id and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiguard import Policy, RulePackError, check, load_rulepack

GOOD_RULE = """
  - id: badge
    identifier: R
    entity: BADGE
    message: staff badge number
    patterns:
      - regex: 'BADGE-\\d{4}'
        score: 0.9
"""


def _write(tmp_path: Path, body: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "rule_id", "key", "message"),
    [
        ("pack: org\nrules:\n" + GOOD_RULE.replace("score: 0.9", "score: 0.9\n        scroe: 1"),
         "badge", "patterns.0.scroe", "Extra inputs"),
        ("pack: org\nrules:\n" + GOOD_RULE.replace("identifier: R", "identifier: Z"),
         "badge", "identifier", "Input should be"),
        ("pack: org\nrules:\n" + GOOD_RULE.replace("'BADGE-\\d{4}'", "'BADGE-(\\d{4}'"),
         "badge", "patterns.0.regex", "does not compile"),
        ("pack: org\nrules:\n"
         + GOOD_RULE.replace("score: 0.9", "score: 0.9\n        unless_field: '(x'"),
         "badge", "patterns.0.unless_field", "does not compile"),
        ("pack: org\nrules:\n" + GOOD_RULE + "    validators: [nope.v1]\n",
         "badge", "validators", "registered validators: "),
        ("pack: org\nrules:\n" + GOOD_RULE + GOOD_RULE, "badge", "id", "duplicate"),
        ("pack: org\nrules:\n" + GOOD_RULE.replace("entity: BADGE", "entity: badge"),
         "badge", "entity", "pattern"),
        ("pack: org\nrules:\n" + GOOD_RULE + "    role: name-of-cousin\n",
         "badge", "role", "known roles: "),
        ("pack: org\nrules:\n" + GOOD_RULE + "    role: name-of-relative\n",
         "badge", "role", "for identifier A rules"),
        ("pack: org\nrules:\n" + GOOD_RULE + "    lists:\n      sites: [North, south, NORTH]\n",
         "badge", "lists.sites", "list 'sites' has the entry 'NORTH' more than once"),
        ("pack: org\nrules:\n" + GOOD_RULE + "    lists:\n      s: {use: [months], terms: [jan]}\n",
         "badge", "lists.s", "the entry 'jan' more than once"),
        ("pack: org\nrules:\n" + GOOD_RULE + "    lists:\n      s: {use: [planets]}\n",
         "badge", "lists.s.use", "unknown shared list 'planets'"),
        ("pack: org\nrules:\n" + GOOD_RULE
         + "    lists:\n      s: {use: [months], exclude: [may]}\n",
         "badge", "lists.s.exclude", "excludes 'may', which it does not have"),
        ("pack: org\nrules:\n" + GOOD_RULE.replace(
            "score: 0.9", "score: 0.9\n        companion: {group: room, rule: room-number}"),
         "badge", "patterns.0.companion.group", "not a named group"),
        ("pack: org\nrules:\n" + GOOD_RULE.replace("'BADGE-\\d{4}'", "'(?P<room>BADGE)-\\d{4}'")
         .replace("score: 0.9", "score: 0.9\n        companion: {group: room, rule: room-number}"),
         "badge", "patterns.0.companion", "only a name rule with a role"),
    ],
)
def test_schema_error_names_file_rule_and_key(tmp_path: Path, body: str, rule_id: str, key: str,
                                              message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(RulePackError) as info:
        load_rulepack(path)
    error = info.value
    assert error.path and error.path.endswith("org.yaml")
    assert error.rule_id == rule_id
    assert error.key == key
    assert message in str(error)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: org\nrules: [\n  - id: x\n")
    with pytest.raises(RulePackError, match=r"org\.yaml.*line \d+"):
        load_rulepack(path)


def test_missing_pack(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="not found"):
        load_rulepack(tmp_path / "absent.yaml")


def test_extends_adds_rules_and_allowlists(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: org\nextends: [safe-harbor]\nallow:\n  terms: ['617-555-0100']"
                  "\nrules:\n" + GOOD_RULE)
    policy = Policy(packs=[str(path)], layers=["patterns"])
    report = check("BADGE-1234, SSN 219-09-9998, call 617-555-0100", policy=policy)
    flagged = {f.rule_id for f in report.flagged}
    assert flagged == {"badge", "ssn"}
    assert [f.rule_id for f in report.findings if f.status == "suppressed"] == ["phone"]


def test_disable_removes_an_inherited_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: org\nextends: [safe-harbor]\ndisable: [ssn]\n")
    report = check("SSN 219-09-9998", policy=Policy(packs=[str(path)], layers=["patterns"]))
    assert report.flagged == []
    bad = _write(tmp_path, "pack: org2\nextends: [safe-harbor]\ndisable: [nope]\n", "org2.yaml")
    with pytest.raises(RulePackError, match="nope"):
        load_rulepack(bad)


def test_extends_cycle(tmp_path: Path) -> None:
    _write(tmp_path, "pack: a\nextends: [b.yaml]\n", "a.yaml")
    _write(tmp_path, "pack: b\nextends: [a.yaml]\n", "b.yaml")
    with pytest.raises(RulePackError, match="cycle"):
        load_rulepack(tmp_path / "a.yaml")


def test_an_organisation_rule_with_a_role_is_decided_like_the_shipped_one(tmp_path: Path) -> None:
    # The name stage reads the role, not the rule id: "ward guest" is no shipped cue, but with
    # the relative's role a common word after it is a name only as the relation rule would
    # decide it (set off by commas: a name; a verb: not).
    rule = """
  - id: ward-guest
    identifier: A
    entity: PERSON
    message: a visitor named after 'ward guest'
    role: name-of-relative
    patterns:
      - regex: '(?i)ward guest,? (?P<name>[a-z]+)'
        group: name
        score: 0.8
"""
    path = _write(tmp_path, "pack: org\nextends: [names]\nrules:\n" + rule)
    policy = Policy(packs=[str(path)], layers=["patterns", "name-context"])
    named = check("ward guest, bill, came by", policy=policy)
    verb = check("ward guest will come by", policy=policy)
    assert [(f.rule_id, f.status) for f in named.findings] == [("ward-guest", "flagged")]
    assert [f.status for f in verb.findings if f.rule_id == "ward-guest"] == ["suppressed"]


def test_a_duplicate_in_a_pack_level_list_names_the_list(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: org\nlists:\n  staff_roles: [porter, Porter]\n")
    with pytest.raises(RulePackError, match="'staff_roles' has the entry 'Porter'") as info:
        load_rulepack(path)
    assert info.value.key == "lists.staff_roles"


def test_a_shared_list_is_read_by_name_less_its_exclusions(tmp_path: Path) -> None:
    rule = GOOD_RULE.replace("'BADGE-\\d{4}'", "'(?:\\L<states>) BADGE-\\d{4}'") + (
        "    lists:\n      states: {use: [us-states], exclude: [Maine], terms: [Guam]}\n")
    policy = Policy(packs=[str(_write(tmp_path, "pack: org\nrules:\n" + rule))],
                    layers=["patterns"])
    found = {text: bool(check(f"{text} BADGE-1234", policy=policy).flagged)
             for text in ("Ohio", "Guam", "Maine")}
    assert found == {"Ohio": True, "Guam": True, "Maine": False}


def _donor_numbers(tmp_path: Path, text: str, form: str) -> list[str]:
    """The spans a labelled_id rule of an organisation's pack flags in `text`."""
    rule = """
  - id: donor-number
    identifier: R
    entity: DONOR_NUMBER
    message: a blood donor number after its label
    labelled_id:
      labels: ['donor\\s+(?:id|no\\.?|#)']
""" + form
    policy = Policy(packs=[str(_write(tmp_path, "pack: org\nrules:\n" + rule))],
                    layers=["patterns"])
    return [text[f.start:f.end] for f in check(text, policy=policy).flagged]


def test_a_labelled_id_rule_reads_its_number_as_the_shipped_ones_do(tmp_path: Path) -> None:
    form = "      longest: 8\n      score: 0.85\n"
    # The second number is longer than `longest` allows: no partial match either.
    assert _donor_numbers(tmp_path, "Donor no. is AB-12345 and donor id 98-7654321",
                          form) == ["AB-12345"]


def test_a_bare_label_needs_a_number_of_five_digits(tmp_path: Path) -> None:
    form = "      bare_labels: ['donor']\n      longest: 10\n      score: 0.85\n"
    text = "Donor AB-12345 thanked donor 2025 volunteers; donor (#C77104) too"
    assert _donor_numbers(tmp_path, text, form) == ["AB-12345", "C77104"]

"""The command line's arguments: one function per command, and the option groups they share."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from phiguard.baseline import DEFAULT_BASELINE
from phiguard.io.readers import FORMATS as INPUT_FORMATS
from phiguard.io.writers import FORMATS as OUTPUT_FORMATS

REDACT_KEY_ENV = "PHIGUARD_REDACT_KEY"
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def parser() -> argparse.ArgumentParser:
    """The `phiguard` argument parser, with every command."""
    root = argparse.ArgumentParser(
        prog="phiguard",
        description="Check social-media posts for HIPAA Safe Harbor identifiers.",
        epilog="The report is a table that says, for each finding, why it matters and what to "
               "change (--format compact: one line per finding, for CI logs). Exit codes: 0 "
               "clean, 1 findings at or above --fail-on (review by default: exit 1 is the gate "
               "working, not a crash), 2 bad input, 3 bad configuration or rule pack, 4 "
               "internal error (a detector that failed on a post included). See docs/cli.md.",
    )
    sub = root.add_subparsers(dest="command", required=True)
    for add_command in (_check_command, _scan_command, _baseline_command, _redact_command,
                        _learn_org_command, _serve_command, _rules_command):
        add_command(sub)
    return root


def _check_command(sub: Subparsers) -> None:
    """check TEXT: one post given on the command line."""
    p_check = sub.add_parser("check", help="check one post given on the command line")
    p_check.add_argument("text", help="the post text")
    p_check.add_argument("--caption", action="append", default=[], help="an image caption")
    p_check.add_argument("--kind", choices=("post", "reply", "comment"), default="post",
                         help="what the text is: a reply or comment answers someone")
    p_check.add_argument("--in-reply-to", metavar="TEXT",
                         help="the review or comment answered (read, never reported)")
    _policy_options(p_check)
    _gate_options(p_check)
    p_check.add_argument("--format", "-f", choices=["table", "compact"], default="table",
                         help="table: what each finding is, why it matters and what to change "
                              "(default); compact: one line per finding, for CI logs")


def _scan_command(sub: Subparsers) -> None:
    """scan PATHS: every post of exports, each post's verdict."""
    p_scan = sub.add_parser(
        "scan", help="check every post of exports: JSONL, JSON, CSV, tweets.js, Facebook",
        description="Check every post of one or more exports and report each post's verdict.")
    _input_options(p_scan)
    _policy_options(p_scan)
    _gate_options(p_scan)
    p_scan.add_argument("--format", "-f", choices=OUTPUT_FORMATS, default="table",
                        help="report format (default: table, with what to change for each "
                             "finding; compact: one line per finding, for CI logs)")
    p_scan.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write the report to FILE instead of standard output")
    p_scan.add_argument("--baseline", type=Path, metavar="FILE",
                        help="a baseline from `phiguard baseline`: report only new findings")
    p_scan.add_argument("--no-progress", action="store_true",
                        help="never draw a progress bar")


def _baseline_command(sub: Subparsers) -> None:
    """baseline PATHS: fingerprints of the current findings."""
    p_base = sub.add_parser(
        "baseline", help="write a baseline of the current findings, once reviewed",
        description="Write fingerprints (post id, field, rule, keyed hash of the normalised "
                    "match) of every current finding, so `scan --baseline` reports only new "
                    "ones. No line numbers, timestamps or matched text are written.")
    _input_options(p_base)
    _policy_options(p_base)
    p_base.add_argument("--out", "-o", type=Path, default=Path(DEFAULT_BASELINE),
                        metavar="FILE", help=f"baseline file to write (default: "
                                             f"{DEFAULT_BASELINE}); its salt is kept if it exists")


def _redact_command(sub: Subparsers) -> None:
    """redact INPUT: the export rewritten, in its own format."""
    p_redact = sub.add_parser(
        "redact", help="write the export with identifiers rewritten, in the same format",
        description="Rewrite every flagged finding and write the export back in its own "
                    "format, every record present. Findings that rewriting cannot fix are "
                    "listed on stderr and make the exit code 1.")
    p_redact.add_argument("input", help="an export file, or '-' for standard input")
    _input_options(p_redact, many=False)
    _policy_options(p_redact)
    p_redact.add_argument("--out", "-o", type=Path, metavar="FILE",
                          help="write the redacted export here (default: standard output)")
    p_redact.add_argument("--strategy", default="tag",
                          choices=["tag", "mask", "hash", "surrogate", "safe-harbor"],
                          help="how identifiers are rewritten (default: tag, e.g. "
                               "[PHONE_NUMBER])")
    p_redact.add_argument("--key-env", default=REDACT_KEY_ENV, metavar="VAR",
                          help="environment variable holding the secret for --strategy hash "
                               f"or repeatable surrogates (default: {REDACT_KEY_ENV}); a key "
                               "is never taken on the command line, where `ps` shows it")


def _learn_org_command(sub: Subparsers) -> None:
    """learn-org PATHS: a proposed organisation pack."""
    p_learn = sub.add_parser(
        "learn-org", help="propose an organisation pack from an export's recurring details",
        description="Reads exports and proposes, as a rule pack for a person to review, the "
                    "phone and fax numbers, street addresses, ZIP codes, web and mail domains "
                    "and titled clinicians that recur in at least --min-posts posts.")
    p_learn.add_argument("paths", nargs="+", help="exports or folders of exports")
    p_learn.add_argument("--min-posts", type=int, default=3, metavar="N",
                         help="propose what recurs in at least N posts (default: %(default)s)")
    p_learn.add_argument("--name", default="my-org", help="the pack's name (default: my-org)")
    p_learn.add_argument("-o", "--out", type=Path, metavar="FILE",
                         help="write the pack here (default: standard output)")


def _serve_command(sub: Subparsers) -> None:
    """serve: the HTTP API and review page."""
    p_serve = sub.add_parser(
        "serve", help="the HTTP API and review page (needs the serve extra)",
        description="Serve /v1/check, /v1/redact, /v1/policy and the review page at /. "
                    "See docs/serve.md.")
    _policy_options(p_serve)
    p_serve.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default: 127.0.0.1, this machine only)")
    p_serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p_serve.add_argument("--workers", type=int, default=1, metavar="N",
                         help="worker processes that run the checks, each loading the model "
                              "once (default: 1; 0 checks in the server process)")
    p_serve.add_argument("--token-file", type=Path, metavar="FILE",
                         help="bearer tokens, one a line, required on every /v1 call; re-read "
                              "when the file changes")
    p_serve.add_argument("--max-body", type=int, default=1 << 20, metavar="BYTES",
                         help="largest request body; larger gets 413 (default: 1 MiB)")
    p_serve.add_argument("--max-batch", type=int, default=256, metavar="N",
                         help="most posts in one request; more gets 413 (default: 256)")
    p_serve.add_argument("--max-queue", type=int, metavar="N",
                         help="requests running or waiting before 503 (default: 8 per worker)")
    p_serve.add_argument("--key-env", default=REDACT_KEY_ENV, metavar="VAR",
                         help="environment variable holding the secret for the hash strategy "
                              f"and repeatable surrogates (default: {REDACT_KEY_ENV})")


def _rules_command(sub: Subparsers) -> None:
    """rules test: a pack's annotated examples."""
    p_rules = sub.add_parser("rules", help="work with rule packs")
    rules_sub = p_rules.add_subparsers(dest="rules_command", required=True)
    p_test = rules_sub.add_parser("test", help="run a pack's annotated examples")
    p_test.add_argument("paths", nargs="*", type=Path,
                        help="rule pack YAML files (default: the shipped packs)")


def _policy_options(p: argparse.ArgumentParser) -> None:
    """--policy and --rules: which rules and settings apply."""
    p.add_argument("--policy", type=Path,
                   help="policy YAML file: packs, extra_packs (the organisation's own), "
                        "thresholds, allowlists; see docs/rule-packs.md")
    p.add_argument("--rules", type=Path, metavar="DIR",
                   help="a folder of the organisation's own rule packs (*.yaml), used with "
                        "the policy's packs")


def _gate_options(p: argparse.ArgumentParser) -> None:
    """--fail-on and --show-phi: what fails the run and what it prints."""
    p.add_argument("--fail-on", choices=["review", "block"], default="review",
                   help="lowest verdict that makes the exit code 1 (default: review)")
    p.add_argument("--show-phi", action="store_true",
                   help="print the matched text itself instead of a masked excerpt")


def _input_options(p: argparse.ArgumentParser, many: bool = True) -> None:
    """The exports to read, how to read their records, and how many workers read them."""
    if many:
        p.add_argument("paths", nargs="+",
                       help="export files (.jsonl, .json, .csv, tweets.js, or .txt: a post "
                            "per paragraph) or folders; '-' reads standard input")
    p.add_argument("--input-format", choices=INPUT_FORMATS,
                   help="the input's format (default: from the file name, then content)")
    p.add_argument("--text-field", metavar="NAME",
                   help="the field or column holding the post's text (default: guessed "
                        "from text, message, full_text, body, post, ...)")
    p.add_argument("--caption-field", metavar="NAME", action="append", default=[],
                   help="a field holding captions or alt text; repeatable (default: "
                        "caption, alt_text, description, ...)")
    p.add_argument("--id-field", metavar="NAME",
                   help="the field holding the post's id (default: id, post_id, id_str)")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="worker processes for large exports (default: 1)")
    p.add_argument("--lines", action="store_true",
                   help="plain text (.txt) holds one post per line (default: one post per "
                        "paragraph, paragraphs separated by a blank line)")

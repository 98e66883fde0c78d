"""Command line: `python -m phiguard check|scan|rules test`. main(argv) -> exit code.

Exit codes never mix "found something" with "crashed":
0 clean, 1 findings at or above --fail-on, 2 bad input or usage, 3 bad config or rule pack,
4 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from phiguard.engine import check, check_many
from phiguard.errors import ConfigError, InputError
from phiguard.masking import mask
from phiguard.models import Post, Report
from phiguard.policy import Policy
from phiguard.rulepacks.examples import example_holds, examples_path, pack_policy, read_examples
from phiguard.rulepacks.loader import resolve_pack_path, rules_dir
from phiguard.scoring import worst

EXIT_CLEAN, EXIT_FOUND, EXIT_INPUT, EXIT_CONFIG, EXIT_INTERNAL = 0, 1, 2, 3, 4
_POST_KEYS = set(Post.model_fields)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phiguard",
        description="Check social-media posts for HIPAA Safe Harbor identifiers.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input, "
               "3 bad configuration or rule pack, 4 internal error.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--policy", type=Path, help="policy YAML file")
        p.add_argument("--fail-on", choices=["review", "block"], default="review",
                       help="lowest verdict that makes the exit code 1 (default: review)")
        p.add_argument("--show-phi", action="store_true",
                       help="print the matched text itself instead of a masked excerpt")

    p_check = sub.add_parser("check", help="check one post given on the command line")
    p_check.add_argument("text", help="the post text")
    p_check.add_argument("--caption", action="append", default=[], help="an image caption")
    common(p_check)

    p_scan = sub.add_parser("scan", help="check every post of a JSONL export")
    p_scan.add_argument("paths", nargs="+", type=Path, help="JSONL files, one post per line")
    common(p_scan)

    p_rules = sub.add_parser("rules", help="work with rule packs")
    rules_sub = p_rules.add_subparsers(dest="rules_command", required=True)
    p_test = rules_sub.add_parser("test", help="run a pack's annotated examples")
    p_test.add_argument("paths", nargs="*", type=Path,
                        help="rule pack YAML files (default: the shipped packs)")
    return parser


def _excerpt(post: Post, report: Report, show_phi: bool) -> list[str]:
    lines = []
    for f in report.findings:
        matched = post.field_text(f.field)[f.start : f.end]
        shown = matched if show_phi else mask(matched)
        lines.append(f"  {f.identifier.value} {f.entity:<18} {f.field}[{f.start}:{f.end}] "
                     f"{shown!r} score={f.score:.2f} rule={f.rule_id} {f.status}")
    return lines


def _print_report(post: Post, report: Report, show_phi: bool, out: TextIO) -> None:
    label = report.post_id or "-"
    print(f"{report.verdict.upper():<6} {label}  score={report.score:.2f} "
          f"findings={len(report.flagged)}", file=out)
    for line in _excerpt(post, report, show_phi):
        print(line, file=out)


def _fails(verdict: str, fail_on: str) -> bool:
    return verdict == "block" or (fail_on == "review" and verdict == "review")


def _read_jsonl(path: Path, errors: list[str]) -> list[tuple[int, Post]]:
    posts: list[tuple[int, Post]] = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        errors.append(f"{path}: cannot be read ({exc.strerror})")
        return posts
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise InputError("a record must be a JSON object")
                fields = {k: v for k, v in record.items() if k in _POST_KEYS}
                posts.append((number, Post.model_validate(fields)))
            except (ValueError, InputError) as exc:
                reason = "invalid JSON" if isinstance(exc, json.JSONDecodeError) else "invalid post"
                errors.append(f"{path}:{number}: {reason}")
    return posts


def _cmd_check(args: argparse.Namespace, policy: Policy | None) -> int:
    post = Post(text=args.text, captions=args.caption)
    report = check(post, policy=policy)
    _print_report(post, report, args.show_phi, sys.stdout)
    return EXIT_FOUND if _fails(report.verdict, args.fail_on) else EXIT_CLEAN


def _cmd_scan(args: argparse.Namespace, policy: Policy | None) -> int:
    errors: list[str] = []
    records = [rec for path in args.paths for rec in _read_jsonl(path, errors)]
    overall = "pass"
    for (_, post), report in zip(records, check_many((p for _, p in records), policy=policy),
                                 strict=True):
        _print_report(post, report, args.show_phi, sys.stdout)
        overall = worst(overall, report.verdict)  # type: ignore[arg-type]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(records)} posts checked, {len(errors)} bad records, worst verdict: {overall}",
          file=sys.stderr)
    if errors:
        return EXIT_INPUT
    return EXIT_FOUND if _fails(overall, args.fail_on) else EXIT_CLEAN


def _cmd_rules_test(args: argparse.Namespace) -> int:
    paths = args.paths or sorted(rules_dir().glob("*.yaml"))
    failures = 0
    total = 0
    for pack in paths:
        pack_path = resolve_pack_path(str(pack))
        policy = pack_policy(pack_path)
        for example in read_examples(examples_path(pack_path)):
            total += 1
            holds = example_holds(example, policy)
            if holds == example.is_todo:
                failures += 1
                state = "now passes, drop todo-" if example.is_todo else "fails"
                print(f"{example.path}:{example.line}: {example.kind} "
                      f"{','.join(example.rule_ids)} {state}")
    print(f"{total - failures} passed, {failures} failed")
    return EXIT_FOUND if failures else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        policy = Policy.from_file(args.policy) if getattr(args, "policy", None) else None
        if args.command == "check":
            return _cmd_check(args, policy)
        if args.command == "scan":
            return _cmd_scan(args, policy)
        return _cmd_rules_test(args)
    except ConfigError as exc:
        print(f"phiguard: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except InputError as exc:
        print(f"phiguard: input error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - report the type only, the message may quote a post
        print(f"phiguard: internal error ({type(exc).__name__}); please report it",
              file=sys.stderr)
        return EXIT_INTERNAL

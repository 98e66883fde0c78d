"""Command line: `python -m phiguard check|scan|baseline|redact|rules test`; main(argv) -> code.

Exit codes never mix "found something" with "crashed", and the gate fails closed:
  0  nothing at or above --fail-on
  1  a post at or above --fail-on (review or block)
  2  bad input or usage: an unreadable file or record (named by file and line; every other
     record is still checked and reported)
  3  bad configuration: policy, rule pack, baseline
  4  internal error, including a detector that crashed or timed out on a post (that post is
     reported as BLOCK; a post that could not be checked never passes)
  130  interrupted (Ctrl-C): no output file is replaced
When several apply, the highest wins.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import fcntl
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from phiguard.baseline import Baseline, acknowledge

# REDACT_KEY_ENV: the variable the key is read from unless --key-env names another.
from phiguard.cli.parser import REDACT_KEY_ENV as REDACT_KEY_ENV
from phiguard.cli.parser import parser
from phiguard.engine import LAYER_RULE_IDS, check, check_many, get_pipeline
from phiguard.errors import ConfigError, InputError
from phiguard.io.exports import ExportWriter
from phiguard.io.outputs import refuse_input_as_output, replaced_on_success
from phiguard.io.readers import Input, Progress, expand_paths, read_records, total_bytes
from phiguard.io.records import FieldOptions, Record
from phiguard.io.writers import Summary, make_writer
from phiguard.models import DETECTOR_ERROR, Post, Report
from phiguard.policy import Policy
from phiguard.rulepacks.examples import example_holds, examples_path, pack_policy, read_examples
from phiguard.rulepacks.loader import resolve_pack_path, rules_dir

EXIT_CLEAN, EXIT_FOUND, EXIT_INPUT, EXIT_CONFIG, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
# Set by Ctrl-C. Checked again before any output is kept, so an interrupt that some library
# caught and dropped still stops the run and replaces no file.
_INTERRUPTED = threading.Event()
# Bad records named one by one on stderr; the rest are counted (all are in the report).
MAX_ERROR_LINES = 20
# A progress bar only for inputs this large, so short runs keep a clean terminal.
PROGRESS_MIN_BYTES = 1 << 20


def _fails(verdict: str, fail_on: str) -> bool:
    return verdict == "block" or (fail_on == "review" and verdict == "review")


def _policy(args: argparse.Namespace) -> Policy | None:
    policy = Policy.from_file(args.policy) if getattr(args, "policy", None) else None
    rules: Path | None = getattr(args, "rules", None)
    if rules is None:
        return policy
    if not rules.is_dir():
        raise ConfigError(f"--rules {rules}: not a folder of rule packs")
    packs = sorted(str(p) for p in rules.iterdir() if p.suffix in (".yaml", ".yml"))
    if not packs:
        raise ConfigError(f"--rules {rules}: holds no rule packs (*.yaml)")
    policy = policy or Policy()
    return policy.with_packs(*packs)


def _field_options(args: argparse.Namespace) -> FieldOptions:
    return FieldOptions(text=args.text_field, captions=tuple(args.caption_field),
                        id=args.id_field, lines=args.lines)


# ---- check ---------------------------------------------------------------------------------


def _cmd_check(args: argparse.Namespace, policy: Policy | None) -> int:
    post = Post(text=args.text, captions=args.caption, kind=args.kind,
                in_reply_to=args.in_reply_to)
    report = check(post, policy=policy)
    from phiguard.io.records import Source

    record = Record(Source("<command line>", "text"), 1, 1, post=post)
    writer = make_writer(args.format, sys.stdout, policy=policy or Policy(),
                         show_phi=args.show_phi)
    writer.write(record, report)
    writer.finish(Summary())
    if report.errors:
        return EXIT_INTERNAL
    return EXIT_FOUND if _fails(report.verdict, args.fail_on) else EXIT_CLEAN


# ---- scan ----------------------------------------------------------------------------------


class _ProgressBar:
    """A one-line bar on stderr, redrawn every few hundred records; only on a terminal."""

    def __init__(self, progress: Progress, enabled: bool) -> None:
        self.progress, self.enabled = progress, enabled
        self.drawn = False

    def tick(self) -> None:
        if not self.enabled or self.progress.records % 256:
            return
        total = self.progress.total
        if total:
            share = min(self.progress.done / total, 1.0)
            bar = "#" * int(share * 30)
            text = f"[{bar:<30}] {share:4.0%} {self.progress.records:,} records"
        else:
            text = f"{self.progress.records:,} records"
        sys.stderr.write("\r" + text)
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _progress(args: argparse.Namespace, paths: list[Input]) -> tuple[Progress, _ProgressBar]:
    progress = Progress(total=total_bytes(paths))
    long_input = progress.total is None or progress.total >= PROGRESS_MIN_BYTES
    enabled = (not getattr(args, "no_progress", False) and long_input
               and sys.stderr.isatty())
    return progress, _ProgressBar(progress, enabled)


def checked(records: Iterator[Record], policy: Policy | None, *, jobs: int = 1,
            batch_size: int = 64) -> Iterator[tuple[Record, Report | None]]:
    """Each record with its report (None for an unreadable record), in input order.

    Posts go to check_many lazily. With jobs > 1 the pool's feeder thread would otherwise read
    the whole export ahead of the workers; a semaphore keeps at most a few batches in flight,
    so memory stays flat however long the export is.
    """
    pending: deque[Record] = deque()
    window = batch_size * (2 * jobs + 1)
    slots = threading.Semaphore(window)
    stop = threading.Event()

    def posts() -> Iterator[Post]:
        for record in records:
            if record.post is None:
                pending.append(record)
                continue
            while not slots.acquire(timeout=0.05):
                if stop.is_set():
                    return
            pending.append(record)
            yield record.post

    try:
        for report in check_many(posts(), policy=policy, batch_size=batch_size,
                                 n_process=jobs):
            if _INTERRUPTED.is_set():
                raise KeyboardInterrupt
            record = pending.popleft()
            while record.post is None:
                yield record, None
                record = pending.popleft()
            slots.release()
            yield record, report
        while pending:
            yield pending.popleft(), None
    finally:
        stop.set()


def _report_errors(summary: Summary, errors: list[str], out: TextIO) -> None:
    for error in errors[:MAX_ERROR_LINES]:
        print(f"phiguard: {error}", file=out)
    if summary.unreadable > MAX_ERROR_LINES:
        print(f"phiguard: ... and {summary.unreadable - MAX_ERROR_LINES} more unreadable "
              "records (each is in the report with its line and error)", file=out)


def _exit_code(summary: Summary, fail_on: str) -> int:
    code = EXIT_CLEAN
    if summary.verdicts["block"] or (fail_on == "review" and summary.verdicts["review"]):
        code = EXIT_FOUND
    if summary.unreadable:
        code = EXIT_INPUT
    if summary.detector_errors:
        code = EXIT_INTERNAL
    return code


def _summary_line(summary: Summary, code: int, fail_on: str) -> str:
    files = len(summary.sources)
    counts = summary.verdicts
    line = (f"{summary.posts} posts in {files} file{'s' if files != 1 else ''}: "
            f"{counts['block']} block, {counts['review']} review, {counts['pass']} pass")
    if summary.unreadable:
        line += f", {summary.unreadable} unreadable"
    if summary.acknowledged:
        line += f"; {summary.acknowledged} findings acknowledged"
    reason = {
        EXIT_CLEAN: f"nothing at or above --fail-on {fail_on}",
        EXIT_FOUND: f"posts at or above --fail-on {fail_on}",
        EXIT_INPUT: "some records could not be read (see above)",
        EXIT_INTERNAL: f"{summary.detector_errors} posts could not be fully checked (a detector "
                       "failed); they are blocked",
    }[code]
    return f"{line}. Exit {code}: {reason}."


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with replaced_on_success(path, keep=lambda: not _INTERRUPTED.is_set()) as handle:
        yield handle


def _cmd_scan(args: argparse.Namespace, policy: Policy | None) -> int:
    if args.jobs < 1:
        raise _UsageError("--jobs must be at least 1")
    baseline = Baseline.load(args.baseline) if args.baseline else None
    paths = expand_paths(args.paths)
    if args.output is not None:
        refuse_input_as_output(args.output, paths, "--output")
    progress, bar = _progress(args, paths)
    records = read_records(paths, fmt=args.input_format, options=_field_options(args),
                           progress=progress)
    effective = policy or Policy()
    summary = Summary()
    errors: list[str] = []
    warned: set[str] = set()
    with _output(args.output) as out:
        writer = make_writer(args.format, out, policy=effective, show_phi=args.show_phi)
        try:
            for record, report in checked(records, policy, jobs=args.jobs):
                if report is not None and record.post is not None:
                    _warn_unknown_allow(record, effective, warned)
                    report = acknowledge(record.post, report, effective, baseline=baseline,
                                         allow=record.allow)
                else:
                    errors.append(f"{record.where}: {record.error}")
                summary.add(record, report)
                writer.write(record, report)
                bar.tick()
        finally:
            bar.close()
        writer.finish(summary)
    code = _exit_code(summary, args.fail_on)
    _report_errors(summary, errors, sys.stderr)
    print(_summary_line(summary, code, args.fail_on), file=sys.stderr)
    return code


# ---- baseline ------------------------------------------------------------------------------


def _warn_unknown_allow(record: Record, policy: Policy, warned: set[str]) -> None:
    """A `phiguard_allow` id that no rule of the policy has (a typo) acknowledges nothing, and
    its findings stay flagged; say so once per id, with the nearest rule id."""
    new = [rule for rule in record.allow if rule not in warned]
    if not new:
        return
    known = {rule.id for rule, _ in get_pipeline(policy).pack.rules} | LAYER_RULE_IDS
    for rule in new:
        warned.add(rule)
        if rule in known or rule.startswith("ner-"):
            continue
        near = difflib.get_close_matches(rule, sorted(known), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        print(f"phiguard: {record.where}: phiguard_allow names {rule!r}, which is not a rule "
              f"id of the policy, so it acknowledges nothing{hint}", file=sys.stderr)


def _cmd_baseline(args: argparse.Namespace, policy: Policy | None) -> int:
    if args.jobs < 1:
        raise _UsageError("--jobs must be at least 1")
    paths = expand_paths(args.paths)
    refuse_input_as_output(args.out, paths, "--out")
    with _baseline_lock(args.out):
        return _write_baseline(args, policy, paths)


@contextlib.contextmanager
def _baseline_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the baseline's folder while one run reads the old file's salt
    and writes the new one: a second `baseline` run on the same file waits for the first."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"phiguard: waiting for another `phiguard baseline` writing in {folder}",
                  file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_baseline(args: argparse.Namespace, policy: Policy | None,
                    paths: list[Input]) -> int:
    old = Baseline.load(args.out) if args.out.exists() else None
    baseline = Baseline.new(old.salt if old else None)
    progress, bar = _progress(args, paths)
    records = read_records(paths, fmt=args.input_format, options=_field_options(args),
                           progress=progress)
    summary = Summary()
    errors: list[str] = []
    try:
        for record, report in checked(records, policy, jobs=args.jobs):
            summary.add(record, report)
            bar.tick()
            if report is None or record.post is None:
                errors.append(f"{record.where}: {record.error}")
                continue
            baseline.add(record.post, report.findings, report.combinations)
    finally:
        bar.close()
    with _output(args.out) as out:
        out.write(baseline.dumps())
    _report_errors(summary, errors, sys.stderr)
    print(f"{len(baseline.entries)} findings of {summary.posts} posts written to {args.out}"
          + (_replaced(old, baseline) if old else ""), file=sys.stderr)
    if summary.detector_errors:
        print(f"phiguard: {summary.detector_errors} posts could not be fully checked; a "
              "detector error is never written to a baseline", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_INPUT if summary.unreadable else EXIT_CLEAN


def _replaced(old: Baseline, new: Baseline) -> str:
    """What replacing the old baseline changed: said, so a rewrite is never silent."""
    before = {str(e["fingerprint"]) for e in old.entries}
    after = {str(e["fingerprint"]) for e in new.entries}
    return (f" (replacing the previous baseline: {len(after - before)} added, "
            f"{len(before - after)} no longer present)")


# ---- redact --------------------------------------------------------------------------------


def _cmd_redact(args: argparse.Namespace, policy: Policy | None) -> int:
    # Imported here: redaction pulls in presidio-anonymizer, which scanning never needs.
    from phiguard.redact import redact_many

    key = os.environ.get(args.key_env) or None
    if args.strategy == "hash" and key is None:
        raise ConfigError(f"--strategy hash needs a secret of at least 16 bytes in "
                          f"${args.key_env}")
    if args.input != "-" and Path(args.input).is_dir():
        raise _UsageError("redact takes one export file (or '-'), not a folder")
    paths = expand_paths([args.input])
    if args.out is not None:
        refuse_input_as_output(args.out, paths, "--out")
    records = read_records(paths, fmt=args.input_format, options=_field_options(args))
    unreadable = needs_human = detector_errors = 0
    with _output(args.out) as out:
        writer = ExportWriter(out)
        for record, result in _in_order(records, lambda posts: redact_many(
                posts, strategy=args.strategy, policy=policy, key=key, with_report=True)):
            if result is None:
                unreadable += 1
                print(f"phiguard: {record.where}: {record.error} (written as a placeholder)",
                      file=sys.stderr)
                writer.write(record, None)
                continue
            writer.write(record, result.post)
            for finding in result.needs_human:
                needs_human += 1
                detector_errors += finding.entity == DETECTOR_ERROR
                print(f"phiguard: {record.where} post {result.post.id or '-'}: "
                      f"{finding.entity} in {finding.field}[{finding.start}:{finding.end}] "
                      f"needs a person ({finding.rule_id})", file=sys.stderr)
        writer.finish()
    if detector_errors:
        return EXIT_INTERNAL
    if unreadable:
        return EXIT_INPUT
    return EXIT_FOUND if needs_human else EXIT_CLEAN


def _in_order(records: Iterable[Record], process: Callable[[Iterator[Post]], Iterable[Any]]
              ) -> Iterator[tuple[Record, Any]]:
    """Each record with what `process` made of its post (None for an unreadable record), in
    input order; `process` takes the readable posts and yields one result per post."""
    pending: deque[Record] = deque()

    def posts() -> Iterator[Post]:
        for record in records:
            pending.append(record)
            if record.post is not None:
                yield record.post

    for result in process(posts()):
        record = pending.popleft()
        while record.post is None:
            yield record, None
            record = pending.popleft()
        yield record, result
    while pending:
        yield pending.popleft(), None


# ---- rules test ----------------------------------------------------------------------------


def _cmd_learn_org(args: argparse.Namespace, policy: Policy | None) -> int:
    from phiguard.learn_org import learn

    if args.min_posts < 1:
        raise _UsageError("--min-posts must be at least 1")
    proposal = learn(args.paths)
    text = proposal.pack(args.name, args.min_posts)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"phiguard: proposed pack written to {args.out} from {proposal.posts} posts; "
              "review it before use", file=sys.stderr)
    return EXIT_CLEAN


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


# ---- serve ---------------------------------------------------------------------------------


def _cmd_serve(args: argparse.Namespace, policy: Policy | None) -> int:
    try:  # the serve extra is optional: everything else works without FastAPI
        from phiguard.serve.options import ServeOptions
        from phiguard.serve.server import run
    except ImportError as exc:
        raise ConfigError(f"serve needs the serve extra ({exc.name} is not installed): "
                          "pip install 'phiguard[serve]'") from None
    run(ServeOptions(host=args.host, port=args.port, policy=policy, workers=args.workers,
                     token_file=args.token_file, max_body=args.max_body,
                     max_batch=args.max_batch, max_queue=args.max_queue,
                     redact_key=os.environ.get(args.key_env) or None))
    return EXIT_CLEAN


class _UsageError(Exception):
    """A command-line option is wrong (exit 2)."""


_COMMANDS: dict[str, Any] = {
    "check": _cmd_check, "scan": _cmd_scan, "baseline": _cmd_baseline, "redact": _cmd_redact,
    "learn-org": _cmd_learn_org,
    "serve": _cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help is 0, a usage error is 2
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    with _noting_interrupts():
        code = _run(args)
    if _INTERRUPTED.is_set():
        print("phiguard: interrupted; no output file was replaced", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "rules":
            return _cmd_rules_test(args)
        return int(_COMMANDS[args.command](args, _policy(args)))
    except ConfigError as exc:
        print(f"phiguard: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (InputError, _UsageError) as exc:
        print(f"phiguard: input error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader of our output went away (`| head`): not a pass, but nothing to report.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stop flushes to the closed pipe
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        _INTERRUPTED.set()
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - report the type only, the message may quote a post
        if not _INTERRUPTED.is_set():  # a worker killed by the same Ctrl-C is not a crash
            print(f"phiguard: internal error ({type(exc).__name__}); please report it",
                  file=sys.stderr)
        return EXIT_INTERNAL


@contextlib.contextmanager
def _noting_interrupts() -> Iterator[None]:
    """Ctrl-C sets _INTERRUPTED before it raises KeyboardInterrupt, so an interrupt that some
    library catches and drops still ends the run with 130 and replaces no output."""
    _INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set on the main thread
        return
    previous = signal.signal(signal.SIGINT, _on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_interrupt(signum: int, frame: object) -> None:
    _INTERRUPTED.set()
    raise KeyboardInterrupt

"""Command line: python -m benchmarks {accuracy,speed,generate} [options]."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import DATA_ENV


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run one benchmark; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    acc = sub.add_parser("accuracy", help="precision, recall and F2 per identifier and label")
    acc.add_argument("--only", action="append", metavar="NAME",
                     help="run only this built-in dataset (posts, physionet, presidio-synth); "
                          "repeatable")
    acc.add_argument("--dataset", action="append", type=Path, default=[], metavar="JSONL",
                     help="also score your own labelled posts in the shared JSONL format")
    acc.add_argument("--data", metavar="DIR",
                     help=f"shared data folder (default: ${DATA_ENV}, else ../shared/data)")
    acc.add_argument("--limit", type=int, help="score only the first N posts of each dataset")
    acc.add_argument("--systems", default="phiguard,phiguard-patterns,presidio",
                     help="comma-separated systems to run (default: %(default)s)")
    acc.add_argument("--presidio-threshold", type=float, default=0.5, metavar="SCORE",
                     help="also report Presidio's results at or above SCORE, from the same run "
                          "(0: off; default: %(default)s)")
    _output_args(acc)

    speed = sub.add_parser("speed", help="posts/s, latency, cold start, memory, scaling")
    size = speed.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="tiny run, for the smoke test")
    size.add_argument("--full", action="store_true", help="larger samples (several minutes)")
    speed.add_argument("--posts", type=int, help="posts per throughput measurement")
    speed.add_argument("--systems",
                       default="phiguard-patterns,phiguard,presidio,spacy",
                       help="comma-separated systems to time (default: %(default)s)")
    speed.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    _output_args(speed)

    gen = sub.add_parser("generate", help="seeded synthetic posts, in the shared JSONL format")
    gen.add_argument("-n", type=int, default=100, help="how many posts (default: %(default)s)")
    gen.add_argument("--seed", type=int, default=0, help="seed (default: %(default)s)")
    gen.add_argument("--length", type=int, default=1,
                     help="sentences per post, to make long posts (default: %(default)s)")

    rep = sub.add_parser("report", help="redraw tables and charts from saved results, into docs/")
    rep.add_argument("--out", type=Path, default=None,
                     help="folder holding accuracy.json and speed.json (default: results/)")

    args = parser.parse_args(argv)
    if args.command == "accuracy":
        from benchmarks import accuracy

        accuracy.run(args.only, args.dataset, args.data, args.limit,
                     _split(args.systems), args.out, args.update_docs,
                     args.presidio_threshold)
    elif args.command == "speed":
        from benchmarks import speed as speed_module

        mode = "quick" if args.quick else "full" if args.full else "default"
        speed_module.run(mode, _split(args.systems), args.posts, args.seed, args.out,
                         args.update_docs)
    elif args.command == "report":
        from benchmarks import accuracy
        from benchmarks import speed as speed_module

        folder = args.out or accuracy.RESULTS
        for module in (accuracy, speed_module):
            module.rerender(folder)
    else:
        from benchmarks import generator

        generator.write_jsonl(sys.stdout, generator.generate(args.n, args.seed, args.length))
    return 0


def _output_args(parser: argparse.ArgumentParser) -> None:
    from benchmarks.accuracy import RESULTS

    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="folder for the JSON and markdown results (default: %(default)s)")
    parser.add_argument("--update-docs", action="store_true",
                        help="write the tables into docs/benchmarks.md and the chart into docs/")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


if __name__ == "__main__":
    sys.exit(main())

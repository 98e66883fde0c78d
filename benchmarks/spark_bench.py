"""Spark local[2] against check_many(n_process=2) on the same generated posts: posts/s and peak
memory of each system's whole process tree (Spark: its JVM and Python workers; check_many: the
caller and its two worker processes).

    python -m benchmarks.spark_bench --posts 100000      # needs the spark extra and a JRE

Each system runs in a fresh interpreter that this one watches, sampling the resident memory of
the interpreter and all its descendants; `posts/s` is posts over the wall time of the check
itself, start-up (the SparkSession, the process pool) reported beside it. Both print their
verdict counts, which must agree. Results: benchmarks/results/spark.json and a Markdown table
for docs/benchmarks.md. Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import ROOT

SYSTEMS = ("check_many", "spark")
RESULTS = ROOT / "benchmarks" / "results" / "spark.json"
PAGE = os.sysconf("SC_PAGE_SIZE")


def run_check_many(n: int, seed: int) -> dict[str, Any]:
    """check_many with two worker processes, as a single machine would run it."""
    import phiguard
    from benchmarks.generator import posts

    todo = posts(n, seed)
    start = time.perf_counter()
    verdicts = Counter(r.verdict for r in phiguard.check_many(todo, n_process=2))
    return {"start_s": 0.0, "check_s": time.perf_counter() - start, "verdicts": verdicts}


def run_spark(n: int, seed: int) -> dict[str, Any]:
    """check_dataframe on a local[2] SparkSession: two executor cores, two Python workers."""
    import pandas as pd
    from pyspark.sql import SparkSession

    from benchmarks.generator import posts
    from phiguard.spark import check_dataframe

    os.environ["PYSPARK_PYTHON"] = sys.executable
    start = time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").appName("phiguard-bench")
             .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.createDataFrame(pd.DataFrame(posts(n, seed)),
                               "id string, text string, captions array<string>")
    df = df.repartition(2).cache()
    df.count()  # the posts in Spark before the clock starts, as a table read would leave them
    started = time.perf_counter()
    counts = check_dataframe(df, captions="captions", id="id").groupBy("verdict").count()
    verdicts = Counter({row["verdict"]: row["count"] for row in counts.collect()})
    done = time.perf_counter()
    spark.stop()
    return {"start_s": started - start, "check_s": done - started, "verdicts": verdicts}


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return total


def measure(system: str, n: int, seed: int) -> dict[str, Any]:
    """Run one system in a fresh interpreter, sampling its process tree's memory."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.spark_bench", "--child", system, "--posts", str(n),
         "--seed", str(seed)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(child.pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    stop.set()
    sampler.join()
    if child.returncode:
        raise RuntimeError(f"{system} failed with exit code {child.returncode}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["posts_per_s"] = round(n / result["check_s"], 1)
    result["peak_rss_mb"] = round(peak / 2**20)
    return result


def render(results: dict[str, Any]) -> str:
    """The Markdown table docs/benchmarks.md shows."""
    lines = [f"{results['posts']:,} generated posts (seed {results['seed']}), "
             f"{results['cores']} cores, load average {results['load_before']} before and "
             f"{results['load_after']} after, {results['when']}.", "",
             "| system | posts/s | check s | start-up s | peak RSS MB (whole tree) |",
             "|---|---:|---:|---:|---:|"]
    for name in SYSTEMS:
        r = results["systems"].get(name)
        if r:
            lines.append(f"| {name} | {r['posts_per_s']} | {r['check_s']:.1f} | "
                         f"{r['start_s']:.1f} | {r['peak_rss_mb']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, or (with --child) one system inside the watched interpreter."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run = run_spark if args.child == "spark" else run_check_many
        result = run(args.posts, args.seed)
        print(json.dumps(result))
        return 0
    results: dict[str, Any] = {
        "posts": args.posts, "seed": args.seed, "cores": os.cpu_count(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "systems": {}}
    for system in args.systems:
        results["systems"][system] = measure(system, args.posts, args.seed)
        print(system, json.dumps(results["systems"][system]), file=sys.stderr, flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    results["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    verdicts = {json.dumps(r["verdicts"], sort_keys=True) for r in results["systems"].values()}
    if len(verdicts) > 1:
        print("warning: the systems' verdict counts differ", file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

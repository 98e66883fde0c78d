"""Each commit's figures on the measuring sets, figures only: what a change did where nobody tunes.

    python tools/measure_commits.py BASE [HEAD]      # every commit after BASE, up to HEAD

For every commit after BASE (oldest first) it checks the commit out in a temporary git worktree
and runs `tools/tune_social.py` there, with that commit's own code and rules, on social-dev's
even half and on the fresh measuring sets (benchmarks/data/fresh-measure-*.jsonl). It prints one
line per commit: PHI posts gated, clean posts passed and spans found on each set. No error of a
measuring set is ever printed: the honest loop (docs/benchmarks.md) reads them as figures only.
A commit before the fresh sets existed is measured on the sets as they are now.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRESH = sorted((ROOT / "benchmarks" / "data").glob("fresh-measure-*.jsonl"))


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def _figures(tree: Path, data: Path | None) -> str:
    """gated / clean / spans of one set, from tune_social.py's "all" line for it."""
    command = [sys.executable, str(tree / "tools" / "tune_social.py")]
    if data is not None:
        command += ["--data", str(data)]
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env,
                         cwd=tree).stdout
    wanted = "own" if data is not None else "measure"
    for line in out.splitlines():
        fields = line.split()
        if fields[:2] == [wanted, "all"]:
            return f"{fields[2]} {fields[4]} {fields[6]}"
    raise SystemExit(f"no '{wanted} all' line in tune_social.py's output for {tree}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the commit before the first one measured")
    parser.add_argument("head", nargs="?", default="HEAD")
    args = parser.parse_args(argv)
    commits = _git("rev-list", "--reverse", f"{args.base}..{args.head}").split()
    names = ["social-dev even"] + [p.stem for p in FRESH]
    print("commit   " + " | ".join(f"{n} (gated clean spans)" for n in names))
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "tree"
        # tune_social.py finds social-dev two levels up: ../shared beside the worktree.
        (Path(scratch) / "shared").symlink_to(ROOT.parent / "shared")
        for commit in commits:
            _git("worktree", "add", "--detach", "--force", str(tree), commit)
            try:
                figures = [_figures(tree, None)] + [_figures(tree, p) for p in FRESH]
            finally:
                _git("worktree", "remove", "--force", str(tree))
            subject = _git("log", "-1", "--format=%s", commit)[:60]
            print(f"{commit[:8]} " + " | ".join(figures) + f"  {subject}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every ```sh and ```python example of README.md and docs/*.md runs, as written.

Each markdown file runs its blocks in order in a fresh temporary folder holding copies of the
repository's examples/ and rules/examples/, so a later block may use what an earlier one wrote.
Markers, HTML comments on the lines just before a block (see CONTRIBUTING.md):

    <!-- docs-test: skip (why it cannot run here) -->   the block is not run; the reason is required
    <!-- docs-test: exit N -->                          the block must exit N (default 0)
    <!-- docs-test: skip-file (where it is tested) -->  anywhere in a file: none of its blocks run
    <!-- docs-test: file PATH -->                       any block: written to PATH for later blocks

A ```text block right after a runnable block, marked `<!-- docs-test: output -->`, is the
output the reader should see: stdout is compared line by line, and a line `...` stands for any
number of lines. A ```python block written as a `>>>` session is run by doctest, which compares
each shown result.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = ("sh", "python")
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(
    r"^<!--\s*docs-test:\s*(skip-file|skip|exit|output|file)\b\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    """One fenced code block and the markers just above it."""

    path: Path
    line: int
    language: str
    code: str
    skip: str | None = None
    exit_code: int = 0
    output: str | None = None
    # Files the docs show before this block (PATH -> content), written before it runs.
    files: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def parse(path: Path) -> tuple[list[Block], str | None]:
    """The blocks of a markdown file, and the file's skip-file reason if it has one."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    markers: dict[str, str] = {}
    files: dict[str, str] = {}
    skip_file: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = MARKER.match(line)
        fence = FENCE.match(line)
        if marker:
            kind, arg = marker.groups()
            if kind == "skip-file":
                skip_file = _reason(arg, path, index)
            else:
                markers[kind] = arg
        elif fence:
            end = index + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            block = Block(path, index + 1, fence.group(1), "\n".join(lines[index + 1 : end]) + "\n")
            files = _place(block, markers, files, blocks, index)
            markers = {}
            index = end
        elif line.strip():
            markers = {}  # a marker belongs to the block right below it
        index += 1
    return blocks, skip_file


def _place(block: Block, markers: dict[str, str], files: dict[str, str], blocks: list[Block],
           index: int) -> dict[str, str]:
    """File a fenced block by the marker above it: a file the next command needs, the output of
    the last command, or a command to run. Returns the files still waiting for a command."""
    if "file" in markers:
        files[markers["file"]] = block.code
    elif "output" in markers and blocks and blocks[-1].language in RUNNABLE:
        blocks[-1].output = block.code
    elif block.language in RUNNABLE:
        block.files, files = files, {}
        if "skip" in markers:
            block.skip = _reason(markers["skip"], block.path, index)
        block.exit_code = int(markers.get("exit") or 0)
        blocks.append(block)
    return files


def _reason(text: str, path: Path, index: int) -> str:
    reason = text.strip().removeprefix("(").removesuffix(")").strip()
    assert reason, f"{path.name}:{index + 1}: a docs-test skip needs a reason in brackets"
    return reason


PARSED = {path: parse(path) for path in DOCS}
BLOCKS = [b for blocks, skip_file in PARSED.values() if not skip_file for b in blocks]


def test_every_skip_says_why_and_the_rest_run() -> None:
    skipped = [b for b in BLOCKS if b.skip]
    files_elsewhere = [p.name for p, (_, reason) in PARSED.items() if reason]
    run = [b for b in BLOCKS if not b.skip]
    # The counts, for the log: what the docs-test does not run is a decision written in the docs.
    print(f"docs-test: {len(run)} blocks run, {len(skipped)} skipped "
          f"({'; '.join(f'{b.id}: {b.skip}' for b in skipped)}), files tested elsewhere: "
          f"{', '.join(files_elsewhere) or 'none'}")
    assert all(b.skip for b in skipped) and len(run) > len(skipped)


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """One working folder per markdown file, made on first use."""
    return {}


def _workdir(doc: Path, workdirs: dict[Path, Path],
             factory: pytest.TempPathFactory) -> Path:
    if doc not in workdirs:
        folder = factory.mktemp(doc.stem)
        shutil.copytree(ROOT / "examples", folder / "examples")
        shutil.copytree(ROOT / "rules" / "examples", folder / "rules" / "examples")
        workdirs[doc] = folder
    return workdirs[doc]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # `python` and `phiguard` in a block are this test run's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PHIGUARD_BASELINE_KEY", None)
    env["COLUMNS"] = "100"
    return env


def _matches(expected: str, actual: str) -> bool:
    """Line by line, trailing spaces ignored; a `...` line matches any number of lines."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line.strip() == "..." else re.escape(line.rstrip()) + r"[ \t]*\n"
        for line in expected.splitlines())
    return re.fullmatch(pattern, actual if actual.endswith("\n") else actual + "\n") is not None


@pytest.mark.parametrize("block", [b for b in BLOCKS if not b.skip], ids=lambda b: b.id)
def test_example_runs_as_written(block: Block, workdirs: dict[Path, Path],
                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = _workdir(block.path, workdirs, tmp_path_factory)
    for name, content in block.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    if block.language == "python" and ">>>" in block.code:
        _run_doctest(block, folder)
        return
    command = (["bash", "-euo", "pipefail", "-c", block.code] if block.language == "sh"
               else [sys.executable, "-c", block.code])
    done = subprocess.run(command, cwd=folder, env=_environment(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == block.exit_code, (
        f"{block.id} exited {done.returncode}, the docs say {block.exit_code}\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    if block.output is not None:
        assert _matches(block.output, done.stdout), (
            f"{block.id}: the output differs from the one the docs show\n{done.stdout}")


def _run_doctest(block: Block, folder: Path) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.code, {}, block.id, str(block.path), block.line)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        out: list[str] = []
        runner.run(test, out=out.append)
    finally:
        os.chdir(cwd)
    assert runner.failures == 0, "".join(out)

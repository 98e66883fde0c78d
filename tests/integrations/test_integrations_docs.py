"""docs/integrations.md's examples run as written: each Python block in a fresh namespace, in a
folder holding the files its YAML blocks (`# file: NAME`) define."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def _blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))
            if lang == language]


def test_the_page_has_an_example_of_each_integration() -> None:
    code = "\n".join(_blocks("python"))
    for name in ("register_layer", "validators.register", "check_dataframe",
                 "PhiguardRecognizer", "convert_presidio_yaml", 'add_pipe("phiguard"'):
        assert name in code, name


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_example_runs_as_written(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 request: pytest.FixtureRequest) -> None:
    code = _blocks("python")[index]
    if "pyspark" in code:
        request.getfixturevalue("spark")  # the tests' session: the example's getOrCreate joins it
    for block in _blocks("yaml"):
        first, _, rest = block.partition("\n")
        if first.startswith("# file: "):
            (tmp_path / first.removeprefix("# file: ").strip()).write_text(rest, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_example_{index}"}
    exec(compile(code, f"{DOC.name} python block {index + 1}", "exec"), namespace)  # noqa: S102

"""The start-up cache serves what it built only while its sources are unchanged, and never
stands in the way: an unusable cache folder means building in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from phiguard.cache import cached


def _builder(calls: list[int], value: object) -> object:
    def build() -> object:
        calls.append(1)
        return value
    return build


def test_an_entry_is_reused_until_a_source_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHIGUARD_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "pack.yaml"
    source.write_text("pack: a\n", encoding="utf-8")
    calls: list[int] = []
    for _ in range(2):
        assert cached("t", "k", _builder(calls, {"a": 1}), lambda v: [source]) == {"a": 1}
    assert len(calls) == 1
    source.write_text("pack: b\n", encoding="utf-8")
    assert cached("t", "k", _builder(calls, {"b": 2}), lambda v: [source]) == {"b": 2}
    assert len(calls) == 2
    source.unlink()
    assert cached("t", "k", _builder(calls, {"c": 3}), lambda v: [source]) == {"c": 3}


def test_a_corrupt_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PHIGUARD_CACHE_DIR", str(folder))
    calls: list[int] = []
    cached("t", "k", _builder(calls, [1]))
    [entry] = folder.iterdir()
    entry.write_bytes(b"not a pickle")
    assert cached("t", "k", _builder(calls, [1])) == [1] and len(calls) == 2


@pytest.mark.parametrize("setting", ["", "a-file"])
def test_no_cache_or_an_unusable_one_builds_in_memory(
        setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if setting:
        (tmp_path / setting).write_text("not a folder", encoding="utf-8")
        setting = str(tmp_path / setting / "cache")
    monkeypatch.setenv("PHIGUARD_CACHE_DIR", setting)
    calls: list[int] = []
    for _ in range(2):
        assert cached("t", "k", _builder(calls, "v")) == "v"
    assert len(calls) == 2


def test_the_cache_keeps_a_bounded_number_of_entries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phiguard import cache

    folder = tmp_path / "cache"
    monkeypatch.setenv("PHIGUARD_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for key in "abcde":
        cached("t", key, lambda key=key: key)
    assert len(list(folder.glob("*.pickle"))) == 3
    calls: list[int] = []
    assert cached("t", "e", _builder(calls, "new")) == "e" and not calls  # the newest stays


def test_a_cached_pack_is_rebuilt_when_the_code_that_reads_packs_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # In a source checkout the version stays put while the loader changes: its code is a
    # source of every cached pack, as the pack's own file is.
    from phiguard.rulepacks import loader

    monkeypatch.setenv("PHIGUARD_CACHE_DIR", str(tmp_path / "cache"))
    code = tmp_path / "schema.py"
    code.write_text("# one version\n", encoding="utf-8")
    monkeypatch.setattr(loader, "_LOADER_CODE", (code,))
    pack = loader.resolve_pack_path("owner").resolve()
    built: list[int] = []
    real = loader._load

    def counting(path: Path, chain: tuple[Path, ...]) -> loader.LoadedPack:
        built.append(1)
        return real.__wrapped__(path, chain)

    monkeypatch.setattr(loader, "_load", counting)
    for _ in range(2):
        loader._load_cached.cache_clear()
        loader._load_cached(pack)
    assert len(built) == 1
    code.write_text("# another version\n", encoding="utf-8")
    loader._load_cached.cache_clear()
    loader._load_cached(pack)
    assert len(built) == 2

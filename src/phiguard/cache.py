"""An on-disk cache of what is slow to build and never changes between runs: loaded rule packs,
lexicon tries. It cuts a command's start-up to little more than loading the spaCy model.

An entry is keyed by phiguard's version, what it is and a content hash, and remembers the
SHA-256 of every file it was built from: an edited pack or lexicon is rebuilt, never served
stale. The cache is an optimisation only: any problem reading or writing it (no home folder, a
read-only disk, a corrupt or foreign entry) falls back to building in memory, silently.

Where: $PHIGUARD_CACHE_DIR, else $XDG_CACHE_HOME/phiguard, else ~/.cache/phiguard. Set
PHIGUARD_CACHE_DIR to an empty string to turn it off. Entries are pickles: the folder must be
as private as the user's own site-packages (it is created mode 0700).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
# Bumped when what is cached changes shape without phiguard's version changing.
FORMAT = 3  # 3: the word trie folds accents and skips hyphens
# Entries kept; the oldest go first. Packs under temporary paths (tests, one-off runs) would
# otherwise pile up.
MAX_ENTRIES = 64


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    configured = os.environ.get("PHIGUARD_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "phiguard"


def digest(*parts: str | bytes) -> str:
    """SHA-256 of some strings or bytes, each length-prefixed so parts cannot run together."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big") + data)
    return sha.hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{version('phiguard')}/{FORMAT}"
    except PackageNotFoundError:  # a source tree on sys.path, not installed
        return f"unknown/{FORMAT}"


def cached(kind: str, key: str, build: Callable[[], T],
           sources: Callable[[T], Iterable[Path]] = lambda value: ()) -> T:
    """The value cached for (kind, key), or `build()` stored for next time.

    `sources(value)` names the files the value was built from; the entry is used only while
    each still has the content it had.
    """
    folder = cache_dir()
    if folder is None:
        return build()
    entry = folder / f"{kind}-{digest(_version(), kind, key)[:32]}.pickle"
    value = _read(entry)
    if value is not None:
        return value  # type: ignore[no-any-return]
    value = build()
    try:
        files = [(str(path), _file_digest(path)) for path in sources(value)]
        _write(folder, entry, {"files": files, "value": value})
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is only slower
        pass
    return value


def _read(entry: Path) -> Any:
    try:
        with entry.open("rb") as handle:
            stored = pickle.load(handle)  # noqa: S301 - our own file, in a private folder
        if all(_file_digest(Path(path)) == sha for path, sha in stored["files"]):
            return stored["value"]
    except Exception:  # noqa: BLE001 - missing, corrupt or from another version: rebuild
        pass
    return None


def _write(folder: Path, entry: Path, stored: dict[str, Any]) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written aside and renamed: a reader never sees half an entry, even with --jobs.
    handle, name = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(stored, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(name, entry)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    entries = sorted(folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        old.unlink(missing_ok=True)

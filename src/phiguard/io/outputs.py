"""Output files are replaced whole or not at all, and never overwrite an input.

Each output is written to a temporary file in the same folder and renamed over the target only
when the command finished writing it: Ctrl-C, a killed worker or an error leaves the old file
(or none) in place, never a truncated report, baseline or redacted export.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from phiguard.errors import InputError


def refuse_input_as_output(output: Path, inputs: Iterable[object], option: str) -> None:
    """Raise InputError when `output` is the same file as one of `inputs` (same inode)."""
    try:
        target = output.stat()
    except OSError:
        return  # does not exist yet: cannot be an input
    for item in inputs:
        if not isinstance(item, str | Path) or str(item) == "-":
            continue
        try:
            status = Path(item).stat()
        except OSError:
            continue
        if (status.st_dev, status.st_ino) == (target.st_dev, target.st_ino):
            raise InputError(f"{option} {output} is also an input; writing it would destroy "
                             "the export being read. Choose another file")


@contextlib.contextmanager
def replaced_on_success(path: Path, keep: Callable[[], bool] = lambda: True
                        ) -> Iterator[TextIO]:
    """A text handle on a temporary file next to `path`, renamed to `path` when the block
    ends normally and `keep()` is true; otherwise removed, and `path` is left as it was."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror})") from None
    committed = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if keep():
            try:
                os.chmod(temp, _mode(path))
                os.replace(temp, path)
            except OSError as exc:  # a folder of that name, a read-only target...
                raise InputError(f"cannot write {path} ({exc.strerror})") from None
            committed = True
    finally:
        if not committed:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _mode(path: Path) -> int:
    """The existing file's permissions, or what a new file would get under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

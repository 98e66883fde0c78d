"""Bearer tokens from a file: one per line, re-read when the file changes (rotation, no restart).

Rotate by adding the new token as a line, moving the clients over, then deleting the old line.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from phiguard.errors import ConfigError


class TokenFile:
    """The tokens the server accepts; blank lines and lines starting with '#' are ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: int | None = None
        self._tokens: tuple[bytes, ...] = ()
        self._load()

    def _load(self) -> None:
        try:
            stat = self.path.stat()
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--token-file {self.path}: cannot be read ({exc.strerror})"
                              ) from None
        tokens = tuple(line.strip().encode("utf-8") for line in text.splitlines()
                       if line.strip() and not line.lstrip().startswith("#"))
        if not tokens:
            # Fail closed: an empty file must not mean "no token needed".
            raise ConfigError(f"--token-file {self.path}: holds no token")
        self._tokens, self._mtime = tokens, stat.st_mtime_ns

    def accepts(self, token: str) -> bool:
        """Is this one of the file's tokens? Compared in constant time."""
        try:
            if self.path.stat().st_mtime_ns != self._mtime:
                self._load()
        except (OSError, ConfigError):
            return False  # a file being replaced or emptied accepts nothing until it is fixed
        given = token.encode("utf-8")
        return any(hmac.compare_digest(given, t) for t in self._tokens)

"""Fixtures for `phiguard serve`: a post with PHI, a real server on a free port, a real browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from serve_support import HASH_SEED, READY_TIMEOUT, TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    token: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`python -m phiguard serve` with a token file, as an operator runs it."""
    folder = tmp_path_factory.mktemp("serve")
    token_file = folder / "tokens"
    token_file.write_text(f"# scheduler\n{TOKEN}\n", encoding="utf-8")
    log = folder / "server.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "phiguard", "serve", "--port", str(port), "--workers", "1",
             "--token-file", str(token_file)], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONHASHSEED": HASH_SEED})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            assert process.poll() is None, f"the server exited: {log.read_text()}"
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.1)
        yield Server(url, TOKEN, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def browser_missing(reason: str) -> None:
    """In CI a missing browser is a failure (.ci/run installs it); elsewhere a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs Debian's chromium and chromium-driver")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Debian's headless chromium driven by its chromedriver (no browser download)."""
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        browser_missing("chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium  # type: ignore[assignment]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1100,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()

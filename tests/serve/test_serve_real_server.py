"""A real `phiguard serve` (uvicorn, a worker process, a token file) driven by a real browser
(Debian's headless chromium) and by the curl examples of docs/serve.md."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_steps import check, fill_post, open_page, redact
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from serve_support import HASH_SEED, PATIENT, PHI_POST, assert_no_phi

DOCS = Path(__file__).resolve().parents[2] / "docs" / "serve.md"


def library_report(post: dict[str, Any]) -> Any:
    """phiguard.check's report, from a process with the server's hash seed: some explanations
    name whichever of two equal cues a set yields first, which the seed decides."""
    code = ("import json, sys, phiguard; "
            "print(json.dumps(phiguard.check(json.load(sys.stdin)).model_dump(mode='json')))")
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(post), text=True,
                            capture_output=True, check=True, timeout=300,
                            env={**os.environ, "PYTHONHASHSEED": HASH_SEED})
    return json.loads(result.stdout)


def test_a_scheduler_with_a_token_gets_the_same_report_as_the_library(server: Any) -> None:
    post = {"id": "sched-1", "text": PHI_POST, "captions": ["Rosalind and her cake"]}
    headers = {"Authorization": f"Bearer {server.token}"}
    response = httpx.post(f"{server.url}/v1/check", json=post, headers=headers, timeout=60)
    assert response.status_code == 200
    assert response.json() == library_report(post)
    assert httpx.post(f"{server.url}/v1/check", json=post, timeout=60).status_code == 401


def test_the_page_checks_highlights_explains_and_redacts(server: Any, browser: Any) -> None:
    open_page(browser, server.url, token=server.token)
    fill_post(browser, PHI_POST, [f"{PATIENT.split()[0]} with her birthday cake"])
    verdict = check(browser)
    assert "Do not publish" in verdict
    assert "block" in browser.find_element(By.ID, "result").get_attribute("class")
    marks = browser.find_elements(By.CSS_SELECTOR, "#fields mark")
    texts = [m.text for m in marks]
    assert PATIENT in texts and any("March 3" in t for t in texts), texts
    assert PATIENT.split()[0] in texts  # the caption is highlighted too

    # The keyboard reaches the highlights, and focus shows what it is and what to do.
    browser.find_element(By.ID, "redact").send_keys(Keys.TAB)
    for _ in range(10):
        if browser.switch_to.active_element.tag_name == "mark":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.tag_name == "mark"
    name_mark = next(m for m in marks if m.text == PATIENT)
    browser.execute_script("arguments[0].focus()", name_mark)
    tip = browser.find_element(By.ID, "tip")
    assert tip.is_displayed()
    assert "name" in tip.text and "written authorisation" in tip.text

    redacted = redact(browser, "tag")
    assert "[NAME]" in redacted[0] and "[DATE]" in redacted[0]
    for text in redacted:
        assert_no_phi(text)
    # The strict Content-Security-Policy blocked nothing the page needs, and no script failed.
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and (
        e.get("source") != "network" or "Content Security Policy" in e.get("message", ""))]
    assert not errors, errors


def test_the_page_fits_a_phone(server: Any, browser: Any) -> None:
    browser.set_window_size(390, 844)
    try:
        open_page(browser, server.url, token=server.token)
        fill_post(browser, PHI_POST, [])
        check(browser)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
    finally:
        browser.set_window_size(1100, 1400)


def curl_examples() -> list[str]:
    """The shell blocks of docs/serve.md that call the API with curl."""
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if b.lstrip().startswith("curl")]


def test_docs_have_curl_examples() -> None:
    assert len(curl_examples()) >= 4


@pytest.mark.parametrize("index", range(len(curl_examples())))
def test_the_curl_examples_in_the_docs_work(server: Any, index: int) -> None:
    if shutil.which("curl") is None:
        if os.environ.get("CI"):
            pytest.fail("curl is not installed; .ci/run installs it")
        pytest.skip("curl is not installed")
    example = curl_examples()[index]
    env = {**os.environ, "PHIGUARD_URL": server.url, "PHIGUARD_TOKEN": server.token}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", example], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (example, result.stderr)
    json.loads(result.stdout)  # every example prints the API's JSON


def test_the_api_docs_render_offline(server: Any, browser: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server.url}/docs")
    WebDriverWait(browser, 60).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 3)
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/v1/check", "/v1/redact", "/v1/policy"} <= paths


def test_the_server_logged_requests_but_no_phi(server: Any) -> None:
    # Runs after the tests above in this module, which sent the test patient many ways.
    log = server.log_text()
    assert "POST /v1/check 200" in log and "POST /v1/redact 200" in log
    assert_no_phi(log)


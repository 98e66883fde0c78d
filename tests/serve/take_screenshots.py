"""Screenshots of the review page for docs/serve.md (not a test): a PHI post checked, and its
redaction, taken with Debian's headless chromium against a running server.

    python -m phiguard serve --port 8000 &
    python tests/serve/take_screenshots.py http://127.0.0.1:8000
"""

from __future__ import annotations

import sys
from pathlib import Path

from browser_steps import check, fill_post, open_page, redact
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

DOCS = Path(__file__).resolve().parents[2] / "docs"
# A made-up patient, as in the tests.
POST = ("Happy 97th birthday to our patient Rosalind Okafor, born March 3, 1929! The whole "
        "team on 4 West sang for her this morning.")
CAPTION = "Rosalind with nurse Jane and her birthday cake"


def main(url: str) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=900,1640", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        open_page(driver, url)
        fill_post(driver, POST, [CAPTION])
        check(driver)
        name = next(m for m in driver.find_elements(By.CSS_SELECTOR, "#fields mark")
                    if m.text == "Rosalind Okafor")
        driver.execute_script("arguments[0].focus()", name)
        driver.save_screenshot(str(DOCS / "serve-check.png"))
        redact(driver, "tag")
        driver.set_window_size(900, 1250)
        driver.execute_script("document.getElementById('redaction').scrollIntoView()")
        driver.save_screenshot(str(DOCS / "serve-redact.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")

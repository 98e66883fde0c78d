"""Driving the review page in a real browser: shared by the browser test and docs screenshots."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 60  # seconds; the first check on a cold worker is the slow one


def open_page(driver: Any, url: str, token: str | None = None) -> None:
    driver.get(url + "/")
    WebDriverWait(driver, WAIT).until(ec.element_to_be_clickable((By.ID, "check")))
    if token is not None:
        driver.execute_script("document.getElementById('token-row').hidden = false")
        driver.find_element(By.ID, "token").send_keys(token)


def fill_post(driver: Any, text: str, captions: list[str], kind: str = "post",
              answered: str = "") -> None:
    Select(driver.find_element(By.ID, "kind")).select_by_value(kind)
    if answered:
        driver.find_element(By.ID, "in-reply-to").send_keys(answered)
    area = driver.find_element(By.ID, "post-text")
    area.clear()
    area.send_keys(text)
    for caption in captions:
        driver.find_element(By.ID, "add-caption").click()
        driver.switch_to.active_element.send_keys(caption)


def check(driver: Any) -> str:
    """Click Check; the verdict heading's text once it is shown."""
    driver.find_element(By.ID, "check").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.ID, "result").is_displayed()
        and d.find_element(By.ID, "verdict").text)
    text: str = driver.find_element(By.ID, "verdict").text
    return text


def redact(driver: Any, strategy: str) -> list[str]:
    """Choose a strategy, click Redact; the redacted fields' texts."""
    Select(driver.find_element(By.ID, "strategy")).select_by_value(strategy)
    driver.find_element(By.ID, "redact").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.ID, "redaction").is_displayed())
    return [a.get_attribute("value") for a in
            driver.find_elements(By.CSS_SELECTOR, "#redacted-fields textarea")]

"""The HTTP API through an in-process client: every status code, and no PHI in any log."""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from serve_support import PATIENT, PHI_POST, PHI_STRINGS, TOKEN, assert_no_phi

import phiguard
from phiguard import Policy, engine
from phiguard.cli import EXIT_CONFIG, main
from phiguard.detectors.base import Candidate, FieldText
from phiguard.policy import Consent
from phiguard.serve import ServeOptions, create_app

POST = {"id": "p1", "text": PHI_POST, "captions": [f"{PATIENT} with her cake"]}


@pytest.fixture(autouse=True)
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every test here also checks that nothing it sent reached a log."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert_no_phi(caplog.text)


def client_for(**options: Any) -> TestClient:
    options.setdefault("workers", 0)  # checks on a thread of this process: the model loads once
    return TestClient(create_app(ServeOptions(**options)), raise_server_exceptions=False)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_for() as client:
        wait_ready(client)
        yield client


def wait_ready(client: TestClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "never ready"
        time.sleep(0.05)


# ---- 200: the same reports as the library ----------------------------------------------------


def test_check_returns_the_library_report(client: TestClient) -> None:
    response = client.post("/v1/check", json=POST)
    assert response.status_code == 200
    assert response.json() == phiguard.check(POST).model_dump(mode="json")
    assert response.json()["verdict"] == "block"


def test_check_a_batch_returns_one_report_per_post_in_order(client: TestClient) -> None:
    posts = [POST, {"text": "Join us for the blood drive on Saturday!"}, {"text": PATIENT}]
    response = client.post("/v1/check", json=posts)
    assert response.status_code == 200
    assert response.json() == [r.model_dump(mode="json") for r in phiguard.check_many(posts)]
    assert [r["verdict"] for r in response.json()][:2] == ["block", "pass"]


def test_redact_returns_the_library_result(client: TestClient) -> None:
    response = client.post("/v1/redact", json={"post": POST, "strategy": "tag"})
    assert response.status_code == 200
    expected = phiguard.redact_with_report(POST, strategy="tag").model_dump(mode="json")
    assert response.json() == expected
    assert_no_phi(response.json()["post"]["text"])


def test_redact_a_batch(client: TestClient) -> None:
    response = client.post("/v1/redact", json={"posts": [POST, POST], "strategy": "mask"})
    assert response.status_code == 200
    assert len(response.json()) == 2
    for result in response.json():
        assert result["strategy"] == "mask"
        assert PATIENT not in result["post"]["text"]


def test_hash_uses_the_servers_key_never_one_from_the_request() -> None:
    with client_for(redact_key="a server key, long and varied: 7f3Q") as client:
        wait_ready(client)
        response = client.post("/v1/redact", json={"post": POST, "strategy": "hash"})
        assert response.status_code == 200
        assert "[NAME:" in response.json()["post"]["text"]
        assert "hash" in client.get("/v1/policy").json()["strategies"]


def test_policy_names_packs_and_versions_but_no_people() -> None:
    policy = Policy(consents=[Consent(name=PATIENT)], allow_staff=["Dr. Okafor"])
    with client_for(policy=policy) as client:
        response = client.get("/v1/policy")
    assert response.status_code == 200
    body = response.json()
    assert tuple(p["pack"] for p in body["packs"]) == policy.all_packs
    assert all(isinstance(p["version"], int) for p in body["packs"])
    assert body["counts"]["consents"] == 1
    assert_no_phi(response.text)


def test_health_ready_page_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    schema = client.get("/openapi.json").json()
    assert {"/v1/check", "/v1/redact", "/v1/policy"} <= set(schema["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in docs.text
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_the_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    for path in ("/", "/page.js", "/page.css", "/docs", "/docs/init.js"):
        text = client.get(path).text
        assert "http://" not in text and "https://" not in text, path
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path


# ---- 503: not ready, and overloaded ----------------------------------------------------------


def test_readyz_is_503_until_the_workers_have_loaded() -> None:
    client = client_for()  # no `with`: the app's start-up (and the workers) never ran
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert client.get("/healthz").status_code == 200


class Gate:
    """A field-level layer that holds every check until released."""

    name = "serve-gate"
    entered = threading.Event()
    release = threading.Event()

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        Gate.entered.set()
        assert Gate.release.wait(60)
        return [[] for _ in fields]


def test_overload_answers_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engine.LAYERS, "serve-gate", lambda policy, pack: Gate())
    policy = Policy(layers=["patterns", "serve-gate"])
    Gate.release.set()  # let the warm-up through
    with client_for(policy=policy, max_queue=1) as client:
        wait_ready(client)
        Gate.release.clear()
        Gate.entered.clear()
        first: dict[str, Any] = {}
        holder = threading.Thread(target=lambda: first.update(
            response=client.post("/v1/check", json=POST)))
        holder.start()
        assert Gate.entered.wait(60)
        busy = client.post("/v1/check", json=POST)
        Gate.release.set()
        holder.join(60)
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert first["response"].status_code == 200
    assert_no_phi(busy.text)


# ---- 401 ---------------------------------------------------------------------------------


def test_token_is_required_on_v1_and_rotates_without_restart(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKEN + "\n", encoding="utf-8")
    with client_for(token_file=tokens) as client:
        wait_ready(client)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = client.post("/v1/check", json=POST, headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/policy").status_code == 401
        assert client.get("/healthz").status_code == 200  # probes need no token
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert client.post("/v1/check", json=POST, headers=good).status_code == 200
        # Rotation: add the new token, move clients over, remove the old one.
        tokens.write_text(f"{TOKEN}\nnew-token-0123456789abcdef\n", encoding="utf-8")
        new = {"Authorization": "Bearer new-token-0123456789abcdef"}
        assert client.get("/v1/policy", headers=new).status_code == 200
        tokens.write_text("new-token-0123456789abcdef\n", encoding="utf-8")
        time.sleep(0.01)
        tokens.touch()
        assert client.get("/v1/policy", headers=good).status_code == 401
        assert client.get("/v1/policy", headers=new).status_code == 200


# ---- 413 ---------------------------------------------------------------------------------


def test_a_body_over_max_body_is_413() -> None:
    with client_for(max_body=200) as client:
        response = client.post("/v1/check", json={"text": PHI_POST * 10})
        assert response.status_code == 413
        assert "--max-body" in response.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"text": "'
            yield PHI_POST.encode() * 10
            yield b'"}'

        assert client.post("/v1/check", content=chunks(),
                           headers={"content-type": "application/json"}).status_code == 413


def test_a_batch_over_max_batch_is_413() -> None:
    with client_for(max_batch=2) as client:
        for path, body in (("/v1/check", [POST] * 3),
                           ("/v1/redact", {"posts": [POST] * 3})):
            response = client.post(path, json=body)
            assert response.status_code == 413
            assert "--max-batch" in response.json()["detail"]


# ---- 422: says what was wrong, never echoes the text -------------------------------------


@pytest.mark.parametrize("body", [
    {"text": PHI_POST, "kind": f"about {PATIENT}"},
    {"text": PHI_POST, "note": PHI_POST},
    {"text": 415_555_2671, "captions": [PHI_POST]},
    [{"text": PHI_POST}, {"captions": {"a": PHI_POST}}],
    PHI_POST,
])
def test_a_bad_post_is_422_without_its_text(client: TestClient, body: Any) -> None:
    response = client.post("/v1/check", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert_no_phi(response.text)


def test_bad_json_is_422_without_its_text(client: TestClient) -> None:
    response = client.post("/v1/check", content=f'{{"text": "{PHI_POST}"'.encode(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert_no_phi(response.text)


@pytest.mark.parametrize("body", [
    {"post": POST, "strategy": PATIENT},
    {"post": POST, "posts": [POST]},
    {"strategy": "tag"},
])
def test_a_bad_redact_request_is_422(client: TestClient, body: Any) -> None:
    response = client.post("/v1/redact", json=body)
    assert response.status_code == 422
    assert_no_phi(response.text)


def test_hash_without_a_server_key_is_422(client: TestClient) -> None:
    response = client.post("/v1/redact", json={"post": POST, "strategy": "hash"})
    assert response.status_code == 422
    assert "hash" in response.json()["detail"]


# ---- 404, 405, 500 -----------------------------------------------------------------------


def test_unknown_paths_are_404_and_logged_without_the_path(
        client: TestClient, logs: pytest.LogCaptureFixture) -> None:
    assert client.get(f"/patients/{PATIENT}").status_code == 404
    assert client.get("/v1/check").status_code == 405
    access = [r.getMessage() for r in logs.records if r.name == "phiguard.serve.access"]
    assert any(line.startswith("GET - 404") for line in access)
    assert any(line.startswith("GET /v1/check 405") for line in access)


def test_an_unexpected_error_is_500_naming_only_its_class(client: TestClient,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          logs: pytest.LogCaptureFixture) -> None:
    async def broken(posts: object, strategy: str) -> None:
        raise ValueError(f"cannot redact {PATIENT}")

    monkeypatch.setattr(client.app.state.pool, "redact", broken)  # type: ignore[attr-defined]
    response = client.post("/v1/redact", json={"post": POST})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error (ValueError)"}
    assert "internal error (ValueError) on POST /v1/redact" in logs.text


# ---- fail closed ---------------------------------------------------------------------------


class Boom:
    # Its own layer name: pipelines are cached by policy, so another test's "boom" must not
    # find this one.
    name = "serve-boom"

    def detect(self, fields: Sequence[FieldText]) -> list[list[Candidate]]:
        if any(PATIENT in f.norm.original for f in fields):
            raise RuntimeError(f"choked on {PATIENT}")
        return [[] for _ in fields]


def test_a_detector_crash_blocks_the_post_and_the_server_keeps_serving(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engine.LAYERS, "serve-boom", lambda policy, pack: Boom())
    with client_for(policy=Policy(layers=["patterns", "serve-boom"])) as client:
        wait_ready(client)
        response = client.post("/v1/check", json=POST)
        assert response.status_code == 200
        report = response.json()
        assert report["verdict"] == "block"
        errors = [f for f in report["findings"] if f["entity"] == "DETECTOR_ERROR"]
        assert errors and "RuntimeError" in errors[0]["explanation"]
        assert_no_phi(response.text.replace(PHI_POST, ""))
        after = client.post("/v1/check", json={"text": "See you at the 5K on Saturday!"})
        assert after.status_code == 200 and after.json()["verdict"] == "pass"


def test_a_dead_worker_process_blocks_its_posts_and_is_replaced() -> None:
    with client_for(workers=1, policy=Policy(layers=["patterns"])) as client:
        wait_ready(client)
        for child in multiprocessing.active_children():
            child.kill()  # what a segfault or the OOM killer does
            child.join()
        response = client.post("/v1/check", json=[POST, {"text": "Blood drive Saturday"}])
        assert response.status_code == 200
        assert [r["verdict"] for r in response.json()] == ["block", "block"]
        assert "BrokenProcessPool" in response.json()[1]["findings"][0]["explanation"]
        wait_ready(client)
        again = client.post("/v1/check", json={"text": "Blood drive Saturday"})
        assert again.status_code == 200 and again.json()["verdict"] == "pass"


# ---- the command line ----------------------------------------------------------------------


def test_serve_with_a_broken_policy_exits_3_before_listening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("packs: [no-such-pack]\n", encoding="utf-8")
    assert main(["serve", "--policy", str(policy), "--port", "0"]) == EXIT_CONFIG
    assert "configuration error" in capsys.readouterr().err
    assert main(["serve", "--workers", "-1"]) == EXIT_CONFIG
    assert main(["serve", "--token-file", str(tmp_path / "missing")]) == EXIT_CONFIG
    (tmp_path / "empty").write_text("# no token yet\n", encoding="utf-8")
    assert main(["serve", "--token-file", str(tmp_path / "empty")]) == EXIT_CONFIG


def test_phi_strings_are_in_the_post() -> None:
    # The log checks above mean something only if the post really carries these strings.
    assert all(secret in PHI_POST for secret in PHI_STRINGS)

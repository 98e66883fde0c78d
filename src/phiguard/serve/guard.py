"""The HTTP edge around the app: body size limit, security headers, the access log, and a last
catch for errors, so that nothing a client sent reaches a log.

The access log carries method, path, status, time and sizes only; a path the app does not serve
is logged as "-", since a client can put anything in a path. An error is logged by its class.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = logging.getLogger("phiguard.serve.access")
ERROR_LOG = logging.getLogger("phiguard.serve")

# The page and the API load nothing from elsewhere and are never framed.
STRICT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
# Swagger UI (/docs) sets styles inline; still nothing from another origin.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    # Responses quote posts: no cache on the way may keep them.
    (b"cache-control", b"no-store"),
]


class BodyTooLarge(Exception):
    """The request body passed --max-body."""


class Guard:
    """Pure ASGI middleware, outermost: it sees every request and every error."""

    def __init__(self, app: ASGIApp, *, max_body: int, known_paths: Iterable[str],
                 known_prefixes: Iterable[str] = ()) -> None:
        self.app, self.max_body = app, max_body
        self.known_paths = frozenset(known_paths)
        self.known_prefixes = tuple(known_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer an over-limit request itself; pass everything else to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        exchange = _Exchange(receive, send, self.max_body, _csp_for(path))
        try:
            if self._declared_length(scope) > self.max_body:
                raise BodyTooLarge
            await self.app(scope, exchange.receive, exchange.send)
        except BodyTooLarge:
            await exchange.answer_too_large()
        except Exception as exc:  # noqa: BLE001 - its message may quote the request: class only
            ERROR_LOG.error("internal error (%s) on %s %s", type(exc).__name__,
                            scope["method"], self._loggable(path))
            await exchange.answer(500, f"internal error ({type(exc).__name__})")
        finally:
            ACCESS_LOG.info("%s %s %s %.1fms in=%d out=%d", scope["method"], self._loggable(path),
                            exchange.status, (time.perf_counter() - started) * 1000,
                            exchange.received, exchange.sent)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    def _loggable(self, path: str) -> str:
        if path in self.known_paths or path.startswith(self.known_prefixes):
            return path
        return "-"


def _csp_for(path: str) -> str:
    return DOCS_CSP if path == "/docs" or path.startswith("/docs/") else STRICT_CSP


class _Exchange:
    """One request on its way through the guard: the bytes counted both ways, the status sent,
    the security headers added to the response, and an answer of the guard's own if needed."""

    def __init__(self, receive: Receive, send: Send, max_body: int, csp: str) -> None:
        self._receive, self._send = receive, send
        self.max_body, self.csp = max_body, csp
        self.status = self.sent = self.received = 0
        self.started = False  # the response has begun: too late for an answer of our own
        self.too_large = False

    async def receive(self) -> Message:
        """The app's receive: counts the body and stops it at the limit."""
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_body:
                self.too_large = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        """The app's send."""
        # A framework that catches BodyTooLarge while reading answers 400: make it 413.
        if self.too_large:
            if message["type"] == "http.response.start":
                await self.answer_too_large()
            return
        await self._send_with_headers(message)

    async def answer_too_large(self) -> None:
        await self.answer(413, f"the request body is larger than --max-body ({self.max_body} "
                               "bytes)")

    async def answer(self, status: int, detail: str) -> None:
        """Answer with a JSON error of the guard's own, unless the app's response has begun."""
        if self.started:
            return  # the response is under way; the client sees it cut short
        body = json.dumps({"detail": detail}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        await self._send_with_headers({"type": "http.response.start", "status": status,
                                       "headers": headers})
        await self._send_with_headers({"type": "http.response.body", "body": body})

    async def _send_with_headers(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.started = message["status"], True
            headers = [h for h in message.get("headers", [])
                       if h[0].lower() != b"content-security-policy"]
            message = {**message, "headers": [
                *headers, (b"content-security-policy", self.csp.encode()), *HEADERS]}
        elif message["type"] == "http.response.body":
            self.sent += len(message.get("body", b""))
        await self._send(message)

"""The FastAPI app: routes, the request models, and how errors become status codes.

    200  reports (a detector that crashed makes its post `block`, naming the error class)
    401  a token file is set and the request has no valid bearer token (/v1 only)
    413  the body is larger than --max-body, or a batch longer than --max-batch
    422  the body is not a post or a list of posts: says where, never echoes the text
    503  every queue slot is taken (Retry-After), or /readyz before the model is loaded
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from fastapi import Body, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.staticfiles import StaticFiles

import phiguard
from phiguard.engine import get_pipeline
from phiguard.models import Post, Report
from phiguard.policy import DEFAULT_POLICY
from phiguard.redact import RedactionResult
from phiguard.rulepacks.loader import resolve_pack_path
from phiguard.serve.auth import TokenFile
from phiguard.serve.guard import Guard
from phiguard.serve.options import ServeOptions
from phiguard.serve.workers import Overloaded, RejectedInput, WorkerPool

RETRY_AFTER = "1"
PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
    "/page.js": ("page.js", "text/javascript; charset=utf-8"),
    "/docs": ("docs.html", "text/html; charset=utf-8"),
    "/docs/init.js": ("docs.js", "text/javascript; charset=utf-8"),
}
# Module level: FastAPI resolves the string annotations of a route in the module's globals.
BEARER = HTTPBearer(auto_error=False, description="A token from the server's --token-file")
Strategy = Literal["tag", "mask", "hash", "surrogate", "safe-harbor"]


class RedactRequest(BaseModel):
    """One post (`post`) or several (`posts`), and how to rewrite their identifiers."""

    model_config = ConfigDict(extra="forbid")

    post: Post | None = None
    posts: list[Post] | None = None
    strategy: Strategy = Field(default="tag", description="tag, mask, hash (needs the server's "
                               "key), surrogate or safe-harbor; see docs/redaction.md")

    @model_validator(mode="after")
    def _one_of(self) -> RedactRequest:
        if (self.post is None) == (self.posts is None):
            raise ValueError("give exactly one of 'post' or 'posts'")
        return self


def _page(name: str) -> bytes:
    return resources.files("phiguard.serve").joinpath("page", name).read_bytes()


def _pack_summary(name: str) -> dict[str, Any]:
    """A pack's name, version and description from its header; the rules stay on the server."""
    path = resolve_pack_path(name)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"pack": raw.get("pack"), "version": raw.get("version", 1),
            "description": raw.get("description", "")}


def policy_summary(options: ServeOptions) -> dict[str, Any]:
    """The active policy without its lists: consents and staff names are people's names."""
    policy = options.policy or DEFAULT_POLICY
    return {
        "phiguard": phiguard.__version__,
        "policy": policy.name,
        "packs": [_pack_summary(p) for p in policy.packs],
        "layers": policy.layers,
        "thresholds": policy.thresholds.model_dump(mode="json"),
        "identifier_thresholds": {k.value: v.model_dump(mode="json")
                                  for k, v in policy.identifier_thresholds.items()},
        "min_score": policy.min_score,
        "dates": policy.dates,
        "clinician_names": policy.clinician_names,
        "model": policy.model,
        "counts": {"allow_terms": len(policy.allow_terms),
                   "allow_domains": len(policy.allow_domains),
                   "allow_staff": len(policy.allow_staff), "consents": len(policy.consents)},
        "strategies": ["tag", "mask", "surrogate", "safe-harbor",
                       *(["hash"] if options.redact_key else [])],
        "max_batch": options.max_batch,
        "max_body": options.max_body,
    }


def create_app(options: ServeOptions | None = None, pool: WorkerPool | None = None) -> FastAPI:
    """The app for these options; the packs are loaded (and any error raised) here, at once.

    `pool`: workers already launched (server.run starts them first, to load in parallel)."""
    options = options or ServeOptions()
    get_pipeline(options.policy)  # a broken policy or pack stops the start, before any request
    tokens = TokenFile(options.token_file) if options.token_file else None
    pool = pool or WorkerPool(options.policy, options.workers, options.queue_limit,
                              options.redact_key)
    policy_info = policy_summary(options)
    app = FastAPI(title="phiguard", version=phiguard.__version__, lifespan=_lifespan(pool),
                  docs_url=None, redoc_url=None,
                  description="Checks hospital social-media posts for HIPAA Safe Harbor "
                              "identifiers. See docs/serve.md.")
    app.state.pool = pool
    _add_api_routes(app, options, pool, _authoriser(tokens), policy_info)
    _add_operation_routes(app, options, pool)
    for route, (name, media_type) in PAGE_FILES.items():
        _add_page_route(app, route, _page(name), media_type)
    app.mount("/docs/static", StaticFiles(directory=_swagger_dir()), name="swagger")
    app.exception_handler(RequestValidationError)(_invalid)
    known = {*PAGE_FILES, "/v1/check", "/v1/redact", "/v1/policy", "/healthz", "/readyz",
             "/openapi.json"}
    app.add_middleware(Guard, max_body=options.max_body, known_paths=known,
                       known_prefixes=("/docs/static/",))
    return app


def _lifespan(pool: WorkerPool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The workers run while the app does."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool.start()
        try:
            yield
        finally:
            pool.close()

    return lifespan


def _authoriser(tokens: TokenFile | None) -> Callable[..., None]:
    """The dependency that refuses a request without a valid bearer token, if tokens are set."""

    def authorised(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        if tokens is None:
            return
        if credentials is None or not tokens.accepts(credentials.credentials):
            raise HTTPException(401, "a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})

    return authorised


def _add_api_routes(app: FastAPI, options: ServeOptions, pool: WorkerPool,
                    authorised: Callable[..., None], policy_info: dict[str, Any]) -> None:
    """/v1/check, /v1/redact and /v1/policy, each behind the bearer token when one is set."""

    def batch(posts: list[Post]) -> list[Post]:
        if len(posts) > options.max_batch:
            raise HTTPException(413, f"a batch of {len(posts)} posts is more than --max-batch "
                                     f"({options.max_batch})")
        return posts

    @app.post("/v1/check", dependencies=[Depends(authorised)], tags=["api"],
              response_model=Report | list[Report])
    async def check(body: Annotated[Post | list[Post], Body()]) -> Response:
        """Check one post, or a list of posts: the report of each, as `phiguard.check` returns."""
        posts = batch(body) if isinstance(body, list) else [body]
        reports = await _admitted(pool.check(posts))
        return JSONResponse(reports if isinstance(body, list) else reports[0])

    @app.post("/v1/redact", dependencies=[Depends(authorised)], tags=["api"],
              response_model=RedactionResult | list[RedactionResult])
    async def redact(body: RedactRequest) -> Response:
        """Redact one post (`post`) or several (`posts`): each redacted post, what was rewritten
        and what still needs a person, as `phiguard.redact_with_report` returns."""
        posts = batch(body.posts) if body.posts is not None else [p for p in [body.post] if p]
        try:
            results = await _admitted(pool.redact(posts, body.strategy))
        except RejectedInput as exc:
            raise HTTPException(422, str(exc)) from None
        return JSONResponse(results if body.posts is not None else results[0])

    @app.get("/v1/policy", dependencies=[Depends(authorised)], tags=["api"])
    async def policy() -> dict[str, Any]:
        """The active policy and rule packs, by name and version; no lists, no secrets."""
        return policy_info


def _add_operation_routes(app: FastAPI, options: ServeOptions, pool: WorkerPool) -> None:
    """/healthz and /readyz, open to all: a load balancer has no token."""

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> Response:
        """The packs are valid and every worker has loaded the model."""
        if pool.ready:
            return JSONResponse({"status": "ready", "workers": options.workers})
        return JSONResponse({"status": "starting"}, 503, headers={"Retry-After": RETRY_AFTER})


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI's default answer echoes the input; this one says where and what, no more."""
    detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
               "type": e.get("type", "")} for e in exc.errors()]
    return JSONResponse({"detail": detail}, 422)


async def _admitted(work: Any) -> Any:
    """Await checks, or answer 503 with Retry-After when the queue is full."""
    try:
        return await work
    except Overloaded:
        raise HTTPException(503, "the server is busy; retry shortly",
                            headers={"Retry-After": RETRY_AFTER}) from None


def _add_page_route(app: FastAPI, route: str, content: bytes, media_type: str) -> None:
    async def page() -> Response:
        return Response(content, media_type=media_type)

    app.add_api_route(route, page, methods=["GET"], include_in_schema=False)


def _swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)

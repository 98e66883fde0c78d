"""`phiguard serve`: the HTTP API (/v1/check, /v1/redact, /v1/policy) and the review page at /.

Needs the `serve` extra (FastAPI, uvicorn). One uvicorn process answers HTTP; checks run in a
pool of worker processes (`workers.py`), each loading the model once, so the event loop never
runs a check. See docs/serve.md.
"""

from phiguard.serve.app import create_app
from phiguard.serve.options import ServeOptions

__all__ = ["ServeOptions", "create_app"]

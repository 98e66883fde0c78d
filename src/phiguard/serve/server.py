"""Run the app on uvicorn with logging that carries no request content.

uvicorn's own access log is off (it would log query strings); ours (guard.py) logs method, path,
status, time and sizes. uvicorn's error log stays for start-up and shutdown lines; the app
catches every error itself, so no traceback with a request's content reaches it.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import uvicorn

from phiguard.serve.app import create_app
from phiguard.serve.options import ServeOptions
from phiguard.serve.workers import WorkerPool

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "phiguard.serve": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def run(options: ServeOptions) -> None:
    """Serve until interrupted; configuration errors are raised before the port is bound."""
    logging.config.dictConfig(LOG_CONFIG)
    # The workers start loading the model first, while this process validates and binds.
    pool = WorkerPool(options.policy, options.workers, options.queue_limit, options.redact_key)
    pool.launch()
    try:
        app = create_app(options, pool)
    except BaseException:
        pool.close()
        raise
    logging.getLogger("phiguard.serve").info(
        "phiguard serve on http://%s:%d with %d workers%s", options.host, options.port,
        options.workers, ", bearer token required on /v1" if options.token_file else "")
    uvicorn.run(app, host=options.host, port=options.port, access_log=False,
                log_config=None, server_header=False, proxy_headers=False)

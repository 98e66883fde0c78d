"""Real tools for the integration tests: a local SparkSession on a Debian JRE. A missing one
skips on a developer's machine and fails in CI (CI=1), where .ci/run installs it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from integration_tools import require


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[2] SparkSession for the whole run: starting the JVM takes seconds."""
    sql = require("pyspark.sql")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CI"):
            pytest.fail("no Java runtime: .ci/run installs default-jre-headless")
        pytest.skip("no Java runtime (apt-get install default-jre-headless)")
    # The executors' Python must be this interpreter, with phiguard and its model installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        sql.SparkSession.builder.master("local[2]").appName("phiguard-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "3")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

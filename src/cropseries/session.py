"""Getting a Spark session outside Databricks: a local Spark Connect server.

On Databricks the notebook's `spark` is passed in and this module is not used. Locally we
start Spark Connect rather than classic Spark so that every run exercises the same API
surface as Databricks serverless (no `sparkContext`, no RDDs, no caching).
"""

from __future__ import annotations

import os
import socket
import sys


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def local_session(cores: str = "*", driver_memory: str = "4g"):
    """A Spark Connect session backed by a local server (started on first use).

    The server listens on a free port rather than Spark's fixed 15002, so several local
    sessions (other projects, parallel test runs) can coexist on one machine.
    """
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    # Python workers (mapInArrow, UDFs) must run this interpreter, which has pyarrow and numpy,
    # and import this copy of the package (a relative PYTHONPATH breaks in the worker's cwd);
    # otherwise Spark starts whatever `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, os.environ.get("PYTHONPATH")) if p
    )
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    port = _free_port()
    options = {
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.memory": driver_memory,
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    # What `builder.remote("local[...]")` does, except that it always connects to 15002.
    # Sessions of the server inherit the options, so the client sets none.
    ConnectSession._start_connect_server(f"local[{cores}]", options)
    session = ConnectSession.builder.remote(f"sc://localhost:{port}").create()
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"  # pyspark.sql.functions build Connect columns
    os.environ["SPARK_LOCAL_REMOTE"] = "1"  # session.stop() then stops the local server too
    return session

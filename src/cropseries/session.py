"""Getting a Spark session outside Databricks: a local Spark Connect server.

On Databricks the notebook's `spark` is passed in and this module is not used. Locally we
start Spark Connect rather than classic Spark so that every run exercises the same API
surface as Databricks serverless (no `sparkContext`, no RDDs, no caching).

Run as a module (`python -m cropseries.session`), it is the local server's Python worker
daemon (`spark.python.daemon.module`): see `serve_python_workers`.
"""

from __future__ import annotations

import os
import socket
import sys

#: The local JVM's garbage collector. Java's default, G1, trades throughput for short pauses,
#: and Parquet's buffers of a few MB are "humongous" objects to it: on two cores its pauses
#: alone took 7 % of 01_split's wall time at 1M pixel-years, and a warm run took 25.7-28.7 s
#: with the parallel collector against 27.4-33.4 s with G1 (docs/performance.md). A batch
#: job has no use for short pauses. Databricks runs its own JVMs; this is local only.
THROUGHPUT_GC = "-XX:+UseParallelGC"


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
        "spark.driver.extraJavaOptions": THROUGHPUT_GC,
        "spark.python.daemon.module": "cropseries.session",
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


def _is_spark_archive(entry: str) -> bool:
    name = os.path.basename(entry)
    return os.path.isfile(entry) and (
        name == "pyspark.zip"
        or name.startswith(("py4j-", "spark-core"))
        and name.endswith((".zip", ".jar"))
    )


def serve_python_workers() -> None:
    """pyspark's worker daemon, with Spark's own archives taken off `sys.path` when the
    installed pyspark and py4j make them redundant.

    Spark puts pyspark.zip, py4j's zip and the spark-core jar on its workers' path, and
    pyspark calls `importlib.invalidate_caches()` before every task, which on Python 3.10
    and 3.11 re-reads each archive's directory (CPython gh-103200, lazy from 3.12): about
    0.2 s of CPU a task here, 1.2 of the 2.1 s a 12-task `mapInArrow` took, whatever its rows.
    """
    import importlib.util

    kept = [entry for entry in sys.path if not _is_spark_archive(entry)]
    dropped = [entry for entry in sys.path if _is_spark_archive(entry)]
    original = sys.path[:]
    sys.path[:] = kept
    for entry in dropped:
        sys.path_importer_cache.pop(entry, None)
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("py4j") is None:
        sys.path[:] = original  # a Spark distribution without pip's copies needs them

    from pyspark.daemon import manager

    manager()


if __name__ == "__main__":
    serve_python_workers()

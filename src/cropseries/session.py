"""Getting a Spark session outside Databricks: a local Spark Connect server.

On Databricks the notebook's `spark` is passed in and this module is not used. Locally we
start Spark Connect rather than classic Spark so that every run exercises the same API
surface as Databricks serverless (no `sparkContext`, no RDDs, no caching).
"""

from __future__ import annotations

import os
import sys


def local_session(cores: str = "*", driver_memory: str = "4g"):
    """A Spark Connect session backed by a local server (started on first use)."""
    from pyspark.sql import SparkSession

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
    return (
        SparkSession.builder.remote(f"local[{cores}]")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )

"""The local Spark session's Python workers: pyspark without Spark's archives on the path."""

import os

import pyarrow as pa

from cropseries.session import _is_spark_archive


def test_workers_import_pyspark_without_its_archives(spark):
    def _worker_path(batches):  # defined here so that it is pickled by value
        import sys

        for _ in batches:
            pass
        yield pa.record_batch([pa.array(["\n".join(sys.path)])], ["path"])

    path = spark.range(0, 1, 1, 1).mapInArrow(_worker_path, "path string").first()["path"]
    entries = path.split("\n")
    assert not [e for e in entries if _is_spark_archive(e)]
    assert not [e for e in entries if os.path.basename(e) == "pyspark.zip"]


def test_only_spark_archives_count(tmp_path):
    for name in ("pyspark.zip", "py4j-0.10.9.9-src.zip", "spark-core_2.13-4.0.1.jar", "other.zip"):
        (tmp_path / name).write_bytes(b"")
    assert _is_spark_archive(str(tmp_path / "pyspark.zip"))
    assert _is_spark_archive(str(tmp_path / "py4j-0.10.9.9-src.zip"))
    assert _is_spark_archive(str(tmp_path / "spark-core_2.13-4.0.1.jar"))
    assert not _is_spark_archive(str(tmp_path / "other.zip"))
    assert not _is_spark_archive(str(tmp_path / "missing" / "pyspark.zip"))

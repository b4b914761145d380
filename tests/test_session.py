"""The local Spark session's Python workers: pyspark without Spark's archives on the path."""

import os

import pyarrow as pa

from cropseries.session import THROUGHPUT_GC, _is_spark_archive


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


def test_the_local_jvm_collects_garbage_for_throughput(spark):
    port = spark.conf.get("spark.connect.grpc.binding.port")
    (server,) = [c for c in _java_command_lines() if f"spark.connect.grpc.binding.port={port}" in c]
    assert THROUGHPUT_GC in server.split()


def _java_command_lines() -> list[str]:
    lines = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().split(b"\0")
        except OSError:
            continue
        if args and os.path.basename(args[0].decode(errors="replace")) == "java":
            lines.append(" ".join(a.decode(errors="replace") for a in args))
    return lines

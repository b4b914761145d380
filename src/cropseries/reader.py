"""Opening course-layout (and split) datasets with pyarrow, wherever they live.

Paths may be local, `/Volumes/<catalog>/<schema>/<volume>/...` (Unity Catalog, a local
path on Databricks), `dbfs:/...` (read through the `/dbfs` mount of classic clusters),
`file:/...` or `s3://...`. This module resolves paths and opens datasets; it does not
decode rows (see `codecs`) or judge them (see `validate`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from cropseries.errors import CropseriesError
from cropseries.layout import PARTITIONING, SCHEMA, equivalent_type


class LayoutError(CropseriesError, ValueError):
    """A dataset does not follow the course layout; the message says where and how to fix it."""


def resolve(path: str) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem and the path within it for any supported path spelling."""
    path = str(path)
    if path.startswith("dbfs:"):
        return pafs.LocalFileSystem(), "/dbfs/" + path[len("dbfs:") :].lstrip("/")
    if path.startswith("file:"):
        return pafs.LocalFileSystem(), "/" + path[len("file:") :].lstrip("/")
    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), path


def local_path(path: str) -> str:
    """The path spelled for the operating system, for writers that take only file names (Keras,
    MLflow's file store): `dbfs:/x` -> `/dbfs/x`, `file:/x` -> `/x`. An object store is an
    error."""
    fs, local = resolve(path)
    if not isinstance(fs, pafs.LocalFileSystem):
        raise CropseriesError(
            f"{path}: give a local, /Volumes or dbfs:/ folder (this writer cannot use an object "
            "store directly)",
            file=str(path),
        )
    return local


def spark_path(path: str) -> str:
    """The same location spelled for Spark (which reads `dbfs:/`, `/Volumes`, `s3://` itself)."""
    path = str(path)
    if "://" in path or path.startswith(("dbfs:", "file:", "/Volumes/", "/dbfs/")):
        return path
    return "file://" + os.path.abspath(path)


def parquet_files(path: str) -> list[str]:
    """Every `*.parquet` file below `path`, sorted, ignoring hidden and `_`-prefixed entries."""
    fs, root = resolve(path)
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise LayoutError(f"{path}: no such file or directory")
    if info.type == pafs.FileType.File:
        return [root]
    selector = pafs.FileSelector(root, recursive=True)
    return sorted(
        f.path
        for f in fs.get_file_info(selector)
        if f.type == pafs.FileType.File
        and f.path.endswith(".parquet")
        and not any(part.startswith((".", "_")) for part in f.path[len(root) :].split("/"))
    )


@dataclass(frozen=True)
class CourseDataset:
    """A course-layout dataset: its files and the pyarrow dataset over them."""

    path: str
    filesystem: pafs.FileSystem
    files: tuple[str, ...]
    dataset: ds.Dataset


def open_course_dataset(path: str, check_schema: bool = True) -> CourseDataset:
    """Open a course-layout dataset (hive `bbox=`/`year=` directories) for streaming.

    With `check_schema`, raises `LayoutError` naming the first file whose columns or types
    differ from `layout.SCHEMA`.
    """
    fs, root = resolve(path)
    files = parquet_files(path)
    if not files:
        raise LayoutError(
            f"{path}: no .parquet files found (expected bbox=.../year=.../part-*.parquet)"
        )
    if check_schema:
        for file in files:
            problems = schema_problems(_footer_schema(fs, file))
            if problems:
                raise LayoutError(f"{file}: {problems[0]}", file=file)
    partitioning = ds.partitioning(PARTITIONING, flavor="hive")
    try:
        dataset = ds.dataset(
            files,
            filesystem=fs,
            format="parquet",
            partitioning=partitioning,
            partition_base_dir=root,
        )
    except (OSError, pa.ArrowException) as err:
        raise LayoutError(f"{path}: not a readable Parquet dataset ({err})") from None
    return CourseDataset(path=path, filesystem=fs, files=tuple(files), dataset=dataset)


def _footer_schema(fs: pafs.FileSystem, file: str) -> pa.Schema:
    """The schema in a Parquet file's footer; `LayoutError` naming the file if unreadable."""
    try:
        with fs.open_input_file(file) as handle:
            return pq.ParquetFile(handle).schema_arrow
    except (OSError, pa.ArrowException) as err:
        detail = " ".join(str(err).split())
        raise LayoutError(
            f"{file}: not a readable Parquet file (truncated or corrupt?): {detail}", file=file
        ) from None


def schema_problems(schema: pa.Schema) -> list[str]:
    """Every way `schema` differs from the course layout, as readable sentences."""
    problems = []
    for expected in SCHEMA:
        if expected.name not in schema.names:
            problems.append(f"column {expected.name!r} is missing (expected {expected.type})")
            continue
        actual = schema.field(expected.name).type
        if not equivalent_type(actual, expected.type):
            problems.append(f"column {expected.name!r} has type {actual}, expected {expected.type}")
    return problems

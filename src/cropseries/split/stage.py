"""01_split as one call: course-layout dataset in, split dataset and report out, atomically.

`run_split` checks the input before any Spark work, counts the rows and looks for bad dates
in one narrow pass (see `checks.scan_dates`), assigns every row (see `assign`), writes all
rows in one pass into a hidden staging directory beside the output, counts the report from
the written files, refuses to finish unless every input row is accounted for, and only then
swaps the staging directory into place. Reading the result is the job of `reader`, 02_stats
and 03_loader.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from cropseries.config import SplitConfig
from cropseries.layout import COLUMNS
from cropseries.legend import dump_legend, load_legend
from cropseries.publish import publish, remove
from cropseries.reader import resolve, spark_path
from cropseries.split.assign import Assigned, assign_rows
from cropseries.split.checks import (
    SplitError,
    SplitFailed,
    check_input,
    check_output,
    scan_dates,
)
from cropseries.split.leakage import pixel_points
from cropseries.split.report import SplitReport, measure
from cropseries.split_dataset import (
    EXCLUDED,
    REPORT_FILE,
    excluded_path,
    legend_path,
    report_path,
    split_path,
)

#: Target Parquet row-group size of the split files, bytes as Parquet buffers them
#: (`parquet.block.size`; Spark cannot set rows per group). About 700-1,400 course rows of
#: 60 images (1.5 MB), like `writer.ROW_GROUP_ROWS` in the package's own files: the loader's
#: unit of sharding and file-level shuffling, so hundreds of them per split shuffle well and
#: each holds only a couple of MB in memory, while still reading sequentially at full speed.
ROW_GROUP_BYTES = 2 * 1024 * 1024
#: Rows per file at most (`maxRecordsPerFile`), so no split file grows past a few hundred MB.
MAX_ROWS_PER_FILE = 250_000


def read_course(spark, path: str):
    """The course layout as a Spark DataFrame: the raw columns, bbox (string), year (int)."""
    from pyspark.sql import functions as F

    rows = spark.read.parquet(spark_path(path))
    return rows.select(*COLUMNS, F.col("bbox").cast("string"), F.col("year").cast("int"))


def _join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


def _write(rows, staging: str) -> None:
    (
        rows.write.mode("error")
        .partitionBy("split")
        .option("compression", "zstd")
        .option("parquet.block.size", ROW_GROUP_BYTES)
        .option("maxRecordsPerFile", MAX_ROWS_PER_FILE)
        # Parquet tries a dictionary on each row group's first page of every column and falls
        # back to plain where it does not pay. The bands (unique to each row, most of the
        # bytes) always fall back: skipping the trial writes the same bytes ~15% faster.
        .option("parquet.enable.dictionary#bands", "false")
        .parquet(spark_path(staging))
    )


#: A Spark part file's name: `part-00003-<job uuid>.c000.zstd.parquet`.
_SPARK_PART = re.compile(r"^(part-\d+)-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}(.*)$")


def tidy_spark_files(root: str) -> list[str]:
    """Drop Spark's checksum files and the job id from part-file names, below `root`.

    `part-00003-<job uuid>.c000.zstd.parquet` becomes `part-00003.c000.zstd.parquet`, so a
    rerun writes the same names (and, with the same input, the same rows and data pages;
    docs/stages/split.md says what of the footer can differ). Returns the data files' new
    paths, sorted.
    """
    fs, local = resolve(root)
    files = []
    for info in fs.get_file_info(pafs.FileSelector(local, recursive=True)):
        if info.type != pafs.FileType.File:
            continue
        if info.base_name.endswith(".crc"):
            fs.delete_file(info.path)
            continue
        match = _SPARK_PART.match(info.base_name)
        if match:
            renamed = info.path[: -len(info.base_name)] + match.group(1) + match.group(2)
            fs.move(info.path, renamed)
            files.append(renamed)
    return sorted(files)


def _lay_out(staging: str, splits: tuple[str, ...]) -> None:
    """Give Spark's output the contract's shape: tidy part names, `split=excluded` ->
    `excluded/`, no `_SUCCESS`, and one (possibly empty) file in every folder, so each split
    can be read even when it holds no rows."""
    files = tidy_spark_files(staging)
    fs, root = resolve(staging)
    if not files:
        raise SplitFailed(f"01_split wrote no files into {staging}")
    schema = pq.read_schema(files[0], filesystem=fs)
    success = _join(root, "_SUCCESS")  # Spark's marker; split_report.json is ours
    if fs.get_file_info(success).type == pafs.FileType.File:
        fs.delete_file(success)
    if fs.get_file_info(split_path(root, EXCLUDED)).type == pafs.FileType.Directory:
        fs.move(split_path(root, EXCLUDED), excluded_path(root))
    for path in [*(split_path(root, s) for s in splits), excluded_path(root)]:
        if fs.get_file_info(path).type == pafs.FileType.NotFound:
            fs.create_dir(path)
            with fs.open_output_stream(_join(path, "part-00000.zstd.parquet")) as out:
                pq.write_table(schema.empty_table(), out, compression="zstd")


def run_split(spark, input_path: str, output_path: str, config: SplitConfig) -> SplitReport:
    """Split the course-layout dataset at `input_path` into `output_path` (docs/stages/split.md).

    Raises `SplitError` (before any Spark work) when the input cannot be split, and when
    the written rows do not add up to the input rows; then `output_path` is left as it was.
    """
    started = time.perf_counter()
    check_input(input_path)
    check_output(input_path, output_path)
    with publish(output_path, folder=True) as staging:
        rows = read_course(spark, input_path)
        scan = scan_dates(rows, config.codec)
        if scan.rows == 0:
            raise SplitError(f"{input_path}: the dataset has no rows")
        assigned = assign_rows(rows, config, check_dates=scan.bad_dates > 0)
        _write(assigned.rows, staging)
        _lay_out(staging, assigned.splits)
        report = _measure(spark, staging, input_path, output_path, config, scan.rows, assigned)
        if not report.accounted:
            raise SplitFailed(
                f"rows do not add up: input {report.input_rows:,} != split {report.split_rows:,}"
                f" + excluded {report.excluded_rows:,} (output left unchanged)"
            )
        report.seconds = time.perf_counter() - started
        fs, root = resolve(staging)
        with fs.open_output_stream(report_path(root)) as out:
            out.write(report.to_json().encode())
        with fs.open_output_stream(legend_path(root)) as out:
            applied = replace(
                load_legend(config.legend), keep_double_crops_in=config.kept_double_crops
            )
            out.write(dump_legend(applied).encode())
    return report


def _measure(
    spark, staging, input_path, output_path, config, input_rows, assigned: Assigned
) -> SplitReport:
    """Count the report from the staged files; pixel locations go through a scratch folder."""
    splits = [spark_path(split_path(staging, s)) for s in assigned.splits]
    split_rows = spark.read.option("basePath", spark_path(staging)).parquet(*splits)
    excluded = spark.read.parquet(spark_path(excluded_path(staging)))
    scratch = _join(staging, "scratch-points")  # no "_": Spark skips such paths
    pixel_points(split_rows).write.parquet(spark_path(scratch))
    try:
        return measure(
            spark,
            split_rows,
            excluded,
            spark.read.parquet(spark_path(scratch)),
            input_path=input_path,
            output_path=output_path,
            config=config,
            input_rows=input_rows,
            splits=assigned.splits,
            held_out=assigned.held_out,
        )
    finally:
        remove(scratch)


def read_report(output_path: str) -> SplitReport:
    """The report of a finished split dataset; `SplitError` if there is none (not finished)."""
    fs, root = resolve(output_path)
    try:
        with fs.open_input_stream(report_path(root)) as handle:
            return SplitReport.from_json(handle.read().decode())
    except FileNotFoundError as err:
        raise SplitError(f"{output_path}: no {REPORT_FILE}; not a finished split dataset") from err

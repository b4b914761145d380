"""Small split datasets built by hand for the loader's tests (no Spark, no generator).

`write_split_dataset` writes `root/split=<name>/part-*.parquet` with the columns of the
brief's split contract, from `course_data.course_rows`: labels from the course legend,
double crops flagged by code, pixel ids from the location.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from course_data import BBOXES, course_rows

from cropseries.layout import BANDS
from cropseries.legend import cdl_codes, course_legend, double_crop_codes
from cropseries.stats import file as stats_file
from cropseries.stats.file import Stats


def split_table(table: pa.Table, year: int, bbox: str, first_id: int = 0) -> pa.Table:
    """Course-layout rows plus the derived columns of a split dataset; pixel ids count up."""
    codes = cdl_codes(table.column("CDL").combine_chunks()).astype(np.int32)
    labels = course_legend().code_to_label()[codes].astype(np.int32)
    double = np.isin(codes, list(double_crop_codes()))
    n = table.num_rows
    return (
        table.append_column("bbox", pa.array([bbox] * n, pa.string()))
        .append_column("year", pa.array(np.full(n, year, np.int32)))
        .append_column("cdl_code", pa.array(codes))
        .append_column("label", pa.array(labels))
        .append_column("is_double_crop", pa.array(double))
        .append_column("pixel_id", pa.array(first_id + np.arange(n, dtype=np.int64)))
        .append_column("block_id", pa.array(np.zeros(n, np.int64)))
    )


def write_split_dataset(
    root,
    splits=(("train", 2021), ("val", 2020), ("test", 2019)),
    rows: int = 200,
    files: int = 2,
    row_group_rows: int = 64,
    seed: int = 0,
    images=(0, 80),
) -> str:
    """A split dataset of `files` files x `rows` rows per split; returns its root."""
    for s, (split, year) in enumerate(splits):
        folder = os.path.join(str(root), f"split={split}")
        os.makedirs(folder, exist_ok=True)
        for f in range(files):
            table = course_rows(rows, year, seed=seed + 10 * s + f, images=images)
            table = split_table(table, year, BBOXES[f % len(BBOXES)], (10 * s + f) * 10**6)
            pq.write_table(
                table, os.path.join(folder, f"part-{f:05d}.parquet"), row_group_size=row_group_rows
            )
    return str(root)


def write_stats(path, mean=None, std=None) -> str:
    """A stats.json as 02_stats writes it (`stats.file`), with made-up numbers."""
    legend = course_legend()
    mean = [1000.0 + 100 * i for i in range(len(BANDS))] if mean is None else mean
    std = [500.0 + 10 * i for i in range(len(BANDS))] if std is None else std
    stats = Stats(
        bands=BANDS,
        mean=np.asarray(mean, np.float64),
        std=np.asarray(std, np.float64),
        count=np.full(len(BANDS), 1000, np.int64),
        classes=legend.classes,
        legend=legend.name,
        class_counts={"train": np.ones(legend.num_classes, np.int64)},
        class_weights=np.ones(legend.num_classes),
    )
    return stats_file.write_stats(stats, str(path))

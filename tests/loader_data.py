"""Split datasets and statistics files for the loader's tests (no Spark, no generator).

Rows come from `handmade_splits` (the split layout 01_split writes); statistics are written by
02_stats' own `stats.file.write_stats`, with made-up numbers.
"""

from __future__ import annotations

import numpy as np
from handmade_splits import split_table, write_splits

from cropseries.layout import BANDS
from cropseries.legend import course_legend
from cropseries.stats import file as stats_file
from cropseries.stats.file import Stats

SPLITS = (("train", 2021), ("val", 2020), ("test", 2019))


def write_split_dataset(
    root, splits=SPLITS, rows: int = 200, files: int = 2, row_group_rows: int = 64, seed: int = 0
) -> str:
    """`files` files of `rows` rows per split, small row groups; pixel ids unique; root."""
    rng = np.random.default_rng(seed)
    tables = {
        name: [
            split_table(rng, rows, year=year, first_pixel=(10 * s + f) * 10**6)
            for f in range(files)
        ]
        for s, (name, year) in enumerate(splits)
    }
    return write_splits(str(root), tables, row_group_size=row_group_rows)


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

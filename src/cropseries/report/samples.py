"""Bounded, seeded samples of a split dataset read with pyarrow, for the report's figures.

The notebooks sample with Spark (`figures.split.map_sample`, `figures.stats.sample_band_values`);
the report runs wherever the files can be read as files (a laptop, a Databricks driver's
`/Volumes/...`), so it samples row groups with pyarrow instead and never holds more than the
sample and one row group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cropseries.config import StatsConfig
from cropseries.figures.stats import BandSample
from cropseries.reader import local_path
from cropseries.split_dataset import split_files, split_names


def _row_groups(root: str, split: str) -> list[tuple[pq.ParquetFile, int]]:
    files = [pq.ParquetFile(f) for f in split_files(local_path(root), split)]
    return [(f, g) for f in files for g in range(f.num_row_groups)]


def location_sample(root: str, per_split: int = 3000, seed: int = 0) -> pd.DataFrame:
    """At most `per_split` pixel locations of each split, drawn uniformly: a frame of split,
    lon, lat, block_id. A reservoir over the row groups (the rows with the smallest random
    keys), so memory holds the sample and one row group of those three columns."""
    rng = np.random.default_rng(seed)
    parts = []
    for split in split_names(local_path(root)):
        kept, keys = None, np.zeros(0)
        for file, group in _row_groups(root, split):
            table = file.read_row_group(group, columns=["lon", "lat", "block_id"])
            table = table if kept is None else pa.concat_tables([kept, table])
            keys = np.concatenate([keys, rng.random(table.num_rows - len(keys))])
            if table.num_rows > per_split:
                smallest = np.sort(np.argpartition(keys, per_split)[:per_split])
                table, keys = table.take(smallest), keys[smallest]
            kept = table
        if kept is None:
            continue
        part = kept.to_pandas()
        part.insert(0, "split", split)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["split", "lon", "lat", "block_id"])
    return pd.concat(parts, ignore_index=True)


def band_sample(
    root: str, config: StatsConfig | None = None, max_rows: int = 1000, seed: int = 0
) -> BandSample:
    """The valid raw DN of about `max_rows` train rows: whole row groups in a seeded random
    order until `max_rows` rows are read (then cut to `max_rows`)."""
    config = config or StatsConfig()
    groups = _row_groups(root, "train")
    order = np.random.default_rng(seed).permutation(len(groups))
    columns = ["num_images", "bands", "img_dates", "scl_vals"]
    tables, rows = [], 0
    for i in order:
        if rows >= max_rows:
            break
        file, group = groups[i]
        tables.append(file.read_row_group(group, columns=columns))
        rows += tables[-1].num_rows
    table = pa.concat_tables(tables).slice(0, max_rows) if tables else None
    if table is None or not table.num_rows:
        empty = np.zeros((0, 12), np.int32)
        return BandSample(values=empty, valid=empty.astype(bool), rows=0)
    return BandSample.of(table, config)

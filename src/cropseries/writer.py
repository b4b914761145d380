"""Writing course-layout partitions: `<root>/bbox=<bbox>/year=<year>/part-<n>.parquet`.

Used by the generator and by tests that build small datasets by hand. Each file is
published whole (`publish`), so a crash leaves no half-file that a reader could mistake for
data.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from cropseries.publish import publish

#: Rows per Parquet row group in files this package writes; small enough to stream and
#: shuffle by row group, large enough (about 1.5 MB of bands) for fast sequential reads.
ROW_GROUP_ROWS = 1024


def partition_dir(root: str, bbox: str, year: int) -> str:
    """The hive directory of one box and year."""
    return os.path.join(root, f"bbox={bbox}", f"year={int(year)}")


def write_partition(root: str, bbox: str, year: int, table: pa.Table, part: int = 0) -> str:
    """Write one Parquet file of course-layout rows into its partition; returns its path."""
    path = os.path.join(partition_dir(root, bbox, year), f"part-{part:05d}.parquet")
    with publish(path) as staging:
        pq.write_table(table, staging, row_group_size=ROW_GROUP_ROWS, compression="zstd")
    return path

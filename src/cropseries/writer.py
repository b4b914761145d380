"""Writing course-layout partitions: `<root>/bbox=<bbox>/year=<year>/part-<n>.parquet`.

Used by the generator and by tests that build small datasets by hand. Writes go to a
temporary name first and are renamed into place, so a crash leaves no half-file that a
reader could mistake for data.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

#: Rows per Parquet row group in files this package writes; small enough to stream and
#: shuffle by row group, large enough (about 1.5 MB of bands) for fast sequential reads.
ROW_GROUP_ROWS = 1024


def partition_dir(root: str, bbox: str, year: int) -> str:
    """The hive directory of one box and year."""
    return os.path.join(root, f"bbox={bbox}", f"year={int(year)}")


def write_partition(root: str, bbox: str, year: int, table: pa.Table, part: int = 0) -> str:
    """Write one Parquet file of course-layout rows into its partition; returns its path."""
    directory = partition_dir(root, bbox, year)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"part-{part:05d}.parquet")
    tmp = os.path.join(directory, f".part-{part:05d}.parquet.tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd")
    os.replace(tmp, path)
    return path

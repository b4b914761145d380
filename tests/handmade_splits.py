"""Small split datasets for tests, built by hand in the layout 01_split writes.

Course-layout rows from `codecs.encode_table` plus the derived columns (`cdl_code`, `label`,
`is_double_crop`, `pixel_id`, `block_id`, `bbox`, `year`), written with pyarrow to
`<root>/split=<name>/part-<n>.parquet`.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cropseries.codecs import PixelSeries, decode_series, encode_table
from cropseries.legend import cdl_codes, course_legend, double_crop_codes
from cropseries.moments import valid_observations

NAMES = (
    "Corn",
    "Soybeans",
    "Rice",
    "Cotton",
    "Fallow/Idle Cropland",
    "Woody Wetlands",
    "Peanuts",
    "Dbl Crop WinWht/Soybeans",
)


def random_series(
    rng: np.random.Generator, counts, *, low=1, high=12000, zero_share=0.03
) -> PixelSeries:
    """Rows of `counts[i]` images each: DN uniform in [low, high), a share of zeros (no data)."""
    counts = np.asarray(counts, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(offsets[-1])
    bands = rng.integers(low, high, size=(total, 12))
    bands[rng.random((total, 12)) < zero_share] = 0
    days = (
        np.concatenate([np.sort(rng.choice(365, size=c, replace=False)) for c in counts])
        if total
        else np.zeros(0)
    )
    return PixelSeries(
        bands=bands.astype(np.int32),
        dates=(18628 + days).astype(np.int32),
        scl=rng.choice([2, 3, 4, 5, 6, 10], size=total).astype(np.uint8),
        offsets=offsets,
    )


def split_table(
    rng: np.random.Generator,
    rows: int,
    *,
    year: int = 2021,
    first_pixel: int = 0,
    series: PixelSeries | None = None,
    names=NAMES,
    codec: str = "uint16be",
    legend=None,
) -> pa.Table:
    """`rows` split-dataset rows (without the `split` directory column)."""
    legend = legend or course_legend()
    series = series or random_series(rng, rng.integers(0, 80, size=rows))
    cdl = rng.choice(names, size=rows)
    table = encode_table(
        lon=rng.uniform(-91, -90, rows),
        lat=rng.uniform(33, 34, rows),
        cdl=cdl,
        series=series,
        tiles=["15SXR_0"] * rows,
        codec=codec,
    )
    codes = cdl_codes(table.column("CDL").combine_chunks()).astype(np.int32)
    extra = {
        "bbox": pa.array(["0.0, 0.0, 3000.0, 3000.0"] * rows),
        "year": pa.array(np.full(rows, year, np.int32)),
        "cdl_code": pa.array(codes),
        "label": pa.array(legend.code_to_label()[codes].astype(np.int32)),
        "is_double_crop": pa.array(np.isin(codes, list(double_crop_codes()))),
        "pixel_id": pa.array(np.arange(first_pixel, first_pixel + rows, dtype=np.int64)),
        "block_id": pa.array(np.zeros(rows, np.int64)),
    }
    for name, column in extra.items():
        table = table.append_column(name, column)
    return table


def write_splits(
    root, tables: dict[str, list[pa.Table] | pa.Table], row_group_size: int = 256
) -> str:
    """Write `<root>/split=<name>/part-<n>.parquet`, one file per table; returns `root`."""
    for name, parts in tables.items():
        directory = os.path.join(root, f"split={name}")
        os.makedirs(directory, exist_ok=True)
        for n, table in enumerate(parts if isinstance(parts, list) else [parts]):
            pq.write_table(
                table,
                os.path.join(directory, f"part-{n:05d}.parquet"),
                row_group_size=row_group_size,
            )
    return str(root)


def numpy_band_stats(tables, codec: str = "uint16be", exclude_scl=()):
    """Reference: mean, population std and count per band over all valid observations."""
    series = [decode_series(t, codec) for t in tables]
    values = np.concatenate([s.bands for s in series]).astype(np.float64)
    valid = np.concatenate([valid_observations(s, exclude_scl) for s in series])
    columns = [values[valid[:, b], b] for b in range(values.shape[1])]
    return (
        np.array([c.mean() for c in columns]),
        np.array([c.std() for c in columns]),
        valid.sum(axis=0),
    )

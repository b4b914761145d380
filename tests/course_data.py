"""Small, valid course-layout datasets built by hand for tests (no generator needed).

`course_rows` makes a table of random but valid rows; `write_course_dataset` writes one
partition per (bbox, year). Tests corrupt the result on purpose where they need bad input.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cropseries.codecs import PixelSeries, encode_table
from cropseries.layout import bbox_string
from cropseries.writer import write_partition

BBOXES = (
    bbox_string(400000, 1140000, 415000, 1155000),
    bbox_string(430000, 1170000, 445000, 1185000),
)
NAMES = ("Corn", "Soybeans", "Rice", "Cotton", "Fallow/Idle Cropland", "Dbl Crop WinWht/Soybeans")


def year_start(year: int) -> int:
    """Days since 1970-01-01 of January 1st."""
    return int(np.datetime64(f"{year}-01-01", "D").astype(np.int64))


def course_rows(
    n: int,
    year: int,
    seed: int = 0,
    images: tuple[int, int] = (0, 80),
    names=NAMES,
    codec: str = "uint16be",
) -> pa.Table:
    """`n` valid rows of `year`: sorted dates inside the year, stored SCL values, known names."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(images[0], images[1] + 1, size=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(offsets[-1])
    days = rng.integers(0, 365, size=total)
    row = np.repeat(np.arange(n), counts)
    order = np.lexsort((days, row))
    series = PixelSeries(
        bands=rng.integers(1, 6000, size=(total, 12)).astype(np.int32),
        dates=(year_start(year) + days[order]).astype(np.int32),
        scl=rng.choice([2, 3, 4, 5, 6, 10], size=total).astype(np.uint8),
        offsets=offsets,
    )
    return encode_table(
        lon=-91.0 + rng.random(n) * 0.1,
        lat=33.0 + rng.random(n) * 0.1,
        cdl=rng.choice(names, size=n),
        series=series,
        tiles=[",".join(["15SXR_0"] * int(c)) for c in counts],
        codec=codec,
    )


def write_course_dataset(
    root,
    years=(2019, 2020, 2021),
    rows_per_partition: int = 50,
    seed: int = 0,
    codec: str = "uint16be",
) -> str:
    """A dataset of two boxes x `years`, `rows_per_partition` rows each; returns its root."""
    for b, bbox in enumerate(BBOXES):
        for year in years:
            table = course_rows(rows_per_partition, year, seed=seed + 100 * b + year, codec=codec)
            write_partition(str(root), bbox, year, table)
    return str(root)

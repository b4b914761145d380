"""Every dataset the tests build, in one place: course-layout rows, split datasets, stats.

- Course layout: `course_rows` makes a table of random but valid rows, `write_course_dataset`
  one partition per (bbox, year), `generated` a realistic dataset with the project's
  generator. Tests corrupt the result on purpose where they need bad input.
- Split datasets, as 01_split writes them, without Spark: `random_series`, `split_table` (raw
  columns plus the derived ones) and `write_splits`; `write_split_dataset` for the loader.
- `write_stats`: a `stats.json` as 02_stats writes it, with made-up numbers.
- Reading outputs back: `read_split`, `file_bytes`; and `numpy_band_stats`, the reference
  statistics of 02_stats.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from cropseries.cdl import cdl_codes, double_crop_codes
from cropseries.codecs import PixelSeries, decode_series, encode_table
from cropseries.indices import INDICES
from cropseries.layout import BANDS, bbox_string
from cropseries.legend import course_legend
from cropseries.moments import valid_observations
from cropseries.split_dataset import split_path
from cropseries.stats import file as stats_file
from cropseries.stats.file import Stats
from cropseries.synth import SynthConfig, generate
from cropseries.writer import write_partition

# -- course layout ---------------------------------------------------------------------------

BBOXES = (
    bbox_string(400000, 1140000, 415000, 1155000),
    bbox_string(430000, 1170000, 445000, 1185000),
)
#: CDL names of course-layout rows.
COURSE_NAMES = (
    "Corn",
    "Soybeans",
    "Rice",
    "Cotton",
    "Fallow/Idle Cropland",
    "Dbl Crop WinWht/Soybeans",
)


def year_start(year: int) -> int:
    """Days since 1970-01-01 of January 1st."""
    return int(np.datetime64(f"{year}-01-01", "D").astype(np.int64))


def course_rows(
    n: int,
    year: int,
    seed: int = 0,
    images: tuple[int, int] = (0, 80),
    names=COURSE_NAMES,
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
    names=COURSE_NAMES,
) -> str:
    """A dataset of two boxes x `years`, `rows_per_partition` rows each, label names drawn
    from `names` (CDL names by default); returns its root."""
    for b, bbox in enumerate(BBOXES):
        for year in years:
            seeded = seed + 100 * b + year
            table = course_rows(rows_per_partition, year, seed=seeded, codec=codec, names=names)
            write_partition(str(root), bbox, year, table)
    return str(root)


def generated(root, pixels: int, boxes: int = 2, seed: int = 2, years=(2019, 2020, 2021)) -> str:
    """A generated course-layout dataset of `pixels` locations x `years` at `root`."""
    config = SynthConfig(pixels=pixels, years=tuple(years), seed=seed, boxes=boxes)
    generate(str(root), config, progress=False)
    return str(root)


# -- split datasets --------------------------------------------------------------------------

#: CDL names of split-dataset rows: crops, the legend's other classes and a double crop.
SPLIT_NAMES = (
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
    names=SPLIT_NAMES,
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
        directory = split_path(root, name)
        os.makedirs(directory, exist_ok=True)
        for n, table in enumerate(parts if isinstance(parts, list) else [parts]):
            pq.write_table(
                table,
                os.path.join(directory, f"part-{n:05d}.parquet"),
                row_group_size=row_group_size,
            )
    return str(root)


#: The loader tests' splits and the year of each.
SPLIT_YEARS = (("train", 2021), ("val", 2020), ("test", 2019))


def write_split_dataset(
    root,
    splits=SPLIT_YEARS,
    rows: int = 200,
    files: int = 2,
    row_group_rows: int = 64,
    seed: int = 0,
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


def write_stats(path, mean=None, std=None, median=None, indices=False) -> str:
    """A stats.json as 02_stats writes it (`stats.file`), with made-up numbers (no median and
    no index statistics unless asked for, as files written before 02_stats computed them)."""
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
        median=None if median is None else np.asarray(median, np.float64),
        index_stats=stats_file.IndexStats(
            names=tuple(INDICES),
            mean=np.linspace(0.1, 0.6, len(INDICES)),
            std=np.linspace(0.2, 0.7, len(INDICES)),
            count=np.full(len(INDICES), 1000, np.int64),
        )
        if indices
        else None,
    )
    return stats_file.write_stats(stats, str(path))


# -- reading outputs back --------------------------------------------------------------------


def read_split(output: str, folder: str) -> pa.Table:
    """All rows of one folder of a split dataset ("split=train", "excluded", ...)."""
    return ds.dataset(os.path.join(output, folder), format="parquet").to_table()


def file_bytes(output: str) -> dict[str, bytes]:
    """Every file below `output` by relative path, with its bytes."""
    found = {}
    for folder, _, files in os.walk(output):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, output)] = handle.read()
    return found


def numpy_index_stats(tables, exclude_scl=()):
    """Reference: mean and population std of each index over the images where all its
    bands are valid, one numpy call per index."""
    from cropseries.indices import values

    series = [decode_series(t) for t in tables]
    bands = np.concatenate([s.bands for s in series]).astype(np.int64)
    valid = np.concatenate([valid_observations(s, exclude_scl) for s in series])
    got = values(bands, tuple(INDICES))
    means, stds = [], []
    for j, name in enumerate(INDICES):
        needed = [BANDS.index(b) for b in INDICES[name].bands]
        column = got[valid[:, needed].all(axis=1), j]
        means.append(column.mean())
        stds.append(column.std())
    return np.array(means), np.array(stds)


def numpy_band_medians(tables, exclude_scl=()):
    """Reference: numpy's median per band over all valid observations."""
    series = [decode_series(t) for t in tables]
    values = np.concatenate([s.bands for s in series]).astype(np.int64)
    valid = np.concatenate([valid_observations(s, exclude_scl) for s in series])
    return np.array([np.median(values[valid[:, b], b]) for b in range(values.shape[1])])


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

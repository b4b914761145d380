"""The 02_stats Spark stage: band moments of the train split and class counts of every split.

Spark reads the split dataset; `mapInArrow` decodes each Arrow batch with numpy and reduces
a whole partition to one partial `Moments` row per group, so the driver collects only a few
rows (partitions x groups) and merges them exactly. Classes are counted with a group-by.
Runs on Spark Connect. The arithmetic is `moments`', the file format `file`'s.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from cropseries.codecs import decode_series
from cropseries.config import StatsConfig
from cropseries.histogram import NUM_BINS, add, band_histograms, medians, sparse
from cropseries.indices import INDICES, validity
from cropseries.indices import values as index_values
from cropseries.layout import BANDS, NUM_BANDS, PARTITIONING
from cropseries.moments import Moments, batch_moments, valid_observations
from cropseries.reader import LayoutError, resolve, schema_problems, spark_path
from cropseries.split_dataset import (
    DERIVED_SCHEMA,
    SPLITS,
    dataset_legend,
    part_folders,
    split_files,
    split_names,
    split_path,
    stats_path,
)
from cropseries.stats.classes import WEIGHT_FORMULA, class_counts, class_weights
from cropseries.stats.errors import StatsError
from cropseries.stats.file import IndexStats, Stats, write_stats

#: Columns of a split dataset beyond the course layout's that this stage reads, with their
#: types: three 01_split derives, and the year it keeps from the course layout's folders.
DERIVED_COLUMNS = {
    name: DERIVED_SCHEMA.field(name).type for name in ("cdl_code", "label", "pixel_id")
} | {"year": PARTITIONING.field("year").type}
#: Rows decoded at once inside a Spark task; bounds worker memory (about 40 MB at 60 images).
SLICE_ROWS = 2048
#: One row per partition and group, emitted by `partition_moments`; group 0's row also holds
#: the partition's histogram of every band (its non-zero bins), the other rows empty lists.
PARTIAL_SCHEMA = (
    "group int, rows long, images long, count array<long>, mean array<double>, m2 array<double>,"
    " hist_values array<array<int>>, hist_counts array<array<long>>"
)


@dataclass(frozen=True)
class SplitFiles:
    """A split: its `split=<name>` folders (one, or a fold selection's several), their
    directories, Parquet files and row count (from footers)."""

    name: str
    folders: tuple[str, ...]
    directories: tuple[str, ...]
    files: tuple[str, ...]
    rows: int

    @property
    def directory(self) -> str:
        """The directories, for messages."""
        return ", ".join(self.directories)

    @staticmethod
    def combined(name: str, parts: list[SplitFiles]) -> SplitFiles:
        """The folders `parts` read as one split called `name`."""
        return SplitFiles(
            name=name,
            folders=tuple(f for p in parts for f in p.folders),
            directories=tuple(d for p in parts for d in p.directories),
            files=tuple(f for p in parts for f in p.files),
            rows=sum(p.rows for p in parts),
        )


def compute_stats(
    spark,
    splits: str,
    config: StatsConfig | None = None,
    out: str | None = None,
    fold: int | None = None,
) -> Stats:
    """Compute the statistics of a split dataset and write them to `out` (default
    `<splits>/stats.json`, or `<splits>/stats-fold<f>.json` for `fold`); returns them.

    With `fold` (a dataset split into folds), the splits are those of fold `fold`'s
    selection (`split_dataset.fold_parts`): the moments are of its training folds only.

    Band mean and population std (DN, float64 [12]) over the valid observations of the
    train split (DN != 0, SCL not in `config.exclude_scl`); rows per label for every split;
    class weights for train. Raises `StatsError` naming the file, split or band for a
    missing or empty train split, an unreadable file, labels that do not follow
    `config.legend`, or a band without valid observations; nothing is written then.
    """
    config = config or StatsConfig()
    legend = dataset_legend(splits, config.legend)
    inventory = split_inventory(splits, fold)
    train = inventory["train"]
    counts = class_counts(_label_rows(spark, splits, inventory), legend, splits)
    counts = {name: counts.get(name, np.zeros(legend.num_classes, np.int64)) for name in inventory}
    num_groups = legend.num_classes if config.per_label else 1
    moments, histograms, rows, images, partitions = _train_moments(spark, train, config, num_groups)
    total = moments.total()
    bands, indices = slice(0, NUM_BANDS), slice(NUM_BANDS, None)  # moments: bands, then indices
    if rows != train.rows or rows != counts["train"].sum():
        raise StatsError(
            f"{train.directory}: {rows} rows read, but the file footers say "
            f"{train.rows} and the label count {counts['train'].sum()}; did the "
            f"split change while 02_stats ran?"
        )
    empty = np.flatnonzero(total.count[0, bands] == 0)
    if empty.size:
        raise StatsError(
            f"{train.directory}: band {BANDS[empty[0]]} has no valid observation "
            f"in {rows} rows ({_valid_definition(config)}); nothing written"
        )
    per_label = moments if config.per_label else None
    stats = Stats(
        bands=BANDS,
        mean=total.mean[0, bands],
        std=total.std()[0, bands],
        count=total.count[0, bands],
        median=medians(histograms) if config.medians else None,
        index_stats=IndexStats(
            names=tuple(INDICES),
            mean=total.mean[0, indices],
            std=total.std()[0, indices],
            count=total.count[0, indices],
        )
        if config.indices
        else None,
        classes=legend.classes,
        legend=legend.name,
        class_counts=counts,
        class_weights=class_weights(counts["train"], legend.no_crop_index),
        label_count=None if per_label is None else per_label.count[:, bands],
        label_mean=None
        if per_label is None
        else np.where(per_label.count > 0, per_label.mean, np.nan)[:, bands],
        label_std=None if per_label is None else per_label.std()[:, bands],
        definitions=_definitions(config),
        metadata={
            "input": str(splits),
            "train": train.directory,
            "fold": fold,
            "rows": rows,
            "images": images,
            "files": len(train.files),
            "partitions": partitions,
            "config": dataclasses.asdict(config),
            "spark_version": spark.version,
            "cropseries_version": _package_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    write_stats(stats, out or stats_path(splits, fold))
    return stats


def split_inventory(splits: str, fold: int | None = None) -> dict[str, SplitFiles]:
    """Every `split=<name>` directory under `splits`, train first, checked from file footers;
    with `fold`, the train, val and test splits of that fold's selection instead.

    Raises `StatsError` if `splits` or its train split is missing or has no rows, or if a
    file is not readable Parquet or lacks a column this stage reads.
    """
    fs, root = resolve(splits)
    if fs.get_file_info(root).type != pafs.FileType.Directory:
        raise StatsError(f"{splits}: no such directory (expected the output of 01_split)")
    names = split_names(splits)
    if fold is not None:
        try:
            parts = {role: part_folders(splits, role, fold) for role in SPLITS}
        except LayoutError as error:
            raise StatsError(str(error)) from None
        folders = {name: _split_files(fs, splits, name) for name in names}
        inventory = {
            role: SplitFiles.combined(role, [folders[f] for f in parts[role]]) for role in parts
        }
    elif "train" not in names:
        expected = f"{split_path(splits, 'train')}/part-*.parquet"
        raise StatsError(f"{splits}: no train split (expected {expected}, as 01_split writes it)")
    else:
        inventory = {name: _split_files(fs, splits, name) for name in names}
    if inventory["train"].rows == 0:
        train = inventory["train"]
        raise StatsError(
            f"{train.directory}: the train split is empty "
            f"({len(train.files)} Parquet files, 0 rows)"
        )
    return inventory


def _split_files(fs: pafs.FileSystem, splits: str, name: str) -> SplitFiles:
    directory = split_path(splits, name)
    try:
        files = split_files(splits, name)
    except LayoutError as error:
        raise StatsError(str(error)) from None
    rows = 0
    for path in files:
        try:
            metadata = pq.ParquetFile(fs.open_input_file(path)).metadata
        except (OSError, pa.ArrowException) as error:
            raise StatsError(f"{path}: not a readable Parquet file ({error})") from None
        problems = schema_problems(metadata.schema.to_arrow_schema()) + _derived_problems(
            metadata.schema.to_arrow_schema()
        )
        if problems:
            raise StatsError(f"{path}: {problems[0]} (is this the output of 01_split?)")
        rows += metadata.num_rows
    return SplitFiles(
        name=name, folders=(name,), directories=(directory,), files=tuple(files), rows=rows
    )


def _derived_problems(schema: pa.Schema) -> list[str]:
    return [
        f"column {name!r} is missing or not {kind}"
        for name, kind in DERIVED_COLUMNS.items()
        if name not in schema.names or schema.field(name).type != kind
    ]


def _label_rows(spark, splits: str, inventory: dict[str, SplitFiles]) -> list[tuple]:
    """(split, cdl_code, label, rows) for every combination present: a Spark group-by over
    the folders, each counted as the split of `inventory` it belongs to."""
    split_of = {folder: s.name for s in inventory.values() for folder in s.folders}
    directories = [spark_path(d) for s in inventory.values() if s.files for d in s.directories]
    from pyspark.sql import functions as F

    frame = spark.read.option("basePath", spark_path(splits)).parquet(*directories)
    split = F.col("split").cast("string").alias("split")  # a name like 2021 is inferred as int
    grouped = frame.groupBy(split, "cdl_code", "label").count()
    rows = _run(lambda: grouped.collect(), splits)
    return [(split_of[row[0]], *row[1:]) for row in rows]


def _train_moments(
    spark, train: SplitFiles, config: StatsConfig, num_groups: int
) -> tuple[Moments, np.ndarray, int, int, int]:
    """Merged moments [num_groups, 12] and histograms [12, bins] of the train split, its rows,
    images and partitions."""
    from pyspark.sql import functions as F

    group = F.col("label") if num_groups > 1 else F.lit(0)
    files = spark.read.parquet(*map(spark_path, train.directories))
    frame = files.select(
        "num_images",
        "bands",
        "img_dates",
        "scl_vals",
        group.cast("int").alias("group"),
        "pixel_id",
        "year",
    )
    kernel = functools.partial(
        partition_moments,
        codec=config.codec,
        exclude_scl=tuple(config.exclude_scl),
        num_groups=num_groups,
        indices=config.indices,
        medians=config.medians,
    )
    try:
        partials = _run(lambda: frame.mapInArrow(kernel, PARTIAL_SCHEMA).toArrow(), train.directory)
    except StatsError as error:
        raise _located(files, error) from None
    merged = Moments.empty(num_groups, _num_columns(config.indices))
    for row in partials.select(["group", "count", "mean", "m2"]).to_pylist():
        one = Moments.empty(num_groups, _num_columns(config.indices))
        one.count[row["group"]] = row["count"]
        one.mean[row["group"]] = row["mean"]
        one.m2[row["group"]] = row["m2"]
        merged = merged.merge(one)
    rows = int(np.sum(partials.column("rows")))
    images = int(np.sum(partials.column("images")))
    return merged, _merged_histograms(partials), rows, images, partials.num_rows // num_groups


#: How the kernel names a bad row: by pixel id and year, which the split holds once. Reading
#: every row's file path in the pass cost a fifth of it (a string per row through Arrow), so
#: the driver finds the file only when a row is bad (`_located`).
_BAD_ROW = re.compile(r"^(?:rows from )?pixel_id (-?\d+), year (-?\d+): ")


def _located(files, error: StatsError) -> StatsError:
    """`error` with the file among `files` (the train split as read) holding the row it
    names, if it names one."""
    named = _BAD_ROW.match(str(error))
    if named is None:
        return error
    from pyspark.sql import functions as F

    pixel, year = (int(value) for value in named.groups())
    row = files.where((F.col("pixel_id") == pixel) & (F.col("year") == year))
    paths = row.select(F.col("_metadata.file_path")).distinct().toArrow().column(0)
    return StatsError(f"{' or '.join(sorted(paths.to_pylist()))}, {error}")


def _merged_histograms(partials: pa.Table) -> np.ndarray:
    """int64 [12, NUM_BINS]: every partition's sparse histograms added up, in numpy (no
    Python object per bin)."""
    per_band = pc.list_flatten(partials.column("hist_values"))  # one list per row and band
    band = pc.list_parent_indices(per_band).to_numpy() % NUM_BANDS
    values = pc.list_flatten(per_band).to_numpy()
    counts = pc.list_flatten(pc.list_flatten(partials.column("hist_counts"))).to_numpy()
    histograms = np.zeros((NUM_BANDS, NUM_BINS), np.int64)
    add(histograms, band, values, counts)
    return histograms


def _num_columns(indices: bool) -> int:
    """Moments are kept for the 12 bands, then (with `indices`) every index of `INDICES`."""
    return NUM_BANDS + (len(INDICES) if indices else 0)


def partition_moments(
    batches: Iterator[pa.RecordBatch],
    *,
    codec: str,
    exclude_scl: tuple[int, ...],
    num_groups: int,
    indices: bool = False,
    medians: bool = False,
) -> Iterator[pa.RecordBatch]:
    """`mapInArrow` body: one partition's batches in, one partial row per group out.

    Input columns: num_images, bands, img_dates, scl_vals, group (int in [0, num_groups)),
    pixel_id, year. Output: `PARTIAL_SCHEMA` (the moments of the bands, and of the indices
    with `indices`; histograms with `medians`, else empty lists). A bad row raises
    `StatsError` naming its pixel id and year; the driver adds the file (`_located`).
    """
    moments = Moments.empty(num_groups, _num_columns(indices))
    histograms = np.zeros((NUM_BANDS, NUM_BINS), np.int64)
    rows = np.zeros(num_groups, np.int64)
    images = np.zeros(num_groups, np.int64)
    for batch in batches:
        for start in range(0, batch.num_rows, SLICE_ROWS):
            piece = batch.slice(start, SLICE_ROWS)
            series = _decode(piece, codec)
            groups = np.asarray(piece.column("group"), np.int64)
            valid = valid_observations(series, exclude_scl)
            image_groups = np.repeat(groups, series.counts)
            part = batch_moments(series.bands, valid, image_groups, num_groups)
            if indices:
                part = part.beside(_index_moments(series.bands, valid, image_groups, num_groups))
            moments = moments.merge(part)
            if medians:
                histograms += _histograms(series.bands, valid, piece)
            rows += np.bincount(groups, minlength=num_groups)
            images += np.bincount(image_groups, minlength=num_groups)
    values, counts = sparse(histograms)
    yield pa.RecordBatch.from_pydict(
        {
            "group": pa.array(np.arange(num_groups), pa.int32()),
            "rows": pa.array(rows),
            "images": pa.array(images),
            "count": pa.array(moments.count.tolist(), pa.list_(pa.int64())),
            "mean": pa.array(moments.mean.tolist(), pa.list_(pa.float64())),
            "m2": pa.array(moments.m2.tolist(), pa.list_(pa.float64())),
            "hist_values": pa.array([values] + [[]] * (num_groups - 1), _per_band(pa.int32())),
            "hist_counts": pa.array([counts] + [[]] * (num_groups - 1), _per_band(pa.int64())),
        }
    )


def _index_moments(
    bands: np.ndarray, valid: np.ndarray, groups: np.ndarray, num_groups: int
) -> Moments:
    """Moments of every index of `indices.INDICES`, where all its bands are valid."""
    names = tuple(INDICES)
    values, counted = index_values(bands, names), validity(valid, names)
    np.copyto(values, 0.0, where=~counted)  # NaN where a band is 0; not counted either way
    return batch_moments(values, counted, groups, num_groups)


def _per_band(kind: pa.DataType) -> pa.DataType:
    """A list per band of `kind`."""
    return pa.list_(pa.list_(kind))


def _histograms(bands: np.ndarray, valid: np.ndarray, piece: pa.RecordBatch) -> np.ndarray:
    """`band_histograms`, with the first row of the slice named if a DN is not 16-bit."""
    try:
        return band_histograms(bands, valid)
    except ValueError as error:
        raise StatsError(f"rows from {_row_name(piece, 0)}: {error}") from None


def _row_name(piece: pa.RecordBatch, row: int) -> str:
    """A row as `_located` finds it: its pixel id and year."""
    return f"pixel_id {piece.column('pixel_id')[row]}, year {piece.column('year')[row]}"


def _decode(piece: pa.RecordBatch, codec: str):
    """`decode_series`, with the pixel of the first bad row named on failure."""
    try:
        return decode_series(piece, codec)
    except ValueError:
        for row in range(piece.num_rows):
            try:
                decode_series(piece.slice(row, 1), codec)
            except ValueError as error:
                problem = str(error).removeprefix("row 0: ")
                raise StatsError(f"{_row_name(piece, row)}: {problem}") from None
        raise


def _run(action, where: str):
    """Run a Spark action; its failure becomes a `StatsError` (a worker's own message kept)."""
    from pyspark.errors import PySparkException

    try:
        return action()
    except PySparkException as error:
        text = str(error)
        worker = re.search(r"StatsError: (.+)", text)
        if worker:
            raise StatsError(worker.group(1).strip()) from None
        first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        raise StatsError(f"{where}: Spark could not read the split dataset: {first}") from error


def _definitions(config: StatsConfig) -> dict[str, str]:
    """What the numbers in stats.json mean, in words (written into the file)."""
    return {
        "valid_observation": _valid_definition(config),
        "std": "population standard deviation (ddof 0) of the valid observations, in DN",
        "class_counts": "rows per label as 01_split derived it from the CDL class, before "
        "the loader's per-window vegetation rule (so the no-crop class is 0)",
        "class_weights": WEIGHT_FORMULA,
    }


def _valid_definition(config: StatsConfig) -> str:
    if not config.exclude_scl:
        return "band values with DN != 0"
    return f"band values with DN != 0, in images whose SCL is not in {sorted(config.exclude_scl)}"


def _package_version() -> str:
    try:
        return version("cropseries")
    except PackageNotFoundError:
        return "unknown"

"""Where the loader's rows come from: a split, or a course-layout dataset, streamed by row group.

`open_input` finds the files (a split dataset's `split=<name>/` folder, or a course-layout
dataset read directly) and lists their row groups, the units that are sharded and
shuffled. `read_pieces` streams record batches of those units as pieces that check what
the kernel relies on and decode it when first used, naming file, row and column of anything
wrong.
"""

from __future__ import annotations

import os
import posixpath
import queue
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from cropseries.codecs import PixelSeries, check_byte_lengths, decode_series
from cropseries.errors import ConfigError
from cropseries.geo import pixel_ids
from cropseries.layout import STORED_SCL, scl_table
from cropseries.legend import ClassLegend
from cropseries.loader.compiled import first_fall, first_outside
from cropseries.loader.errors import LoaderError
from cropseries.loader.labels import course_labels
from cropseries.reader import LayoutError, open_course_dataset, parquet_files, resolve
from cropseries.split_dataset import folder_name, split_files, split_names, split_of

#: Which uint8 SCL values a stored series may hold (`layout.STORED_SCL`), as a lookup table.
STORED_SCL_TABLE = scl_table(STORED_SCL)
SERIES_COLUMNS = ("num_images", "bands", "img_dates", "scl_vals")
SPLIT_COLUMNS = (*SERIES_COLUMNS, "label", "is_double_crop", "pixel_id")
COURSE_COLUMNS = (*SERIES_COLUMNS, "CDL")
#: Columns read as Arrow dictionaries, as Parquet stores them: a course layout's label names,
#: a handful per row group, which the loader would otherwise dictionary-encode again per piece.
DICTIONARY_COLUMNS = ("CDL",)
#: What `read_pieces(locations=True)` reads besides, by input kind: where each row is, and its
#: year and label code (a course layout has its year in the path and its code in `CDL`).
IDENTITY_COLUMNS = {"split": ("lon", "lat", "year", "cdl_code"), "course": ("lon", "lat")}
_YEAR_FOLDER = re.compile(r"(?:^|/)year=(\d+)(?:/|$)")
#: Record batches read ahead of the kernel.
READ_AHEAD = 2


@dataclass(frozen=True)
class Unit:
    """One row group: the loader's unit of sharding and file-level shuffling."""

    file: str
    row_group: int
    first_row: int
    num_rows: int


@dataclass(frozen=True)
class Input:
    """A dataset to load: a split of a split dataset (`kind="split"`, whose folder is
    `dataset`) or a course layout (`dataset` None)."""

    path: str
    kind: str
    split: str
    filesystem: pafs.FileSystem
    units: tuple[Unit, ...]
    footers: dict[str, pq.FileMetaData]
    dataset: str | None = None

    @property
    def num_rows(self) -> int:
        return sum(u.num_rows for u in self.units)


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`: every count-th row group, starting at `index`."""

    count: int = 1
    index: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ConfigError(f"shard index {self.index} is not in [0, {self.count})")

    def select(self, units: tuple[Unit, ...]) -> tuple[Unit, ...]:
        """This shard's row groups; LoaderError if it gets none."""
        mine = units[self.index :: self.count]
        if not mine:
            raise LoaderError(
                f"shard {self.index} of {self.count} gets no row group: the input has only "
                f"{len(units)}; use fewer shards or write smaller row groups"
            )
        return mine


@dataclass(frozen=True)
class Chunk:
    """A decoded record batch: rows `first_row`.. of `file`, and what the loader needs of them.

    `labels` int32 [R] (class before the vegetation rule), `double_crop` bool [R],
    `pixel_id` int64 [R], `lon`/`lat` float64 [R], `year` int32 [R] (-1 where a course
    layout's path has no `year=` folder) and `cdl_code` int32 [R] (the label's code: CDL
    code, or position in the legend's own names); the last five None unless locations were
    asked for (a split's pixel_id is always there). `series.bands` is left in the codec's
    dtype: the kernel converts only the images it keeps.
    """

    file: str
    first_row: int
    series: PixelSeries
    labels: np.ndarray
    double_crop: np.ndarray
    pixel_id: np.ndarray | None
    lon: np.ndarray | None
    lat: np.ndarray | None
    year: np.ndarray | None = None
    cdl_code: np.ndarray | None = None


def open_input(
    path: str, split: str = "train", layout: str = "auto", fold: int | None = None
) -> Input:
    """Find the files of `split` under `path` and list their row groups.

    `layout` is "split" (01_split's output: `path/split=<split>/`, or that folder itself),
    "course" (a course-layout dataset; `split` then only names its role, e.g. whether
    double crops are kept) or "auto" (split if `split=` folders are there). With `fold`, `path`
    is a dataset split into folds and `split` (train, val or test) is read from the folds of
    that fold's selection (`split_dataset.fold_parts`). Raises LoaderError if there is
    nothing to read.
    """
    if layout not in ("auto", "split", "course"):
        raise ConfigError(f"layout={layout!r}: choose 'auto', 'split' or 'course'")
    fs, root = resolve(path)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        raise LoaderError(f"{path}: no such file or directory")
    if fold is None:
        kind, split, files, dataset = _files(path, split, layout)
    else:
        try:
            kind, files, dataset = "split", split_files(path, split, fold), path
        except LayoutError as err:
            raise LoaderError(str(err)) from err
    units, footers = _row_groups(files, fs)
    if not units:
        raise LoaderError(f"{path}: split {split!r} has no rows ({len(files)} Parquet files)")
    return Input(path, kind, split, fs, tuple(units), footers, dataset)


def _files(path: str, split: str, layout: str) -> tuple[str, str, list[str], str | None]:
    """(kind, split, Parquet files, split dataset folder) of the input: a split of a split
    dataset (or that split's own folder), or a course-layout dataset."""
    if layout in ("auto", "split"):
        named = split_of(os.path.basename(resolve(path)[1].rstrip("/")))
        if named is not None:
            return "split", named, parquet_files(path), posixpath.dirname(path.rstrip("/"))
        splits = split_names(path)
        if split in splits:
            return "split", split, split_files(path, split), path
        if splits:
            raise LoaderError(
                f"{path}: no {folder_name(split)}/ folder (this split dataset has {splits})"
            )
    if layout == "split":
        raise LoaderError(f"{path}: not a split dataset (no split=<name>/ folders)")
    try:
        return "course", split, list(open_course_dataset(path).files), None
    except LayoutError as err:
        raise LoaderError(str(err)) from err


def _row_groups(files: list[str], fs) -> tuple[list[Unit], dict[str, pq.FileMetaData]]:
    """The non-empty row groups of the files, from their footers (kept for reading)."""
    units, footers = [], {}
    for file in files:
        try:
            metadata = footers[file] = pq.ParquetFile(file, filesystem=fs).metadata
        except (OSError, pa.ArrowException) as err:
            raise LoaderError(f"{file}: not a readable Parquet file ({err})") from err
        first = 0
        for group in range(metadata.num_row_groups):
            rows = metadata.row_group(group).num_rows
            if rows:
                units.append(Unit(file, group, first, rows))
            first += rows
    return units, footers


def _fail(file: str, row: int, column: str, problem: str) -> LoaderError:
    message = f"{file}, row {row}, column {column!r}: {problem}"
    return LoaderError(message, file=file, row=row, column=column)


def _check_series(batch: pa.RecordBatch, file: str, first_row: int, codec: str) -> PixelSeries:
    """Decode the series of a batch after checking nulls, byte lengths and date order."""
    for name in batch.schema.names:
        column = batch.column(name)
        if column.null_count:
            row = int(np.argmax(np.asarray(column.is_null())))
            raise _fail(file, first_row + row, name, "is null")
    num_images = np.asarray(batch.column("num_images"), np.int64)
    for lengths in check_byte_lengths(batch, num_images, codec):
        if lengths.bad.any():
            row = int(np.argmax(lengths.bad))
            problem = lengths.describe(row, int(num_images[row]), codec)
            raise _fail(
                file,
                first_row + row,
                lengths.column,
                f"{problem}; run `python -m cropseries validate` on the source data",
            )
    series = decode_series(batch, codec, convert_bands=False)
    row = first_fall(series.dates, series.offsets)
    if row >= 0:
        raise _fail(file, first_row + row, "img_dates", "dates are not ascending")
    foreign = first_outside(series.scl, STORED_SCL_TABLE)
    if foreign >= 0:
        row = int(np.searchsorted(series.offsets, foreign, side="right") - 1)
        value = int(series.scl[foreign])
        problem = f"SCL value {value} outside the stored set {sorted(STORED_SCL)}"
        raise _fail(file, first_row + row, "scl_vals", problem)
    return series


def _labels(batch, kind, legend, file, first_row) -> tuple[np.ndarray, np.ndarray]:
    if kind == "course":
        labels, double = course_labels(batch.column("CDL"), legend)
        if (labels < 0).any():
            row = int(np.argmax(labels < 0))
            name = batch.column("CDL")[row].as_py()
            what = "a CDL class name" if legend.scheme == "cdl" else f"a label of {legend.name!r}"
            raise _fail(file, first_row + row, "CDL", f"{name!r} is not {what}")
        return labels, double
    labels = np.asarray(batch.column("label"), np.int32)
    bad = (labels < 0) | (labels >= legend.num_classes)
    if bad.any():
        row = int(np.argmax(bad))
        raise _fail(
            file,
            first_row + row,
            "label",
            f"{labels[row]} is not a class of the {legend.name} legend "
            f"(0..{legend.num_classes - 1})",
        )
    return labels, np.asarray(batch.column("is_double_crop"), bool)


def read_columns(kind: str, locations: bool = False) -> list[str]:
    """The columns `read_pieces` reads from a `kind` ("split" or "course") input."""
    columns = list(SPLIT_COLUMNS if kind == "split" else COURSE_COLUMNS)
    return columns + list(IDENTITY_COLUMNS[kind]) if locations else columns


class Piece:
    """One record batch of a unit as read, checked and decoded on first use, once.

    Decoding happens in whichever kernel thread takes the piece (`chunk()`), so it runs side
    by side with the other kernel threads; the decoded chunk stays with the piece, so a
    cached piece is decoded in the first epoch only.
    """

    def __init__(self, unit: Unit, decode: Callable[[], Chunk]):
        self.unit = unit
        self._decode: Callable[[], Chunk] | None = decode
        self._chunk: Chunk | None = None
        self._lock = threading.Lock()  # two epochs sharing a cache may ask at once

    def chunk(self) -> Chunk:
        with self._lock:
            if self._chunk is None:
                self._chunk, self._decode = self._decode(), None
            return self._chunk


#: The most kernel threads an epoch starts by default: beyond a few, they wait for Python's
#: lock more than they overlap.
MAX_KERNEL_THREADS = 4


def kernel_threads(configured: int | None, reading: bool) -> int:
    """The kernel threads of an epoch: `configured`, or one per core the epoch leaves free,
    up to `MAX_KERNEL_THREADS`: every core when it replays the cache, one fewer while the
    read-ahead thread reads. On two cores, a second kernel thread beside the reader made
    streamed epochs 15-28 % slower (four busy threads on two cores), and cached epochs without
    a reader 10-30 % faster (docs/performance.md, runs 22-24).
    """
    if configured is not None:
        return configured
    cores = os.cpu_count() or 1
    return max(1, min(MAX_KERNEL_THREADS, cores - 1 if reading else cores))


def spare_cores(kernel_threads: int) -> bool:
    """Whether the machine has cores beyond the loader's own threads (the read-ahead, the
    `kernel_threads`, the consumer): only then do pyarrow's decoding threads help. On two
    cores, numpy epochs ran at 163,000 rows/s with them and 195,000-237,000 without.
    """
    return (os.cpu_count() or 1) > kernel_threads + 2


def read_pieces(
    source: Input,
    units: Iterable[Unit],
    legend: ClassLegend,
    codec: str,
    read_rows: int,
    locations: bool = False,
    decode_threads: bool = False,
) -> Iterator[Piece]:
    """Stream `units` in the given order as pieces of up to `read_rows` rows.

    `decode_threads` lets pyarrow decode a batch's columns on its own threads
    (`spare_cores` says when that helps).

    A background thread reads `READ_AHEAD` record batches ahead (pyarrow releases the GIL
    while it decodes Parquet), so reading overlaps the kernel. A piece's `chunk()` raises
    LoaderError naming the file, row (within the file) and column of a corrupt row.
    `locations` also reads lon/lat, year and label codes (and, for a course layout, derives
    pixel ids from the coordinates).
    """
    columns = read_columns(source.kind, locations)
    units = list(units)
    for file in dict.fromkeys(u.file for u in units):
        missing = [c for c in columns if c not in source.footers[file].schema.names]
        if missing:
            raise LoaderError(f"{file}: columns {missing} are missing ({source.kind} input)")

    def record_batches() -> Iterator[tuple[Unit, int, pa.RecordBatch]]:
        for unit in units:
            footer = source.footers[unit.file]
            first_row = unit.first_row
            try:
                parquet = parquet_file(unit.file, footer, source.filesystem)
                for batch in parquet.iter_batches(
                    batch_size=read_rows,
                    row_groups=[unit.row_group],
                    columns=columns,
                    use_threads=decode_threads,
                ):
                    yield unit, first_row, batch
                    first_row += batch.num_rows
            except (OSError, pa.ArrowException) as err:
                raise LoaderError(
                    f"{unit.file}, rows from {first_row} (row group {unit.row_group}): "
                    f"cannot be read ({err})"
                ) from err

    for unit, first_row, batch in read_ahead(record_batches(), READ_AHEAD):
        yield Piece(
            unit, partial(decode_chunk, batch, source.kind, legend, codec, unit.file, first_row)
        )


def parquet_file(path: str, footer: pq.FileMetaData, filesystem=None) -> pq.ParquetFile:
    """A Parquet file opened from its `footer` (read once, by `open_input`) as the loader
    reads it: those of `DICTIONARY_COLUMNS` it has as dictionaries. The benchmarks' floor
    opens its files the same way."""
    dictionaries = [c for c in DICTIONARY_COLUMNS if c in footer.schema.names]
    return pq.ParquetFile(
        path, filesystem=filesystem, metadata=footer, read_dictionary=dictionaries
    )


def decode_chunk(
    batch: pa.RecordBatch, kind: str, legend: ClassLegend, codec: str, file: str, first_row: int
) -> Chunk:
    """Check and decode one record batch (rows `first_row`.. of `file`) of a `kind` input.

    Locations (lon, lat, year, label code, and course-layout pixel ids) are decoded if the
    batch has them.
    """
    series = _check_series(batch, file, first_row, codec)
    labels, double = _labels(batch, kind, legend, file, first_row)
    locations = "lon" in batch.schema.names
    lon = np.asarray(batch.column("lon"), np.float64) if locations else None
    lat = np.asarray(batch.column("lat"), np.float64) if locations else None
    if locations:
        _check_locations(lon, lat, file, first_row)
    if kind == "split":
        pixel_id = np.asarray(batch.column("pixel_id"), np.int64)
    else:
        pixel_id = pixel_ids(lon, lat) if locations else None
    year = _years(batch, kind, file) if locations else None
    codes = _codes(batch, kind, legend) if locations else None
    return Chunk(file, first_row, series, labels, double, pixel_id, lon, lat, year, codes)


def _years(batch: pa.RecordBatch, kind: str, file: str) -> np.ndarray:
    if kind == "split":
        return np.asarray(batch.column("year"), np.int32)
    folder = _YEAR_FOLDER.search(file)
    return np.full(batch.num_rows, int(folder.group(1)) if folder else -1, np.int32)


def _codes(batch: pa.RecordBatch, kind: str, legend: ClassLegend) -> np.ndarray:
    if kind == "split":
        return np.asarray(batch.column("cdl_code"), np.int32)
    return legend.codes(batch.column("CDL")).astype(np.int32)


def _check_locations(lon: np.ndarray, lat: np.ndarray, file: str, first_row: int) -> None:
    """Coordinates in range: a NaN or absurd lon/lat cannot give a pixel id."""
    for name, values, limit in (("lon", lon, 180), ("lat", lat, 90)):
        bad = ~(np.abs(values) <= limit)
        if bad.any():
            row = int(np.argmax(bad))
            raise _fail(file, first_row + row, name, f"{values[row]} is not a coordinate")


def read_ahead(items: Iterator, depth: int = 2) -> Iterator:
    """`items`, produced by a background thread up to `depth` ahead (pyarrow's decoding
    releases the GIL, so reading overlaps the kernel). Errors are raised in the caller;
    closing the returned generator stops the thread."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(end)
        except BaseException as err:  # handed to the consumer, raised there
            put(_Failure(err))

    worker = threading.Thread(target=produce, name="cropseries-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not end:
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()


def ordered_map(function: Callable, items: Iterable, workers: int) -> Iterator:
    """`map(function, items)` on `workers` threads, results in the order of `items`, at most
    twice `workers` items in flight (numpy releases the GIL in its kernels, so the threads
    share the cores). One worker: the caller's thread. An error is raised where its item's
    result would have been; closing the returned generator cancels the rest."""
    if workers <= 1:
        yield from map(function, items)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="cropseries-kernel")
    pending: deque[Future] = deque()
    try:
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _Failure:
    error: BaseException

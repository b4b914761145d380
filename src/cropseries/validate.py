"""Checking a course-layout dataset, file by file and row group by row group, vectorized.

`validate_dataset` finds every problem (directory names, columns and types, unreadable
files, byte lengths against `num_images`, dates, SCL values, CDL names, coordinates,
tiles) and names its file, row and column; on a clean dataset it summarizes it. It does
not repair or drop anything: 01_split decides what to exclude.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cropseries.cli import at_least
from cropseries.codecs import (
    CODECS,
    DEFAULT_CODEC,
    check_byte_lengths,
    codec_dtype,
    decode_column,
)
from cropseries.layout import STORED_SCL, date_faults, parse_bbox
from cropseries.legend import ClassLegend, load_legend
from cropseries.reader import parquet_files, resolve, schema_problems

#: One entry of `tiles`: an MGRS tile (zone, latitude band, 100 km square) and a number.
TILE_NAME = r"^\d{1,2}[C-X][A-Z]{2}_\d+$"
_PARTITION = re.compile(r"(?:^|/)bbox=([^/]*)/year=([^/]*)/[^/]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (file, row within the file, column) and what."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


@dataclass
class Summary:
    """What a dataset holds; filled while it is checked."""

    files: int = 0
    bytes: int = 0
    rows: int = 0
    images: int = 0
    min_images: int | None = None
    max_images: int | None = None
    years: Counter = field(default_factory=Counter)
    boxes: Counter = field(default_factory=Counter)
    classes: Counter = field(default_factory=Counter)
    rows_with_same_day_images: int = 0
    pixels: int = 0
    seconds: float = 0.0

    @property
    def mean_images(self) -> float:
        return self.images / self.rows if self.rows else 0.0


@dataclass
class ValidationReport:
    """What `validate_dataset` found: every problem, and the summary of what the dataset holds."""

    path: str
    codec: str
    problems: list[Problem]
    summary: Summary

    @property
    def ok(self) -> bool:
        return not self.problems


class _Checker:
    """Collects problems for one file; the row numbers it reports are file-relative."""

    def __init__(self, file: str, codec: str, legend: ClassLegend):
        self.file, self.codec, self.legend = file, codec, legend
        self.problems: list[Problem] = []

    def file_problem(self, message: str, column: str | None = None) -> None:
        self.problems.append(Problem(self.file, None, column, message))

    def rows(self, bad: np.ndarray, first_row: int, column: str, describe) -> None:
        """Report every row where `bad` is true; `describe(i)` words the problem of batch row i."""
        for i in np.flatnonzero(bad):
            self.problems.append(Problem(self.file, first_row + int(i), column, describe(int(i))))


def _partition_values(check: _Checker, relative: str) -> tuple[str | None, int | None]:
    match = _PARTITION.search(relative)
    if not match:
        check.file_problem("not inside bbox=<left, bottom, right, top>/year=<YYYY>/ directories")
        return None, None
    bbox, year = match.groups()
    try:
        parse_bbox(bbox)
    except ValueError as err:
        check.file_problem(f"directory bbox={bbox}: {err}")
        bbox = None
    if not re.fullmatch(r"\d{4}", year):
        check.file_problem(f"directory year={year} is not a four-digit year")
        return bbox, None
    return bbox, int(year)


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_batch(
    check: _Checker,
    batch: pa.RecordBatch,
    first_row: int,
    year: int | None,
    summary: Summary,
    locations: list[np.ndarray],
) -> None:
    """Every check of one record batch, in the order its problems are listed."""
    for name in batch.schema.names:
        nulls = np.asarray(batch.column(name).is_null())
        check.rows(nulls, first_row, name, lambda i: "is null")
    locations.append(_check_locations(check, batch, first_row))
    num_images = np.asarray(batch.column("num_images").fill_null(-1), np.int64)
    check.rows(num_images < 0, first_row, "num_images", lambda i: f"{num_images[i]} is negative")
    lengths_ok = _check_byte_lengths(check, batch, first_row, num_images)
    counts = _check_series(check, batch, first_row, num_images, lengths_ok, year, summary)
    _check_names(check, batch.column("CDL"), first_row, summary)
    _check_tiles(check, batch.column("tiles"), first_row, num_images)
    summary.rows += batch.num_rows
    summary.images += int(counts.sum())
    if batch.num_rows:
        lo, hi = int(num_images.min()), int(num_images.max())
        summary.min_images = lo if summary.min_images is None else min(summary.min_images, lo)
        summary.max_images = hi if summary.max_images is None else max(summary.max_images, hi)


def _check_locations(check: _Checker, batch: pa.RecordBatch, first_row: int) -> np.ndarray:
    """Coordinates in range; returns the (lon, lat) pairs, for counting distinct pixels."""
    lon = np.asarray(batch.column("lon").fill_null(np.nan), np.float64)
    lat = np.asarray(batch.column("lat").fill_null(np.nan), np.float64)
    check.rows(~(np.abs(lon) <= 180), first_row, "lon", lambda i: f"{lon[i]} is not a longitude")
    check.rows(~(np.abs(lat) <= 90), first_row, "lat", lambda i: f"{lat[i]} is not a latitude")
    return np.stack([lon, lat], axis=1)


def _check_byte_lengths(check, batch, first_row, num_images) -> np.ndarray:
    """Byte lengths against `num_images`; returns which rows agree in every column."""
    lengths_ok = num_images >= 0
    codec = check.codec
    for lengths in check_byte_lengths(batch, num_images, codec):
        lengths_ok &= ~lengths.bad
        check.rows(
            lengths.bad,
            first_row,
            lengths.column,
            lambda i, lengths=lengths: lengths.describe(i, int(num_images[i]), codec),
        )
    return lengths_ok


def _check_series(check, batch, first_row, num_images, lengths_ok, year, summary):
    """Dates ascending and inside the year, SCL values stored; returns images per good row.

    Only rows whose byte lengths agree are decoded, so one corrupt row cannot hide the others.
    """
    n = batch.num_rows
    good_batch = batch.filter(pa.array(lengths_ok))
    rows_of_good = np.flatnonzero(lengths_ok)
    counts = num_images[lengths_ok]
    row_of_image = np.repeat(np.arange(len(counts)), counts)
    dates, _ = decode_column(good_batch.column("img_dates"), codec_dtype(check.codec))
    scl, _ = decode_column(good_batch.column("scl_vals"), np.dtype(np.uint8))
    back, outside, same_day = date_faults(dates, counts, year)
    decreasing = np.zeros(n, bool)
    decreasing[rows_of_good] = back
    check.rows(decreasing, first_row, "img_dates", lambda i: "dates are not ascending")
    summary.rows_with_same_day_images += int(same_day.sum())
    if year is not None:
        outside_year = np.zeros(n, bool)
        outside_year[rows_of_good] = outside
        check.rows(
            outside_year, first_row, "img_dates", lambda i: f"a date lies outside the year {year}"
        )
    foreign = ~np.isin(scl, list(STORED_SCL))
    bad_scl = np.zeros(n, bool)
    bad_scl[rows_of_good[row_of_image[foreign]]] = True
    check.rows(
        bad_scl,
        first_row,
        "scl_vals",
        lambda i: f"SCL value outside the stored set {sorted(STORED_SCL)}",
    )
    return counts


def _check_names(check: _Checker, names: pa.Array, first_row: int, summary: Summary) -> None:
    """Label names valid UTF-8 and known to the legend; counts the rows per known name."""
    legend = check.legend
    try:
        codes = legend.codes(names)
    except pa.ArrowInvalid:  # invalid UTF-8 somewhere: find the rows (rare, so per row is fine)
        raw = names.to_pylist()
        not_utf8 = np.array([b is not None and not _is_utf8(b) for b in raw])
        check.rows(not_utf8, first_row, "CDL", lambda i: f"{raw[i]!r} is not valid UTF-8")
        names = pa.array(
            [None if bad else b for b, bad in zip(raw, not_utf8, strict=True)], pa.binary()
        )
        codes = np.where(not_utf8, -2, legend.codes(names)).astype(np.int16)
    unknown = codes == -1
    if unknown.any():
        text = names.to_pylist()
        what = "a CDL class name"
        if legend.scheme == "names":
            what = f"a label of legend {legend.name!r}"
        check.rows(unknown, first_row, "CDL", lambda i: f"{text[i]!r} is not {what}")
    for item in pc.value_counts(names.filter(pa.array(codes >= 0))).to_pylist():
        summary.classes[item["values"]] += item["counts"]


def _check_tiles(check: _Checker, column: pa.Array, first_row: int, num_images) -> None:
    """One tile name per image, each `<MGRS tile>_<n>`."""
    text = column.cast(pa.string(), safe=False)
    tiles = pc.split_pattern(text, ",")
    empty = np.asarray(pc.equal(text, "").fill_null(True))
    tile_count = np.where(empty, 0, np.asarray(pc.list_value_length(tiles).fill_null(0)))
    check.rows(
        tile_count != num_images,
        first_row,
        "tiles",
        lambda i: f"{tile_count[i]} tile names for num_images={num_images[i]}",
    )
    parent = np.asarray(pc.list_parent_indices(tiles))
    tokens = pc.list_flatten(tiles)
    names = pc.unique(tokens)  # a box has a handful of tile names: match each once
    good_names = names.filter(pc.match_substring_regex(names, TILE_NAME))
    well_formed = np.asarray(pc.is_in(tokens, value_set=good_names))
    bad_tile = np.zeros(len(column), bool)
    bad_tile[parent[~well_formed & ~empty[parent]]] = True
    check.rows(
        bad_tile, first_row, "tiles", lambda i: "a tile name is not <MGRS tile>_<n> (e.g. 15SXT_0)"
    )


def _check_file(check, fs, relative, batch_rows, summary, locations) -> None:
    """Directories, schema and every batch of one file; counts its rows per year and box."""
    bbox, year = _partition_values(check, relative)
    summary.files += 1
    try:
        with fs.open_input_file(check.file) as handle:
            parquet = pq.ParquetFile(handle)
            summary.bytes += handle.size()
            schema_issues = schema_problems(parquet.schema_arrow)
            for issue in schema_issues:
                check.file_problem(issue, column=issue.split("'")[1])
            if schema_issues:
                return
            first_row = 0
            for batch in parquet.iter_batches(batch_size=batch_rows):
                _check_batch(check, batch, first_row, year, summary, locations)
                first_row += batch.num_rows
    except (OSError, pa.ArrowException) as err:
        check.file_problem(f"cannot be read as Parquet (truncated or corrupt?): {err}")
        return
    if year is not None:
        summary.years[year] += first_row
    if bbox is not None:
        summary.boxes[bbox] += first_row


def validate_dataset(
    path: str,
    codec: str = DEFAULT_CODEC,
    batch_rows: int = 65536,
    progress: bool = False,
    legend: str = "course",
) -> ValidationReport:
    """Check every file and row of a course-layout dataset; never raises for bad data.

    Label names (the `CDL` column) are checked against `legend` ("course", "slides" or a
    legend file): CDL names, or the names of a legend with its own labels.
    """
    codec_dtype(codec)
    labels = load_legend(legend)
    started = time.perf_counter()
    fs, root = resolve(path)
    summary = Summary()
    problems: list[Problem] = []
    locations: list[np.ndarray] = []
    files = parquet_files(path)
    if not files:
        problems.append(Problem(path, None, None, "no .parquet files found"))
    iterator = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="validate", unit="file")
    for file in iterator:
        check = _Checker(file, codec, labels)
        _check_file(check, fs, file[len(root) :], batch_rows, summary, locations)
        problems.extend(check.problems)
    if locations:
        points = np.concatenate(locations)
        summary.pixels = len(np.unique(points.view(np.complex128)))
    summary.seconds = time.perf_counter() - started
    return ValidationReport(path=path, codec=codec, problems=problems, summary=summary)


def format_report(report: ValidationReport, max_listed: int = 50) -> str:
    """Human-readable: the problems (all counted, the first `max_listed` listed) or the summary."""
    s = report.summary
    lines = []
    if report.problems:
        lines.append(f"{len(report.problems)} problem(s) in {report.path} (codec {report.codec}):")
        lines += [f"  {p}" for p in report.problems[:max_listed]]
        if len(report.problems) > max_listed:
            lines.append(
                f"  ... and {len(report.problems) - max_listed} more (see --max-listed or --json)"
            )
        kinds = Counter((p.column, re.sub(r"\d+", "N", p.message)) for p in report.problems)
        lines.append("by column and kind:")
        lines += [f"  {count:>8}  {col or '-'}: {msg}" for (col, msg), count in kinds.most_common()]
        return "\n".join(lines)
    mb = s.bytes / 1e6
    lines += [
        f"OK: {report.path} is a valid course-layout dataset (codec {report.codec})",
        f"  files {s.files}, {mb:.1f} MB, checked in {s.seconds:.1f} s "
        f"({mb / max(s.seconds, 1e-9):.0f} MB/s, {s.rows / max(s.seconds, 1e-9):,.0f} rows/s)",
        f"  rows {s.rows:,} (pixel-years), pixels {s.pixels:,}, boxes {len(s.boxes)}",
        "  years " + ", ".join(f"{y}: {n:,}" for y, n in sorted(s.years.items())),
        f"  images per row: mean {s.mean_images:.1f}, min {s.min_images}, max {s.max_images}; "
        f"rows with two images on one day: {s.rows_with_same_day_images:,}",
        "  classes (CDL name: rows):",
    ]
    lines += [f"    {n.decode()}: {c:,}" for n, c in s.classes.most_common()]
    return "\n".join(lines)


def report_json(report: ValidationReport) -> str:
    """The report as JSON: path, codec, ok, every problem and the summary."""
    s = report.summary
    summary = asdict(s) | {
        "years": {str(k): v for k, v in s.years.items()},
        "classes": {k.decode(): v for k, v in s.classes.items()},
        "mean_images": s.mean_images,
    }
    return json.dumps(
        {
            "path": report.path,
            "codec": report.codec,
            "ok": report.ok,
            "problems": [asdict(p) for p in report.problems],
            "summary": summary,
        },
        indent=2,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries validate`."""
    parser.add_argument("path", help="dataset root (local, /Volumes/..., dbfs:/..., s3://...)")
    parser.add_argument(
        "--codec",
        choices=sorted(CODECS),
        default=DEFAULT_CODEC,
        help="element type of bands/img_dates (default: %(default)s, as the course)",
    )
    parser.add_argument(
        "--legend",
        default="course",
        help="check label names against this legend: course (CDL names, default), slides or a "
        "legend file (of CDL classes, or of your own labels)",
    )
    parser.add_argument(
        "--max-listed", type=at_least(0), default=50, help="problems listed in full"
    )
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries validate`: exit 0 for a valid dataset, 1 if problems were found."""
    report = validate_dataset(
        args.path, codec=args.codec, progress=not args.quiet, legend=args.legend
    )
    print(report_json(report) if args.json else format_report(report, args.max_listed))
    return 0 if report.ok else 1

"""What 01_split refuses outright and what it excludes row by row, with the reason codes.

`check_input` reads only file listings and Parquet footers and raises `SplitError` before
any Spark work when the dataset cannot be split (no files, wrong directories, missing
columns, wrong types). `row_problem` is the Spark expression giving the reason a row is
unusable; the one check that decodes (dates) runs numpy in a pandas UDF, the others are
Spark expressions, and `scan_dates` lets 01_split leave the UDF out when no row needs it.
`validate` reports the same problems row by row, with file and row.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from cropseries.codecs import byte_lengths, bytes_per_image, codec_dtype, decode_column
from cropseries.errors import CropseriesError, RunFailed
from cropseries.layout import STORED_SCL, date_faults
from cropseries.reader import LayoutError, open_course_dataset, resolve


class SplitError(CropseriesError, ValueError):
    """01_split cannot proceed on this input; the message says where and why."""


class SplitFailed(SplitError, RunFailed):
    """01_split ran but its result does not add up, so nothing was published."""


#: Exclusion reasons, in the order they are tested (a row gets the first that applies).
REASONS: dict[str, str] = {
    "null_value": "a course column (lon, lat, CDL, num_images, bands, img_dates, scl_vals, "
    "tiles) is null",
    "bad_location": "lon or lat is not a finite coordinate (|lon| <= 180, |lat| <= 90)",
    "corrupt_bytes": "num_images is negative or absurd (> MAX_IMAGES), or a byte column's "
    "length disagrees with it (bands: num_images*12*itemsize, img_dates: num_images*itemsize, "
    "scl_vals: num_images bytes; itemsize 2 for uint16be, 4 for int32le)",
    "bad_scl": "an SCL value outside the set Part 1 stores (2, 3, 4, 5, 6, 10)",
    "bad_dates": "img_dates not ascending, or a date outside the partition's year",
    "empty_series": "num_images is 0: no image to learn from",
    "unknown_cdl": "the label name is not one the legend knows (for a CDL legend: not in the "
    "CDL legend, nor an older alias)",
    "year_not_in_split": "the year is in none of the configured splits (year, year+block)",
    "year_block_mismatch": "year+block: the year's split and the block's split differ",
    "double_crop": "a double crop in a split that does not keep them (double_crops_in; with "
    "folds, every fold, since each fold also trains)",
    "no_fold": "folds: the row's block, year or box got no fold (not expected: counted so that "
    "nothing is dropped)",
}

_PARTITION_DIRS = re.compile(r"(?:^|/)bbox=[^/]+/year=\d{4}/[^/]+$")
_RAW = ("lon", "lat", "CDL", "num_images", "bands", "img_dates", "scl_vals", "tiles")
#: The stored SCL values as the characters of a string, one byte each (all below 0x80).
_STORED_SCL_CHARS = "".join(chr(code) for code in sorted(STORED_SCL))


def check_input(path: str) -> tuple[str, ...]:
    """The Parquet files of a course-layout dataset, after checking it can be split.

    Raises `SplitError` naming the file and the problem when there are no files, when a file
    is not inside `bbox=<...>/year=<YYYY>/` directories, or when a column is missing or has
    the wrong type. Reads footers only.
    """
    try:
        dataset = open_course_dataset(path, check_schema=True)
    except LayoutError as err:
        raise SplitError(f"cannot split {path}: {err}") from err
    _, root = resolve(path)
    for file in dataset.files:
        if not _PARTITION_DIRS.search(file[len(root.rstrip("/")) :]):
            raise SplitError(
                f"{file}: not inside bbox=<left, bottom, right, top>/year=<YYYY>/ directories "
                "(the course layout); point --input at the dataset root"
            )
    return dataset.files


def check_output(input_path: str, output_path: str) -> None:
    """`SplitError` for an output that is the input or lies inside it (its files would be read
    as input by the next run)."""
    _, source = resolve(input_path)
    _, target = resolve(output_path)
    source, target = os.path.abspath(source), os.path.abspath(target)
    if target == source or target.startswith(source.rstrip("/") + "/"):
        raise SplitError(
            f"{output_path}: lies inside the input {input_path}; write the split dataset elsewhere",
            file=output_path,
        )


#: More images than this in one row (one a day for 270 years) can only be corruption.
MAX_IMAGES = 100_000


def has_location():
    """Boolean Column: lon and lat are finite and in range (false for NaN and infinities)."""
    from pyspark.sql import functions as F

    return (F.abs("lon") <= 180) & (F.abs("lat") <= 90)


def dates_in_year(dates: pa.Array, num_images: np.ndarray, year: np.ndarray, codec: str):
    """Per row (bool [n]): `img_dates` ascends and lies inside the row's `year`. Rows with a
    null (the UDF passes a null year as 0) or whose byte length disagrees with `num_images`
    are not decoded and count as true: the null and byte-length checks report them first."""
    dtype = codec_dtype(codec)
    sane = (num_images >= 0) & (num_images <= MAX_IMAGES) & (year > 0)
    lengths_agree = byte_lengths(dates) == num_images * dtype.itemsize
    decodable = sane & lengths_agree & np.asarray(dates.is_valid())
    days, offsets = decode_column(dates.filter(pa.array(decodable)), dtype)
    back, outside, _ = date_faults(days, np.diff(offsets), year[decodable])
    verdict = np.ones(len(dates), bool)
    verdict[decodable] = ~(back | outside)
    return verdict


def dates_ok(codec: str):
    """Boolean Column: `img_dates` ascends and lies inside the row's `year` (see
    `dates_in_year`), decoded with numpy in a pandas UDF. Spark's own expression for it (a
    `forall` over each row's images) took 9 of the 25 s 01_split spent writing 1M rows."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("boolean")
    def ok(dates: pd.Series, num_images: pd.Series, year: pd.Series) -> pd.Series:
        counts = num_images.fillna(-1).to_numpy(np.int64)
        years = year.fillna(0).to_numpy(np.int64)
        return pd.Series(dates_in_year(pa.array(dates, pa.binary()), counts, years, codec))

    return ok("img_dates", "num_images", "year")


class DateScan(NamedTuple):
    """What `scan_dates` found: the rows of the input, and how many fail `dates_in_year`."""

    rows: int
    bad_dates: int


def scan_dates(rows, codec: str) -> DateScan:
    """Count the rows of a course-layout DataFrame and those failing `dates_in_year`, in one
    narrow pass over the three columns it reads (numpy in `mapInArrow`, one pair of counts
    per Arrow batch).

    01_split runs it before the write so that, in the usual case of no bad dates, the write
    needs no date check: in the write, Spark's pandas UDF holds every whole row (bands
    included) while Python decodes the dates, which cost about a quarter of the write. The
    row count is the input side of the stage's accounting, at no extra pass.
    """
    import pyarrow.compute as pc
    from pyspark.sql import functions as F

    def count(batches):
        for batch in batches:
            counts = pc.fill_null(batch.column("num_images"), -1).to_numpy().astype(np.int64)
            years = pc.fill_null(batch.column("year"), 0).to_numpy().astype(np.int64)
            ok = dates_in_year(batch.column("img_dates"), counts, years, codec)
            found = [
                pa.array([len(ok)], pa.int64()),
                pa.array([len(ok) - int(ok.sum())], pa.int64()),
            ]
            yield pa.record_batch(found, ["rows", "bad"])

    narrow = rows.select("img_dates", "num_images", "year").mapInArrow(count, "rows long, bad long")
    totals = narrow.agg(F.sum("rows").alias("rows"), F.sum("bad").alias("bad")).first()
    return DateScan(int(totals["rows"] or 0), int(totals["bad"] or 0))


def scl_stored():
    """Boolean Column: every byte of `scl_vals` is a stored SCL value. Deleting those bytes
    (`translate` on the bytes read as a string) leaves nothing; any other byte, even one
    that is not valid UTF-8, stays. Half the cost of a regex over `hex` (1.1 s against 2.2 s on
    top of a scan of 1M rows, local Spark)."""
    from pyspark.sql import functions as F

    rest = F.translate(F.col("scl_vals").cast("string"), _STORED_SCL_CHARS, "")
    return F.octet_length(rest) == 0


def row_problem(codec: str, check_dates: bool = True):
    """String Column: the first of the row-level `REASONS` up to "unknown_cdl" that applies
    to a course-layout row (columns as read), or null for a usable row. `cdl_code` must be
    present (null for an unknown name). `check_dates=False` leaves "bad_dates" out, for rows
    that `scan_dates` found none in."""
    from pyspark.sql import functions as F

    n = F.col("num_images")
    sane = F.when(n.between(0, MAX_IMAGES), n)  # null otherwise, so nothing can overflow
    any_null = F.lit(False)
    for name in _RAW:
        any_null = any_null | F.col(name).isNull()
    lengths_agree = F.lit(True)
    for column, per_image in bytes_per_image(codec).items():
        lengths_agree = lengths_agree & (F.length(column) == sane * per_image)
    lengths_agree = F.coalesce(lengths_agree, F.lit(False))
    problem = (
        F.when(any_null, F.lit("null_value"))
        .when(~has_location(), F.lit("bad_location"))
        .when(~lengths_agree, F.lit("corrupt_bytes"))
        .when(~scl_stored(), F.lit("bad_scl"))
    )
    if check_dates:
        problem = problem.when(~dates_ok(codec), F.lit("bad_dates"))
    return problem.when(n == 0, F.lit("empty_series")).when(
        F.col("cdl_code").isNull(), F.lit("unknown_cdl")
    )

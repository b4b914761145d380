"""The course layout: the Part 1 Parquet contract, stated once in code.

Every other module takes column names, types, band order and SCL codes from here. This
module knows nothing about decoding the byte columns (see `codecs`) or about files (see
`reader`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

#: Sentinel-2 L2A bands as stored, in the course's order (12 bands, no B10).
BANDS: tuple[str, ...] = (
    "B01",
    "B02",
    "B03",
    "B04",
    "B05",
    "B06",
    "B07",
    "B08",
    "B8A",
    "B09",
    "B11",
    "B12",
)
#: The course's common names for the same bands, same order.
BAND_NAMES: tuple[str, ...] = (
    "coastal",
    "blue",
    "green",
    "red",
    "rededge1",
    "rededge2",
    "rededge3",
    "nir",
    "nir08",
    "nir09",
    "swir16",
    "swir22",
)
NUM_BANDS = len(BANDS)
RED = BANDS.index("B04")
NIR = BANDS.index("B08")

#: Sen2Cor Scene Classification codes.
SCL_NAMES: dict[int, str] = {
    0: "no data",
    1: "saturated or defective",
    2: "dark area",
    3: "cloud shadow",
    4: "vegetation",
    5: "not vegetated",
    6: "water",
    7: "unclassified",
    8: "cloud medium probability",
    9: "cloud high probability",
    10: "thin cirrus",
    11: "snow or ice",
}
#: The SCL values Part 1 kept; images with any other value were dropped before storage.
STORED_SCL: frozenset[int] = frozenset({2, 3, 4, 5, 6, 10})
SCL_VEGETATION = 4


def scl_table(codes) -> np.ndarray:
    """bool [256]: which uint8 SCL values are among `codes`, as a lookup table."""
    table = np.zeros(256, bool)
    table[np.fromiter(codes, np.int64)] = True
    return table


def scl_in(scl: np.ndarray, codes) -> np.ndarray:
    """bool [n]: which uint8 SCL values are among `codes`; a 256-entry table lookup, several
    times faster than `np.isin` on the loader's millions of images."""
    return scl_table(codes)[scl]


def date_faults(days: np.ndarray, counts: np.ndarray, year=None):
    """What is wrong with each row's dates, as bool [rows] arrays: a date earlier than the
    one before it, a date outside `year` (an int, or one per row; None: not checked), and two
    images on one day. `days` are every row's dates concatenated (days since 1970-01-01),
    `counts` the images of each row."""
    row = np.repeat(np.arange(len(counts)), counts)
    days = days.astype(np.int64)
    steps, same_row = np.diff(days), row[1:] == row[:-1]

    def rows_where(images: np.ndarray) -> np.ndarray:
        found = np.zeros(len(counts), bool)
        found[images] = True
        return found

    outside = np.zeros(len(counts), bool)
    if year is not None:
        years = (np.broadcast_to(year, counts.shape) - 1970).astype("datetime64[Y]")
        first = years.astype("datetime64[D]").astype(np.int64)
        last = (years + 1).astype("datetime64[D]").astype(np.int64) - 1
        outside = rows_where(row[(days < first[row]) | (days > last[row])])
    back = rows_where(row[1:][same_row & (steps < 0)])
    return back, outside, rows_where(row[1:][same_row & (steps == 0)])


#: Columns of a course-layout Parquet file, with their Parquet (Arrow) types.
SCHEMA = pa.schema(
    [
        pa.field("lon", pa.float64()),
        pa.field("lat", pa.float64()),
        pa.field("CDL", pa.binary()),
        pa.field("num_images", pa.int64()),
        pa.field("bands", pa.binary()),
        pa.field("img_dates", pa.binary()),
        pa.field("scl_vals", pa.binary()),
        pa.field("tiles", pa.binary()),
    ]
)
#: Hive partition directories: `<root>/bbox=<left, bottom, right, top>/year=<YYYY>/`.
PARTITIONING = pa.schema([pa.field("bbox", pa.string()), pa.field("year", pa.int32())])
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
RAW_COLUMNS: tuple[str, ...] = COLUMNS + tuple(PARTITIONING.names)


def equivalent_type(actual: pa.DataType, expected: pa.DataType) -> bool:
    """True when `actual` carries the same values as `expected` (large variants allowed)."""
    if actual == expected:
        return True
    if expected == pa.binary():
        return actual in (pa.large_binary(), pa.binary_view())
    return False


def bbox_string(left: float, bottom: float, right: float, top: float) -> str:
    """The bbox partition value as Part 1 wrote it: EPSG:5070 metres, comma and space."""
    return ", ".join(f"{v:.1f}" for v in (left, bottom, right, top))


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """Parse a bbox partition value back into (left, bottom, right, top); ValueError if bad."""
    parts = [p.strip() for p in value.strip("()[] ").split(",")]
    if len(parts) != 4:
        raise ValueError(f"bbox {value!r} does not have four comma-separated numbers")
    left, bottom, right, top = (float(p) for p in parts)
    if not (left < right and bottom < top):
        raise ValueError(
            f"bbox {value!r} is not (left, bottom, right, top) with left<right, bottom<top"
        )
    return left, bottom, right, top

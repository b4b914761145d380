"""Decoding and encoding the course layout's byte columns, whole Arrow arrays at a time.

A binary Arrow array is one contiguous data buffer plus offsets, so a whole column decodes
with one `numpy.frombuffer` and no per-row Python. The element type of `bands` and
`img_dates` is the codec: `uint16be` as the course code wrote them, or `int32le` as the
slides decode them. `scl_vals` is always uint8. Checking rows against `num_images` is
the caller's business (see `validate` and `PixelSeries.check`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cropseries.errors import ConfigError
from cropseries.layout import NUM_BANDS

#: numpy dtypes of the two codecs, keyed by their configuration names.
CODECS: dict[str, np.dtype] = {"uint16be": np.dtype(">u2"), "int32le": np.dtype("<i4")}
DEFAULT_CODEC = "uint16be"


def codec_dtype(codec: str) -> np.dtype:
    """The numpy dtype of a codec name; ValueError naming the choices otherwise."""
    try:
        return CODECS[codec]
    except KeyError:
        raise ConfigError(f"unknown codec {codec!r}; choose one of {sorted(CODECS)}") from None


def binary_buffer(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The raw bytes and the [n+1] int64 byte offsets of a binary Arrow array (no copy).

    Null entries count as empty byte strings.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_large_binary(array.type) or pa.types.is_large_string(array.type):
        offset_type = np.int64
    elif pa.types.is_binary(array.type) or pa.types.is_string(array.type):
        offset_type = np.int32
    else:
        raise TypeError(f"expected a binary column, got {array.type}")
    _, offsets_buf, data_buf = array.buffers()
    n = len(array)
    itemsize = np.dtype(offset_type).itemsize
    offsets = np.frombuffer(
        offsets_buf, dtype=offset_type, count=n + 1, offset=array.offset * itemsize
    )
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return data, offsets.astype(np.int64)


def decode_column(
    array: pa.Array, dtype: np.dtype, native: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Decode a binary column of fixed-size elements.

    Returns (values, offsets): values is a flat native-endian array of every row's
    elements concatenated (with `native=False`, a zero-copy view of the Arrow buffer in
    `dtype`, e.g. big-endian), offsets an [n+1] int64 array of element offsets per row.
    Raises ValueError if the bytes span rows that are not whole elements; use
    `byte_lengths` first to find which rows are bad.
    """
    data, offsets = binary_buffer(array)
    start, end = int(offsets[0]), int(offsets[-1])
    size = dtype.itemsize
    if ((offsets - start) % size).any():
        raise ValueError(f"row byte lengths are not multiples of {size}")
    values = data[start:end].view(dtype)
    if native:
        values = values.astype(dtype.newbyteorder("="), copy=False)
    return values, (offsets - start) // size


def byte_lengths(array: pa.Array) -> np.ndarray:
    """Byte length of every row of a binary column, int64 [n]."""
    _, offsets = binary_buffer(array)
    return np.diff(offsets)


def bytes_per_image(codec: str) -> dict[str, int]:
    """Bytes one image takes in each byte column: the rule every reader checks rows by."""
    size = codec_dtype(codec).itemsize
    return {"bands": NUM_BANDS * size, "img_dates": size, "scl_vals": 1}


@dataclass(frozen=True)
class ByteLengths:
    """One byte column of a batch: bytes `found` in each row and bytes `needed`, int64 [n]."""

    column: str
    found: np.ndarray
    needed: np.ndarray

    @property
    def bad(self) -> np.ndarray:
        return self.found != self.needed

    def describe(self, row: int, num_images: int, codec: str) -> str:
        return (
            f"{int(self.found[row])} bytes, but num_images={num_images} needs "
            f"{int(self.needed[row])} ({codec})"
        )


def check_byte_lengths(
    batch: pa.RecordBatch, num_images: np.ndarray, codec: str
) -> list[ByteLengths]:
    """Every byte column's lengths against `num_images` [n] (int64, from the same batch)."""
    return [
        ByteLengths(column, byte_lengths(batch.column(column)), num_images * per_image)
        for column, per_image in bytes_per_image(codec).items()
    ]


def encode_rows(values: np.ndarray, counts: np.ndarray, dtype: np.dtype) -> pa.Array:
    """Pack a flat array into a binary Arrow array, `counts[i]` elements for row i."""
    data = np.ascontiguousarray(values, dtype=dtype).view(np.uint8)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.asarray(counts, np.int64) * dtype.itemsize, out=offsets[1:])
    if offsets[-1] < 2**31:
        return pa.BinaryArray.from_buffers(
            pa.binary(),
            len(counts),
            [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)],
        )
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(counts), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


@dataclass(frozen=True)
class PixelSeries:
    """The decoded series of a batch of rows, flat and ragged.

    `bands` is [total_images, 12] (DN, int32; or the codec's dtype if left unconverted),
    `dates` [total_images] int32 days since 1970-01-01, `scl` [total_images] uint8, and
    `offsets` [rows+1] int64: row i owns images offsets[i]:offsets[i+1].
    """

    bands: np.ndarray
    dates: np.ndarray
    scl: np.ndarray
    offsets: np.ndarray

    @property
    def num_rows(self) -> int:
        return len(self.offsets) - 1

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row_index(self) -> np.ndarray:
        """For every image, the row it belongs to: int64 [total_images]."""
        return np.repeat(np.arange(self.num_rows), self.counts)


def decode_series(
    batch: pa.RecordBatch | pa.Table, codec: str = DEFAULT_CODEC, convert_bands: bool = True
) -> PixelSeries:
    """Decode `bands`, `img_dates` and `scl_vals` of a batch, trusting `num_images`.

    The batch must already be consistent (validated, or split by 01_split, which excludes
    corrupt rows); a row whose byte lengths disagree with `num_images` raises ValueError.
    With `convert_bands=False`, `bands` stays a zero-copy view in the codec's dtype, for
    callers that convert only the images they use (the loader).
    """
    dtype = codec_dtype(codec)
    num_images = np.asarray(batch.column("num_images"), dtype=np.int64)
    bands, band_offsets = decode_column(batch.column("bands"), dtype, native=convert_bands)
    dates, date_offsets = decode_column(batch.column("img_dates"), dtype)
    scl, scl_offsets = decode_column(batch.column("scl_vals"), np.dtype(np.uint8))
    offsets = np.zeros(len(num_images) + 1, dtype=np.int64)
    np.cumsum(num_images, out=offsets[1:])
    for name, got, per_image in (
        ("bands", band_offsets, NUM_BANDS),
        ("img_dates", date_offsets, 1),
        ("scl_vals", scl_offsets, 1),
    ):
        if not np.array_equal(got, offsets * per_image):
            row = int(np.argmax(np.diff(got) != num_images * per_image))
            raise ValueError(
                f"row {row}: column {name!r} holds {int(got[row + 1] - got[row])} values "
                f"but num_images={int(num_images[row])} needs {int(num_images[row]) * per_image} "
                f"(codec {codec})"
            )
    if convert_bands:
        bands = bands.astype(np.int32, copy=False)
    return PixelSeries(
        bands=bands.reshape(-1, NUM_BANDS),
        dates=dates.astype(np.int32, copy=False),
        scl=scl,
        offsets=offsets,
    )


def encode_table(
    *,
    lon: np.ndarray,
    lat: np.ndarray,
    cdl: list[str] | np.ndarray,
    series: PixelSeries,
    tiles: list[str] | np.ndarray,
    codec: str = DEFAULT_CODEC,
) -> pa.Table:
    """Rows in the course layout (without the bbox/year partition columns).

    The inverse of `decode_series`: `series` holds every row's images, `tiles` one
    comma-joined `<MGRS tile>_<n>` string per row.
    """
    from cropseries.layout import SCHEMA

    dtype = codec_dtype(codec)
    counts = series.counts
    columns = [
        pa.array(np.asarray(lon, np.float64)),
        pa.array(np.asarray(lat, np.float64)),
        pa.array([str(n).encode() for n in cdl], pa.binary()),
        pa.array(counts.astype(np.int64)),
        encode_rows(series.bands.reshape(-1), counts * NUM_BANDS, dtype),
        encode_rows(series.dates, counts, dtype),
        encode_rows(series.scl, counts, np.dtype(np.uint8)),
        pa.array([str(t).encode() for t in tiles], pa.binary()),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cropseries.codecs import (
    CODECS,
    PixelSeries,
    byte_lengths,
    decode_column,
    decode_series,
    encode_rows,
    encode_table,
)


def series_from_counts(counts, rng):
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(offsets[-1])
    return PixelSeries(
        bands=rng.integers(0, 65535, size=(total, 12)).astype(np.int32),
        dates=np.sort(rng.integers(17897, 19000, size=total)).astype(np.int32),
        scl=rng.choice([2, 3, 4, 5, 6, 10], size=total).astype(np.uint8),
        offsets=offsets,
    )


@pytest.mark.parametrize("codec", sorted(CODECS))
@given(counts=st.lists(st.integers(0, 70), min_size=1, max_size=20), seed=st.integers(0, 2**16))
def test_series_round_trip_through_table(codec, counts, seed):
    series = series_from_counts(np.array(counts), np.random.default_rng(seed))
    n = len(counts)
    table = encode_table(
        lon=np.zeros(n),
        lat=np.zeros(n),
        cdl=["Corn"] * n,
        series=series,
        tiles=["15SXR_0"] * n,
        codec=codec,
    )
    back = decode_series(table, codec)
    np.testing.assert_array_equal(back.bands, series.bands)
    np.testing.assert_array_equal(back.dates, series.dates)
    np.testing.assert_array_equal(back.scl, series.scl)
    np.testing.assert_array_equal(back.offsets, series.offsets)


def test_uint16_codec_is_big_endian_image_major():
    # Two images: band values 1..12 then 13..24, written as the course wrote them.
    raw = np.arange(1, 25, dtype=">u2").tobytes()
    values, offsets = decode_column(pa.array([raw], pa.binary()), CODECS["uint16be"])
    assert raw[:2] == b"\x00\x01"
    np.testing.assert_array_equal(values.reshape(2, 12)[1], np.arange(13, 25))
    np.testing.assert_array_equal(offsets, [0, 24])


def test_int32_codec_is_little_endian():
    raw = np.array([70000, 3], "<i4").tobytes()
    values, _ = decode_column(pa.array([raw]), CODECS["int32le"])
    np.testing.assert_array_equal(values, [70000, 3])


def test_decoding_a_sliced_array_respects_its_offset():
    arr = encode_rows(np.arange(10, dtype=np.uint16), np.array([3, 3, 4]), CODECS["uint16be"])
    values, offsets = decode_column(arr.slice(1), CODECS["uint16be"])
    np.testing.assert_array_equal(values, np.arange(3, 10))
    np.testing.assert_array_equal(offsets, [0, 3, 7])
    np.testing.assert_array_equal(byte_lengths(arr.slice(1)), [6, 8])


def test_row_with_wrong_length_names_row_and_column():
    series = series_from_counts(np.array([2, 3]), np.random.default_rng(0))
    table = encode_table(
        lon=np.zeros(2), lat=np.zeros(2), cdl=["Corn", "Rice"], series=series, tiles=["a", "b"]
    )
    table = table.set_column(3, "num_images", pa.array([2, 4], pa.int64()))
    with pytest.raises(ValueError, match=r"row 1: column 'bands' holds 36 values but num_images=4"):
        decode_series(table)

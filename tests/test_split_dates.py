"""01_split's date check (numpy, inside a pandas UDF) against a plain per-row reference."""

import datetime

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.codecs import CODECS
from cropseries.split.checks import dates_in_year

EPOCH = datetime.date(1970, 1, 1)


def reference(raw: bytes | None, num_images: int, year: int, codec: str) -> bool:
    """Ascending and inside the year; a row that cannot be decoded is left to other checks."""
    dtype = CODECS[codec]
    if raw is None or num_images < 0 or len(raw) != num_images * dtype.itemsize:
        return True
    days = [int(v) for v in np.frombuffer(raw, dtype)]
    first = (datetime.date(year, 1, 1) - EPOCH).days
    last = (datetime.date(year, 12, 31) - EPOCH).days
    ascending = all(a <= b for a, b in zip(days, days[1:], strict=False))
    return ascending and all(first <= d <= last for d in days)


day = st.integers(18_200, 19_400)  # 2019-10 .. 2023-02: around 2021 and 2022 on both sides
row = st.tuples(
    st.one_of(st.none(), st.lists(day, max_size=8)),
    st.integers(-2, 1),  # added to the true image count: 0 keeps it, others corrupt it
    st.sampled_from([2020, 2021, 2022]),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(row, max_size=30), codec=st.sampled_from(sorted(CODECS)))
def test_dates_in_year_matches_the_reference(rows, codec):
    dtype = CODECS[codec]
    raws = [None if d is None else np.asarray(d, dtype).tobytes() for d, _, _ in rows]
    counts = np.array([(0 if d is None else len(d)) + off for d, off, _ in rows], np.int64)
    years = np.array([y for _, _, y in rows], np.int64)
    got = dates_in_year(pa.array(raws, pa.binary()), counts, years, codec)
    rows_in = zip(raws, counts, years, strict=True)
    expected = [reference(r, int(n), int(y), codec) for r, n, y in rows_in]
    assert got.tolist() == expected


def test_a_step_back_and_a_day_outside_the_year_are_caught():
    dtype = CODECS["uint16be"]
    jan1, dec31 = 18_628, 18_992  # 2021
    rows = [[jan1, jan1, dec31], [jan1 + 5, jan1 + 4], [jan1 - 1, jan1], [dec31, dec31 + 1], []]
    raws = [np.asarray(r, dtype).tobytes() for r in rows]
    counts = np.array([len(r) for r in rows])
    got = dates_in_year(pa.array(raws, pa.binary()), counts, np.full(5, 2021), "uint16be")
    assert got.tolist() == [True, False, False, False, True]

"""Exact band histograms: merged across partitions, their medians are numpy's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.histogram import NUM_BINS, add, band_histograms, medians, sparse


@settings(max_examples=100, deadline=None)
@given(
    parts=st.lists(
        st.lists(
            st.tuples(st.integers(0, 65535), st.integers(0, 65535), st.booleans()), max_size=30
        ),
        min_size=1,
        max_size=4,
    )
)
def test_merged_sparse_histograms_give_numpys_median(parts):
    merged = np.zeros((2, NUM_BINS), np.int64)
    everything = []
    for part in parts:  # a partition each: two bands, the second valid only where flagged
        values = np.array([[a, b] for a, b, _ in part], np.uint16).reshape(-1, 2)
        valid = np.array([[a != 0, b != 0 and keep] for a, b, keep in part], bool).reshape(-1, 2)
        bins, counts = sparse(band_histograms(values, valid))
        band = np.repeat(np.arange(2), [len(b) for b in bins])
        add(merged, band, np.concatenate(bins), np.concatenate(counts))
        everything.append((values, valid))
    values = np.concatenate([v for v, _ in everything]).astype(np.int64)
    valid = np.concatenate([m for _, m in everything])
    for band in range(2):
        column = values[valid[:, band], band]
        expected = np.median(column) if column.size else np.nan
        np.testing.assert_array_equal(medians(merged)[band], expected)
        assert merged[band].sum() == column.size


def test_a_dn_beyond_16_bits_is_refused():
    with pytest.raises(ValueError, match="outside 0..65535"):
        band_histograms(np.array([[70000]], np.int32), np.array([[True]]))

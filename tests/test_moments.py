"""The partial-moment kernel and Chan's merge against plain numpy (no Spark)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.codecs import PixelSeries
from cropseries.moments import Moments, batch_moments, valid_observations


def moments_of(values: np.ndarray) -> Moments:
    """One group, one band."""
    column = values.reshape(-1, 1)
    return batch_moments(column, np.ones_like(column, bool), np.zeros(len(values), np.int64), 1)


@settings(max_examples=200, deadline=None)
@given(
    offset=st.sampled_from([0, 1000, 65000, 65530]),
    spread=st.integers(1, 6),
    sizes=st.lists(st.integers(0, 4), min_size=1, max_size=300),
    seed=st.integers(0, 2**32 - 1),
)
def test_chan_merge_of_any_partition_equals_numpy(offset, spread, sizes, seed):
    """Many tiny partitions of values near 65535 with a tiny spread (hard for naive sums)."""
    rng = np.random.default_rng(seed)
    values = offset + rng.integers(0, spread, size=sum(sizes))
    merged = Moments.empty(1, 1)
    for part in np.split(values, np.cumsum(sizes)[:-1]):
        merged = merged.merge(moments_of(part))
    assert merged.count[0, 0] == len(values)
    if len(values) == 0:
        assert np.isnan(merged.std()[0, 0])
        return
    assert merged.mean[0, 0] == pytest.approx(values.mean(), rel=1e-12)
    assert merged.variance()[0, 0] == pytest.approx(values.var(), rel=1e-9, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), groups=st.integers(1, 7), rows=st.integers(0, 400))
def test_batch_moments_per_group_equal_numpy(seed, groups, rows):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 65536, size=(rows, 12))
    valid = rng.random((rows, 12)) < 0.8
    group = rng.integers(0, groups, size=rows)
    moments = batch_moments(values, valid, group, groups)
    for g in range(groups):
        for band in range(12):
            x = values[(group == g) & valid[:, band], band].astype(np.float64)
            assert moments.count[g, band] == len(x)
            if len(x):
                assert moments.mean[g, band] == pytest.approx(x.mean(), rel=1e-12)
                assert moments.std()[g, band] == pytest.approx(x.std(), rel=1e-9, abs=1e-9)
            else:
                assert moments.m2[g, band] == 0 and np.isnan(moments.std()[g, band])


def test_total_merges_groups_into_the_moments_of_all_rows():
    rng = np.random.default_rng(1)
    values = rng.integers(1, 10000, size=(500, 12))
    valid = np.ones_like(values, bool)
    per_group = batch_moments(values, valid, rng.integers(0, 5, 500), 5).total()
    together = batch_moments(values, valid, np.zeros(500, np.int64), 1)
    np.testing.assert_array_equal(per_group.count, together.count)
    np.testing.assert_allclose(per_group.mean, together.mean, rtol=1e-13)
    np.testing.assert_allclose(per_group.m2, together.m2, rtol=1e-11)


def test_merging_empty_moments_changes_nothing():
    some = moments_of(np.array([3, 5, 10]))
    for merged in (some.merge(Moments.empty(1, 1)), Moments.empty(1, 1).merge(some)):
        assert merged.count[0, 0] == 3
        assert merged.mean[0, 0] == 6.0
        assert merged.m2[0, 0] == pytest.approx(26.0)


def test_zeros_and_excluded_scl_are_not_observations():
    series = PixelSeries(
        bands=np.array([[0] + [1] * 11, [2] * 12, [3] * 12], np.int32),
        dates=np.array([1, 2, 3], np.int32),
        scl=np.array([4, 3, 10], np.uint8),
        offsets=np.array([0, 3]),
    )
    every = valid_observations(series)
    assert every[:, 0].tolist() == [False, True, True] and every[:, 1:].all()
    no_shadow = valid_observations(series, exclude_scl=(3,))
    assert no_shadow[:, 0].tolist() == [False, False, True]
    assert no_shadow[:, 1].tolist() == [True, False, True]

"""The bucketing kernel against the per-row reference, on random series and named cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loader_reference import reference_example, reference_label, reference_ndvi

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.legend import course_legend
from cropseries.loader.bucketing import (
    DAY,
    NDVI,
    SCL,
    Windows,
    bucketize,
    filter_observations,
    ndvi,
)
from cropseries.loader.labels import apply_vegetation_rule
from cropseries.loader.windows import RandomStart, StartDays, cut_windows, last_days

BASE = 18628  # 2021-01-01 in days since 1970-01-01
STORED_SCL = (2, 3, 4, 5, 6, 10)


def make_series(rows: list[dict]) -> PixelSeries:
    """Rows given as dicts of `days` (from an arbitrary first date), `bands`, `scl`."""
    counts = [len(r["days"]) for r in rows]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return PixelSeries(
        bands=np.concatenate([np.reshape(r["bands"], (-1, 12)) for r in rows]).astype(np.int32),
        dates=(BASE + np.concatenate([np.asarray(r["days"], np.int64) for r in rows])).astype(
            np.int32
        ),
        scl=np.concatenate([np.asarray(r["scl"], np.int64) for r in rows]).astype(np.uint8),
        offsets=offsets,
    )


def random_row(rng, days) -> dict:
    n = len(days)
    return {
        "days": sorted(days),
        "bands": rng.integers(0, 9000, size=(n, 12)),
        "scl": rng.choice(STORED_SCL, size=n),
    }


def assert_matches_reference(series, windows, config):
    """Every example of the kernel equals the reference's for its row and draws."""
    got = bucketize(series, windows, config)
    for e, (row, start) in enumerate(zip(windows.rows, windows.start_days, strict=True)):
        lo, hi = series.offsets[row], series.offsets[row + 1]

        def keys(k, lo=lo, hi=hi):
            return None if k is None else list(k[lo:hi])

        raw, filled, vegetated = reference_example(
            series.dates[lo:hi],
            series.bands[lo:hi],
            series.scl[lo:hi],
            int(start),
            subsample_keys=keys(windows.subsample_keys),
            pick_keys=keys(windows.pick_keys),
            days_in_series=config.days_in_series,
            days_per_bucket=config.days_per_bucket,
            max_images=config.max_images,
            anchor=config.anchor,
            clip_days=config.clip_days,
        )
        np.testing.assert_array_equal(got.raw[e], raw, err_msg=f"example {e} (row {row})")
        np.testing.assert_array_equal(got.filled[e], filled)
        assert got.vegetated[e] == vegetated


series_days_strategy = st.one_of(
    st.lists(st.integers(0, 500), max_size=70),  # sparse, across a year and beyond
    st.lists(st.integers(0, 130), min_size=20, max_size=70),  # dense: > 25 images per window
    st.lists(st.integers(0, 60), max_size=10),  # shorter than 120 days
    st.lists(st.sampled_from([0, 1, 2, 5, 10]), max_size=8),  # several per bucket, same days
)
configs = st.builds(
    LoaderConfig,
    pick=st.sampled_from(["earliest", "random"]),
    anchor=st.sampled_from(["first_kept", "window_start"]),
    days_per_bucket=st.sampled_from([5, 7]),
    max_images=st.sampled_from([25, 3]),
)


@settings(max_examples=150, deadline=None)
@given(
    all_days=st.lists(series_days_strategy, min_size=1, max_size=6),
    config=configs,
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_kernel_equals_reference_on_random_series(all_days, config, seed, data):
    rng = np.random.default_rng(seed)
    series = make_series([random_row(rng, d) for d in all_days])
    # Start days: random, or exactly on an image so that it lies on a window edge.
    starts = []
    for days in all_days:
        edges = [d for d in days] + [max(0, d - config.days_in_series) for d in days]
        # Negative: a window reaching before the first image (the season as of an early day).
        starts.append(data.draw(st.one_of(st.integers(-150, 300), st.sampled_from(edges or [0]))))
    total = len(series.dates)
    # Keys from a tiny range as well, so that ties (broken by time) happen.
    key_range = data.draw(st.sampled_from([3, 2**32]))

    def keys():
        return rng.integers(0, key_range, size=total, dtype=np.uint32)

    windows = Windows(
        rows=np.arange(len(all_days)),
        start_days=np.asarray(starts),
        subsample_keys=keys() if data.draw(st.booleans()) else None,
        pick_keys=keys() if config.pick == "random" else None,
    )
    assert_matches_reference(series, windows, config)
    # Keys given as a function of the image index give the same examples as the array.
    as_functions = Windows(
        windows.rows,
        windows.start_days,
        *(
            None if k is None else k.__getitem__
            for k in (windows.subsample_keys, windows.pick_keys)
        ),
    )
    np.testing.assert_array_equal(
        bucketize(series, as_functions, config).raw, bucketize(series, windows, config).raw
    )


@settings(max_examples=50, deadline=None)
@given(all_days=st.lists(series_days_strategy, min_size=1, max_size=6), seed=st.integers(0, 99))
def test_training_windows_draw_start_days_in_course_range(all_days, seed):
    rng = np.random.default_rng(seed)
    series = make_series([random_row(rng, d) for d in all_days])
    rows = np.arange(series.num_rows)
    windows = cut_windows(RandomStart(), series, rows, rng, LoaderConfig(), training=True)
    high = np.maximum(1, last_days(series) - 120)
    assert ((windows.start_days >= 0) & (windows.start_days < high)).all()
    drawn = windows.subsample_keys(np.arange(7))
    assert drawn.dtype == np.uint32 and len(drawn) == 7
    assert windows.pick_keys is None
    pinned = Windows(windows.rows, windows.start_days)  # the reference at the drawn starts
    assert_matches_reference(series, pinned, LoaderConfig(subsample=False))


def test_evaluation_windows_are_row_major_and_deterministic():
    series = make_series([random_row(np.random.default_rng(0), [0, 30, 60])] * 8)
    rows, grid = np.array([4, 7]), StartDays((0, 15, 200))
    w = cut_windows(grid, series, rows, None, LoaderConfig(), training=False)
    np.testing.assert_array_equal(w.rows, [4, 4, 4, 7, 7, 7])
    np.testing.assert_array_equal(w.start_days, [0, 15, 200, 0, 15, 200])
    assert w.subsample_keys is None and w.pick_keys is None


def one_row(days, scl=None, bands=None):
    n = len(days)
    scl = [4] * n if scl is None else scl
    bands = np.tile(np.arange(1, 13), (n, 1)) * 100 if bands is None else bands
    return make_series([{"days": days, "bands": bands, "scl": scl}])


def bucket_one(series, start, config=None, **keys):
    config = config or LoaderConfig()
    return bucketize(series, Windows(np.array([0]), np.array([start]), **keys), config)


def test_window_edges_are_inclusive():
    got = bucket_one(one_row([0, 9, 10, 130, 131]), start=10)
    # the day channel counts from the first kept image (day 10): course_facts section 4
    np.testing.assert_array_equal(got.raw[0][got.filled[0], DAY], [0, 120])
    np.testing.assert_array_equal(np.flatnonzero(got.filled[0]), [0, 24])


def test_buckets_and_the_day_channel_count_from_the_anchor():
    got = bucket_one(one_row([0, 12, 14, 18, 30]), start=11)
    # kept days 12, 14, 18, 30 -> buckets (d - 12) // 5 = 0, 0, 1, 3; earliest wins in bucket 0;
    # the day channel is d - 12, the day the bucket index comes from (course_facts section 4)
    np.testing.assert_array_equal(np.flatnonzero(got.filled[0]), [0, 1, 3])
    np.testing.assert_array_equal(got.raw[0, [0, 1, 3], DAY], [0, 6, 18])
    assert got.anchor_days[0] == 12
    anchored = bucket_one(one_row([0, 12, 14, 18, 30]), 11, LoaderConfig(anchor="window_start"))
    np.testing.assert_array_equal(np.flatnonzero(anchored.filled[0]), [0, 1, 3])
    np.testing.assert_array_equal(anchored.raw[0, [0, 1, 3], DAY], [1, 7, 19])
    assert anchored.anchor_days[0] == 11


def test_random_pick_keeps_the_smallest_key_of_a_bucket():
    series = one_row([0, 1, 2, 3])
    got = bucket_one(series, 0, pick_keys=np.array([9, 2, 5, 7], np.uint32))
    np.testing.assert_array_equal(np.flatnonzero(got.filled[0]), [0])
    assert got.raw[0, 0, DAY] == 1


def test_subsample_keeps_the_25_smallest_keys_in_time_order():
    days = list(range(0, 60, 2))  # 30 images in the window [0, 120]
    keys = np.arange(30, dtype=np.uint32)[::-1].copy()  # the last 25 images have the smallest keys
    got = bucket_one(one_row(days), 0, subsample_keys=keys)
    kept_days = got.raw[0][got.filled[0], DAY] + got.anchor_days[0]
    assert got.anchor_days[0] == 10  # images at days 0..8 were dropped; buckets from day 10
    # days 10..58 two per 5-day bucket: the earlier (even offsets 0, 4 -> 10, 14 share bucket 0)
    np.testing.assert_array_equal(kept_days, [10, 16, 20, 26, 30, 36, 40, 46, 50, 56])


def test_more_than_25_images_without_subsample_keep_every_bucket():
    got = bucket_one(one_row(list(range(0, 121, 2))), 0)
    assert got.filled[0].all()
    np.testing.assert_array_equal(got.raw[0, :, DAY], np.arange(0, 121, 5) + np.arange(25) % 2)


def test_empty_window_and_empty_series_give_zeros():
    for series, start in ((one_row([0, 5]), 50), (one_row([]), 0)):
        got = bucket_one(series, start)
        assert not got.raw.any() and not got.filled.any() and not got.vegetated[0]


def test_days_past_365_are_clipped_into_one_bucket():
    got = bucket_one(one_row([0, 300, 364, 366, 380, 420]), 300)
    # clipped: 300, 364, 365, 365, 365 -> buckets 0, 12, 13, 13, 13; the earliest (366) wins,
    # and its day channel is clip(366 - 300, 0, 365) = 66
    np.testing.assert_array_equal(np.flatnonzero(got.filled[0]), [0, 12, 13])
    np.testing.assert_array_equal(got.raw[0, [0, 12, 13], DAY], [0, 64, 66])


def test_ndvi_truncates_toward_zero_and_defines_zero_sum():
    bands = np.zeros((6, 12), np.int64)
    pairs = [(100, 300), (300, 100), (0, 0), (1, 2), (2, 1), (7, 93)]  # (red, nir)
    for i, (red, nir) in enumerate(pairs):
        bands[i, 3], bands[i, 7] = red, nir
    np.testing.assert_array_equal(ndvi(bands), [50, -50, 0, 33, -33, 86])
    assert [reference_ndvi(r, n) for r, n in pairs] == [50, -50, 0, 33, -33, 86]


def test_ndvi_channel_and_scl_channel_are_filled():
    bands = np.zeros((1, 12), np.int64)
    bands[0, 3], bands[0, 7] = 1000, 3000
    got = bucket_one(one_row([0], scl=[5], bands=bands), 0)
    assert got.raw[0, 0, NDVI] == 50 and got.raw[0, 0, SCL] == 5


def test_scl_filter_drops_observations_before_windowing():
    series = one_row([0, 10, 20], scl=[3, 4, 4])
    filtered = filter_observations(series, (3,))
    np.testing.assert_array_equal(filtered.dates - filtered.dates[0], [0, 10])
    np.testing.assert_array_equal(filtered.offsets, [0, 2])
    raw, _, _ = reference_example(series.dates, series.bands, series.scl, 0, exclude_scl=(3,))
    np.testing.assert_array_equal(bucket_one(filtered, 0).raw[0], raw)


@pytest.mark.parametrize(
    ("scl", "vegetated"),
    [
        ([4, 5, 5], False),  # vegetation only before the last two buckets
        ([5, 4, 5], True),  # second to last
        ([5, 5, 4], True),  # last
        ([4], True),  # one filled bucket
        ([5], False),
        ([], False),  # empty window
    ],
)
def test_vegetation_looks_at_the_last_two_filled_buckets(scl, vegetated):
    days = [0, 20, 40][: len(scl)]
    assert bucket_one(one_row(days, scl=scl), 0).vegetated[0] == vegetated


@pytest.mark.parametrize(
    ("name", "vegetated", "expected"),
    [
        ("Corn", True, "Corn"),
        ("Corn", False, "No Crop Growing"),
        ("Cultivated", False, "No Crop Growing"),
        ("Uncultivated", False, "Uncultivated"),
        ("Uncultivated", True, "Uncultivated"),
    ],
)
def test_vegetation_rule_turns_unvegetated_crops_into_no_crop(name, vegetated, expected):
    legend = course_legend()
    label = legend.classes.index(name)
    got = apply_vegetation_rule(np.array([label]), np.array([vegetated]), legend)
    assert legend.classes[got[0]] == expected
    ref = reference_label(label, vegetated, legend.rest_index, legend.no_crop_index)
    assert got[0] == ref


def test_kernel_reads_big_endian_bands_without_converting_them_first():
    rng = np.random.default_rng(3)
    series = make_series([random_row(rng, list(range(0, 200, 3))) for _ in range(3)])
    big_endian = PixelSeries(series.bands.astype(">u2"), series.dates, series.scl, series.offsets)
    windows = Windows(np.arange(3), np.array([0, 40, 80]))
    np.testing.assert_array_equal(
        bucketize(big_endian, windows, LoaderConfig()).raw,
        bucketize(series, windows, LoaderConfig()).raw,
    )


def test_the_kernel_compiles_where_no_cache_can_be_written(monkeypatch):
    import numba.core.caching

    from cropseries.loader.compiled import compiled

    def add_one(x):
        return x + 1

    monkeypatch.setattr(numba.core.caching.CacheImpl, "_locator_classes", [])
    with pytest.raises(RuntimeError, match="no locator"):
        numba.njit(cache=True)(add_one)
    assert compiled(add_one)(41) == 42

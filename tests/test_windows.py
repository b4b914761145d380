"""Window strategies: each against an obviously correct per-row reference, on random series."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bucketing import BASE, assert_matches_reference, make_series, random_row

from cropseries.config import LoaderConfig
from cropseries.errors import ConfigError
from cropseries.loader.bucketing import bucketize
from cropseries.loader.windows import (
    EndingOn,
    RandomStart,
    SeasonPart,
    StartDays,
    cut_windows,
    parse_window,
)

EPOCH = dt.date(1970, 1, 1)
row_days = st.lists(st.integers(0, 420), max_size=40)
series_firsts = st.integers(-400, 400)  # first images from late 2019 to early 2022


def series_of(all_days, firsts, seed=0):
    """Rows whose first image lies `firsts[i]` days after 2021-01-01."""
    rng = np.random.default_rng(seed)
    rows = []
    for days, first in zip(all_days, firsts, strict=True):
        row = random_row(rng, days)
        row["days"] = [first + d - min(days) for d in row["days"]]  # empty stays empty
        rows.append(row)
    return make_series(rows)


def row_dates(series, row) -> list[dt.date]:
    lo, hi = series.offsets[row], series.offsets[row + 1]
    return [EPOCH + dt.timedelta(days=int(d)) for d in series.dates[lo:hi]]


def reference_ending_start(dates: list[dt.date], month: int, day: int, length: int) -> int:
    """Days from the row's first image to `length` days before month-day of its year."""
    year = dates[0].year
    end = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
    return (end - dates[0]).days - length


@settings(max_examples=100, deadline=None)
@given(
    all_days=st.lists(row_days, min_size=1, max_size=5),
    data=st.data(),
    month=st.integers(1, 12),
    day=st.integers(1, 31),
    length=st.sampled_from([120, 60, 200]),
)
def test_ending_on_ends_every_window_on_the_date_of_its_rows_year(
    all_days, data, month, day, length
):
    firsts = [data.draw(series_firsts) for _ in all_days]
    series = series_of(all_days, firsts)
    config = LoaderConfig(days_in_series=length, subsample=False)
    strategy = EndingOn(month, min(day, calendar.monthrange(2000, month)[1]))
    rows = np.arange(series.num_rows)
    windows = cut_windows(strategy, series, rows, None, config, training=False)
    for e, row in enumerate(windows.rows):
        dates = row_dates(series, row)
        start = reference_ending_start(dates, strategy.month, strategy.day, length) if dates else 0
        assert windows.start_days[e] == start
    bucketed = bucketize(series, windows, config)
    kept_dates = series.dates[bucketed.kept_images]
    owner = np.repeat(np.arange(len(windows.rows)), bucketed.kept_counts)
    for e, row in enumerate(windows.rows):
        dates = row_dates(series, row)
        if not dates:
            assert bucketed.kept_counts[e] == 0
            continue
        end = dates[0] + dt.timedelta(days=int(windows.start_days[e]) + length)
        inside = [d for d in dates if end - dt.timedelta(days=length) <= d <= end]
        got = [EPOCH + dt.timedelta(days=int(d)) for d in kept_dates[owner == e]]
        assert got == inside  # every image of the look-back, none after the date
    assert_matches_reference(series, windows, config)


@settings(max_examples=100, deadline=None)
@given(
    all_days=st.lists(row_days, min_size=1, max_size=5),
    parts=st.lists(st.sampled_from(["early", "mid", "late"]), min_size=1, max_size=3, unique=True),
    length=st.sampled_from([120, 30]),
)
def test_season_parts_start_at_their_share_of_the_room_row_major(all_days, parts, length):
    series = series_of(all_days, [0] * len(all_days))
    config = LoaderConfig(days_in_series=length)
    windows = cut_windows(
        SeasonPart(tuple(parts)), series, np.arange(series.num_rows), None, config, False
    )
    expected_rows, expected_starts = [], []
    for row, days in enumerate(all_days):
        room = max(0, max(days) - min(days) - length) if days else 0
        share = {"early": 0, "mid": room // 2, "late": room}
        expected_rows += [row] * len(parts)
        expected_starts += [share[p] for p in parts]
    np.testing.assert_array_equal(windows.rows, expected_rows)
    np.testing.assert_array_equal(windows.start_days, expected_starts)
    assert windows.subsample_keys is None and windows.pick_keys is None
    assert_matches_reference(series, windows, config)


def test_late_windows_end_at_the_last_image_and_early_ones_start_at_the_first():
    series = make_series([random_row(np.random.default_rng(1), [0, 40, 100, 250, 300])])
    config = LoaderConfig(subsample=False)
    windows = cut_windows(SeasonPart(), series, np.array([0]), None, config, training=False)
    kept = bucketize(series, windows, config)
    owner = np.repeat(np.arange(3), kept.kept_counts)
    days = series.dates[kept.kept_images] - BASE
    assert days[owner == 0].min() == 0 and days[owner == 2].max() == 300
    np.testing.assert_array_equal(days[owner == 1], [100])  # 90 .. 210


def test_training_with_a_strategy_keeps_its_starts_and_draws_the_keys():
    rng = np.random.default_rng(3)
    series = make_series([random_row(rng, list(range(0, 300, 3)))])
    config = LoaderConfig(pick="random")
    windows = cut_windows(EndingOn(7, 1), series, np.array([0]), rng, config, training=True)
    assert windows.start_days[0] == (dt.date(2021, 7, 1) - dt.date(2021, 1, 1)).days - 120
    assert len(windows.subsample_keys(np.arange(5))) == 5
    assert windows.pick_keys is not None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("random", RandomStart()),
        ("starts:0,15,...,45", StartDays((0, 15, 30, 45))),
        ("ending:07-01", EndingOn(7, 1)),
        (" ending:02-29 ", EndingOn(2, 29)),
        ("season:late", SeasonPart(("late",))),
        ("season:early,mid,late", SeasonPart()),
    ],
)
def test_parse_window(text, expected):
    assert parse_window(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("ending:13-01", "not a date"),
        ("ending:July", "MM-DD"),
        ("season:spring", "choose from early, mid, late"),
        ("season:", "choose from early, mid, late"),
        ("season:late,late", "named twice"),
        ("starts:--5", "whole numbers"),
        ("starts:-5", "none negative"),
        ("sometimes", "choose 'random'"),
        ("random:3", "choose 'random'"),
    ],
)
def test_parse_window_refuses_with_one_line(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_window(text)


def test_february_29_is_the_28th_in_a_common_year():
    series = make_series([random_row(np.random.default_rng(0), [0, 10])])  # 2021
    windows = cut_windows(EndingOn(2, 29), series, np.array([0]), None, LoaderConfig(), False)
    assert windows.start_days[0] == (dt.date(2021, 2, 28) - dt.date(2021, 1, 1)).days - 120

"""The course's way to normalization constants, restated as a reference to compare against.

The course pushed its train split through its loader once and took the mean and std of
the bucketed windows, zeros ignored (course_facts section 4): one random window of 120
days per pixel, at most 25 images subsampled, the earliest image per 5-day bucket. This
module restates that per row in plain numpy (slow, for moderate samples only); the
statistics the project uses come from `cropseries.stats.stage`; `bench/stats.py` runs both.
"""

from __future__ import annotations

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.moments import Moments, batch_moments

#: The course's loader settings (the defaults of `LoaderConfig`).
COURSE = LoaderConfig()
#: The course clipped days since the first kept image to [0, MAX_DAY] before bucketing.
MAX_DAY = 365


def course_window_images(
    days: np.ndarray, rng: np.random.Generator, config: LoaderConfig = COURSE
) -> np.ndarray:
    """Indices of the images the course's training loader kept for one series, in time order.

    `days` int [images]: days since the first image of the series, ascending. A start day
    uniform in [0, max(1, last_day - days_in_series)); images within [start, start +
    days_in_series]; a random subsample of at most `max_images`; then, per bucket of
    `days_per_bucket` days counted from the first kept image, the earliest one.
    """
    if len(days) == 0:
        return np.zeros(0, np.int64)
    start = rng.integers(0, max(1, int(days[-1]) - config.days_in_series))
    window = np.flatnonzero((days >= start) & (days <= start + config.days_in_series))
    if len(window) > config.max_images:
        window = np.sort(rng.choice(window, size=config.max_images, replace=False))
    if len(window) == 0:
        return window
    since_first = np.clip(days[window] - days[window[0]], 0, MAX_DAY)
    _, first_in_bucket = np.unique(since_first // config.days_per_bucket, return_index=True)
    return window[first_in_bucket]


def course_method_stats(
    series: PixelSeries, seed: int = 0, config: LoaderConfig = COURSE
) -> Moments:
    """Band moments [1, 12] of one course-style training window per row, zeros ignored.

    `series` holds the train rows (decoded); one window per row is drawn with `seed`, as
    one pass of the course's loader over its training split would.
    """
    rng = np.random.default_rng(seed)
    kept = [
        series.offsets[row]
        + course_window_images(
            series.dates[series.offsets[row] : series.offsets[row + 1]]
            - series.dates[series.offsets[row]],
            rng,
            config,
        )
        for row in range(series.num_rows)
        if series.offsets[row + 1] > series.offsets[row]
    ]
    images = np.concatenate(kept).astype(np.int64) if kept else np.zeros(0, np.int64)
    values = series.bands[images]
    return batch_moments(values, values != 0, np.zeros(len(images), np.int64), 1)

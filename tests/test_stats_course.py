"""bench/course_stats.py: the course's way to normalization constants, restated (course_facts 4)."""

import numpy as np
from course_stats import course_method_stats, course_window_images
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.codecs import PixelSeries


def test_a_short_series_keeps_the_earliest_image_of_each_bucket():
    # last day 13 <= 120, so the window starts at day 0 and holds every image.
    days = np.array([0, 1, 2, 7, 12, 13])
    kept = course_window_images(days, np.random.default_rng(0))
    assert kept.tolist() == [0, 3, 4]  # buckets 0, 1, 2


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(st.integers(0, 365), min_size=1, max_size=120, unique=True),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_window_spans_120_days_at_most_with_25_images_at_most_one_per_bucket(days, seed):
    days = np.sort(np.array(days)) - min(days)
    kept = course_window_images(days, np.random.default_rng(seed))
    assert len(kept) <= 25  # may be 0: a window can fall in a gap, as in the course
    if len(kept) == 0:
        return
    assert np.all(np.diff(kept) > 0)
    assert days[kept[-1]] - days[kept[0]] <= 120
    buckets = (days[kept] - days[kept[0]]) // 5
    assert len(np.unique(buckets)) == len(kept)


def test_course_statistics_ignore_zeros_of_the_kept_images():
    bands = np.array([[10] * 12, [20] * 12, [0] * 12, [40] * 12], np.int32)
    bands[3, 0] = 0
    series = PixelSeries(
        bands=bands,
        dates=np.array([100, 101, 107, 112], np.int32),
        scl=np.full(4, 4, np.uint8),
        offsets=np.array([0, 4]),
    )
    # buckets 0, 0, 1, 2: images 0, 2 (all zero) and 3 are kept.
    moments = course_method_stats(series)
    assert moments.count[0].tolist() == [1] + [2] * 11
    assert moments.mean[0].tolist() == [10.0] + [25.0] * 11
    assert moments.std()[0].tolist() == [0.0] + [15.0] * 11

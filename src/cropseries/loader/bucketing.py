"""The bucketing kernel: irregular pixel series to fixed `[examples, 25, 15]` arrays.

It implements course_facts section 4 (window, subsample, days from the first kept image,
5-day buckets, earliest image per bucket, NDVI, scatter, the vegetation test) over a whole
decoded record batch at once with numpy: no per-row Python. Every random draw is an input
(`Windows`), so pinned draws give pinned arrays; drawing them (`windows`), reading files
(`source`), labels (`labels`) and normalization (`normalization`) live elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.layout import BANDS, NIR, NUM_BANDS, RED, SCL_VEGETATION, scl_in

#: Channels of a bucketed example: the 12 bands (DN), then these three.
NDVI = NUM_BANDS
SCL = NUM_BANDS + 1
DAY = NUM_BANDS + 2
NUM_CHANNELS = NUM_BANDS + 3
CHANNELS: tuple[str, ...] = (*BANDS, "NDVI", "SCL", "day")


#: Keys for the random draws of the kernel: uint32 [total_images] (one per image of the
#: series, pinned), or a function giving fresh keys for the images it is asked about.
Keys = np.ndarray | Callable[[np.ndarray], np.ndarray] | None


@dataclass(frozen=True)
class Windows:
    """The examples to cut from a batch of series, and every random draw they need.

    Example e is series row `rows[e]` seen through the window that starts `start_days[e]`
    days after the row's first image (negative: before it, so the window holds fewer
    images, as the season as of an early date does). A window keeps its `max_images` images with the
    smallest `subsample_keys` (None keeps them all), and a bucket holding several kept
    images keeps the one with the smallest `pick_keys` (None keeps the earliest). Equal
    keys go to the earlier image. Keys are uint32: an array with one key per image of the
    series, or a function from image indices to keys (only the images that need one are
    asked about: those of crowded windows, those kept).
    """

    rows: np.ndarray
    start_days: np.ndarray
    subsample_keys: Keys = None
    pick_keys: Keys = None

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.start_days):
            raise ValueError(f"{len(self.rows)} rows but {len(self.start_days)} start days")
        for keys in (self.subsample_keys, self.pick_keys):
            if isinstance(keys, np.ndarray) and keys.dtype != np.uint32:
                raise ValueError(f"keys must be uint32, got {keys.dtype}")

    @property
    def num_examples(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Bucketed:
    """The kernel's output for E examples and B buckets, as the K filled buckets.

    `cells` int64 [K], ascending: example * B + bucket of each filled bucket; `images`
    int64 [K]: the image of `series` that fills it; `days` int64 [K]: its day relative to the
    anchor, as the course's day channel holds it (course_facts section 4): clip(day - day of
    bucket 0's start, 0, clip_days), so the first filled bucket of a first-kept window holds
    day 0. `anchor_days` int64 [E]: the day (since the row's first image) bucket 0 starts at
    (-1 for an empty window with the first-kept anchor). `vegetated` bool [E]: the vegetation
    rule's SCL in one of the last filled buckets. `values`, `raw` and `filled` build arrays.

    Before bucketing, the window kept `kept_counts` int64 [E] images of each example:
    `kept_images` int64 [N], example by example in time order, and their `kept_days` int64
    [N], relative to the anchor as `days` are; `sequence` lays them out unbucketed.
    """

    series: PixelSeries
    num_examples: int
    num_buckets: int
    cells: np.ndarray
    images: np.ndarray
    days: np.ndarray
    anchor_days: np.ndarray
    vegetated: np.ndarray
    kept_images: np.ndarray
    kept_counts: np.ndarray
    kept_days: np.ndarray

    @property
    def bands(self) -> np.ndarray:
        """[K, 12] DN of each filled bucket, in the series' integer type, native byte order."""
        return self.bands_of(self.images)

    def bands_of(self, images: np.ndarray) -> np.ndarray:
        """[n, 12] DN of `images` of the series, in its integer type, native byte order."""
        native = self.series.bands.dtype.newbyteorder("=")
        return np.take(self.series.bands, images, axis=0).astype(native, copy=False)

    @property
    def values(self) -> np.ndarray:
        """int32 [K, 15] of each filled bucket: 12 bands (DN), NDVI (-100..100), SCL, day."""
        values = np.empty((len(self.images), NUM_CHANNELS), np.int32)
        values[:, :NUM_BANDS] = self.bands
        values[:, NDVI] = ndvi(values)
        values[:, SCL] = self.series.scl[self.images]
        values[:, DAY] = self.days
        return values

    def scatter(self, values: np.ndarray, fill: np.ndarray | None = None) -> np.ndarray:
        """Per-filled-bucket `values` [K, C] as a dense [E, B, C] array, zeros (or the row
        `fill` [C]) elsewhere."""
        shape = (self.num_examples * self.num_buckets, values.shape[1])
        dense = np.zeros(shape, values.dtype) if fill is None else np.tile(fill, (shape[0], 1))
        dense[self.cells] = values
        return dense.reshape(self.num_examples, self.num_buckets, values.shape[1])

    @property
    def raw(self) -> np.ndarray:
        """int32 [E, B, 15]: `values` of each filled bucket, zeros where a bucket is empty."""
        return self.scatter(self.values)

    @property
    def calendar(self) -> np.ndarray:
        """int16 [E, B, 2]: the year and the day of year (1..366) of each filled bucket's
        image, zeros where a bucket is empty (positional encodings need real dates)."""
        return self.scatter(calendar(self.series.dates[self.images]))

    def sequence(self, values: np.ndarray) -> np.ndarray:
        """Per-kept-image `values` [N, C] as [E, T, C], each example's kept images in time
        order from position 0, zeros after; T is the most images any example kept."""
        width = int(self.kept_counts.max(initial=0))
        starts, example = _segments(self.kept_counts)
        position = np.arange(len(example)) - starts[example]
        dense = np.zeros((self.num_examples * width, values.shape[1]), values.dtype)
        dense[example * width + position] = values
        return dense.reshape(self.num_examples, width, values.shape[1])

    @property
    def filled(self) -> np.ndarray:
        """bool [E, B]: which buckets hold an image."""
        filled = np.zeros(self.num_examples * self.num_buckets, bool)
        filled[self.cells] = True
        return filled.reshape(self.num_examples, self.num_buckets)


def calendar(dates: np.ndarray) -> np.ndarray:
    """int16 [n, 2]: the year and the day of year (1..366) of days since 1970-01-01."""
    date = dates.astype(np.int64).astype("datetime64[D]")
    year = date.astype("datetime64[Y]")
    day_of_year = (date - year).astype(np.int64) + 1
    return np.stack([year.astype(np.int64) + 1970, day_of_year], 1).astype(np.int16)


def filter_observations(series: PixelSeries, exclude_scl: tuple[int, ...]) -> PixelSeries:
    """The same rows without the images whose SCL value is in `exclude_scl`.

    The result behaves as if those images had never been stored: days then count from a
    row's first remaining image.
    """
    if not exclude_scl:
        return series
    keep = ~scl_in(series.scl, exclude_scl)
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    return PixelSeries(
        bands=series.bands[keep],
        dates=series.dates[keep],
        scl=series.scl[keep],
        offsets=kept_before[series.offsets],
    )


def ndvi(bands: np.ndarray) -> np.ndarray:
    """clip(int((nir - red) / (nir + red) * 100), -100, 100) per image: int32 [K].

    `bands` is [K, 12] DN. The quotient is truncated toward zero as exact arithmetic would
    (nir + red == 0 gives 0). Float64 is exact enough for that: a quotient of integers below
    2**31 that is not an integer lies at least 1 / abs(nir + red) from one, far more than its
    rounding error.
    """
    red = bands[:, RED].astype(np.float64)
    nir = bands[:, NIR].astype(np.float64)
    total = nir + red
    quotient = np.divide(100.0 * (nir - red), total, out=np.zeros_like(total), where=total != 0)
    return np.trunc(quotient).clip(-100, 100).astype(np.int32)


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of `counts[i]` items laid end to end: their starts [S] and owners [sum]."""
    starts = np.zeros(len(counts), np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts, np.repeat(np.arange(len(counts)), counts)


def _ranges(first: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Items first[i] .. first[i] + counts[i] - 1 of every i, end to end, and their owner i."""
    starts, owner = _segments(counts)
    return np.arange(len(owner), dtype=np.int64) + np.repeat(first - starts, counts), owner


def _keys_of(keys: Keys, image: np.ndarray) -> np.ndarray:
    """The uint32 keys of `image` (indices into the series)."""
    return keys[image] if isinstance(keys, np.ndarray) else keys(image)


def _smallest_first(group: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Order of items by (group, key, position): a stable sort on one int64 key."""
    return np.argsort((group.astype(np.int64) << 32) | keys.astype(np.int64), kind="stable")


def _window(series: PixelSeries, windows: Windows, length: int):
    """The images with start <= day <= start + length of every example, in time order.

    Returns (image index [W], example index [W], images per example [E], day of every
    image [W]). Dates ascend within a row, so a window is one contiguous run, found by
    binary search on a key ascending over the whole batch: (row << 32) + day.
    """
    counts = series.counts
    has = counts > 0
    firsts = np.zeros(series.num_rows, np.int64)
    firsts[has] = series.dates[series.offsets[:-1][has]]
    key = series.dates + np.repeat(
        (np.arange(series.num_rows, dtype=np.int64) << 32) - firsts, counts
    )
    row_key = windows.rows.astype(np.int64) << 32
    start = windows.start_days.astype(np.int64)
    first = np.searchsorted(key, row_key + start, side="left")
    counts = np.searchsorted(key, row_key + start + length, side="right") - first
    image, example = _ranges(first, counts)
    return image, example, counts, key[image] - row_key[example]


def _subsample(image, example, counts, days, keys, max_images):
    """Keep the `max_images` smallest keys of every window that holds more, in time order."""
    crowded = np.flatnonzero(counts > max_images)
    if keys is None or not len(crowded):
        return image, example, counts, days
    window_starts, _ = _segments(counts)
    position, owner = _ranges(window_starts[crowded], counts[crowded])
    order = _smallest_first(owner, _keys_of(keys, image[position]))
    owner_starts, _ = _segments(counts[crowded])
    rank = np.arange(len(order)) - np.repeat(owner_starts, counts[crowded])
    keep = np.ones(len(image), bool)
    keep[position[order[rank >= max_images]]] = False
    return image[keep], example[keep], np.minimum(counts, max_images), days[keep]


def _one_per_bucket(example, bucket, image, keys):
    """Positions of the image kept in every (example, bucket): first in time, or smallest key.

    Input is ordered by example, then time, so buckets ascend within an example and each
    (example, bucket) group is a contiguous run.
    """
    new_group = np.ones(len(example), bool)
    new_group[1:] = (example[1:] != example[:-1]) | (bucket[1:] != bucket[:-1])
    if keys is None:
        return np.flatnonzero(new_group)
    group = np.cumsum(new_group)
    order = _smallest_first(group, _keys_of(keys, image))
    first_of_group = np.ones(len(order), bool)
    first_of_group[1:] = group[order[1:]] != group[order[:-1]]
    return order[first_of_group]


def _vegetated(
    example: np.ndarray, scl: np.ndarray, num_examples: int, green_scl, last_buckets: int
) -> np.ndarray:
    """Whether one of the last `last_buckets` filled buckets of each example has an SCL
    value in `green_scl` (the course: 4, vegetation, in the last two).

    `example` and `scl` list the filled buckets ordered by example, then bucket.
    """
    filled = np.bincount(example, minlength=num_examples)
    last = np.cumsum(filled) - 1
    green = scl_in(scl, green_scl)
    vegetated = np.zeros(num_examples, bool)
    for back in range(last_buckets):
        has = filled > back
        vegetated[has] |= green[last[has] - back]
    return vegetated


def bucketize(
    series: PixelSeries,
    windows: Windows,
    config: LoaderConfig,
    green_scl: tuple[int, ...] = (SCL_VEGETATION,),
    last_buckets: int = 2,
) -> Bucketed:
    """Bucket every example of `windows` (course_facts section 4), vectorized.

    `series` must have ascending dates within each row (the split and the validator
    guarantee it; `source` checks it). `series.bands` may be any integer dtype, e.g. the
    big-endian view of the file's bytes: only the kept images are converted. `vegetated`
    says whether an SCL value in `green_scl` is among the last `last_buckets` filled
    buckets (the legend's vegetation rule; the course's by default).
    """
    num_examples, num_buckets = windows.num_examples, config.num_buckets
    image, example, counts, days = _window(series, windows, config.days_in_series)
    image, example, counts, days = _subsample(
        image, example, counts, days, windows.subsample_keys, config.max_images
    )

    if config.anchor == "first_kept":
        starts, _ = _segments(counts)
        anchor = np.full(num_examples, -1, np.int64)
        anchor[counts > 0] = days[starts[counts > 0]]
    else:
        anchor = windows.start_days.astype(np.int64)
    # Days are clipped to [0, clip_days] (the course); a window starting before the row's
    # first image keeps its own start as bucket 0's.
    clipped_anchor = np.minimum(anchor, config.clip_days)[example]
    bucket = (np.clip(days, 0, config.clip_days) - clipped_anchor) // config.days_per_bucket
    relative_days = np.clip(days - anchor[example], 0, config.clip_days)

    chosen = _one_per_bucket(example, bucket, image, windows.pick_keys)
    chosen_image, chosen_example = image[chosen], example[chosen]
    return Bucketed(
        series=series,
        num_examples=num_examples,
        num_buckets=num_buckets,
        cells=chosen_example * num_buckets + bucket[chosen],
        images=chosen_image,
        days=relative_days[chosen],
        anchor_days=anchor,
        vegetated=_vegetated(
            chosen_example, series.scl[chosen_image], num_examples, green_scl, last_buckets
        ),
        kept_images=image,
        kept_counts=counts,
        kept_days=relative_days,
    )

"""The bucketing kernel: irregular pixel series to fixed `[examples, 25, 15]` arrays.

It implements course_facts section 4 (window, subsample, days from the first kept image,
5-day buckets, earliest image per bucket, NDVI, scatter, the vegetation test) over a whole
decoded record batch at once, its loops over images compiled (`compiled`): no per-row Python,
one pass over the images. Every random draw is an input
(`Windows`), so pinned draws give pinned arrays; drawing them (`windows`), reading files
(`source`), labels (`labels`) and normalization (`normalization`) live elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.layout import BANDS, NIR, NUM_BANDS, RED, SCL_VEGETATION, scl_in, scl_table
from cropseries.loader.compiled import bucket_windows, subsample, window_spans

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
        native = self.series.bands.dtype.newbyteorder("=")
        return np.take(self.series.bands, self.images, axis=0).astype(native, copy=False)

    @property
    def values(self) -> np.ndarray:
        """int32 [K, 15] of each filled bucket: 12 bands (DN), NDVI (-100..100), SCL, day."""
        values = np.empty((len(self.images), NUM_CHANNELS), np.int32)
        values[:, :NUM_BANDS] = self.bands
        values[:, NDVI] = ndvi(values)
        values[:, SCL] = self.series.scl[self.images]
        values[:, DAY] = self.days
        return values

    def blank(self, channels: int, dtype, fill: np.ndarray | None = None) -> np.ndarray:
        """[E * B, channels] of zeros (or rows of `fill` [channels]): the dense form to
        write the filled buckets' values into (row example * B + bucket)."""
        rows = self.num_examples * self.num_buckets
        return np.zeros((rows, channels), dtype) if fill is None else np.tile(fill, (rows, 1))

    def scatter(self, values: np.ndarray, fill: np.ndarray | None = None) -> np.ndarray:
        """Per-filled-bucket `values` [K, C] as a dense [E, B, C] array, zeros (or the row
        `fill` [C]) elsewhere."""
        dense = self.blank(values.shape[1], values.dtype, fill)
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

    @property
    def sequence_width(self) -> int:
        """T of `sequence`: the most images any example kept."""
        return int(self.kept_counts.max(initial=0))

    def sequence_slots(self) -> np.ndarray:
        """int64 [N]: where each kept image goes in `sequence`'s [E * T] rows."""
        starts, example = _segments(self.kept_counts)
        position = np.arange(len(example)) - starts[example]
        return example * self.sequence_width + position

    def sequence(self, values: np.ndarray) -> np.ndarray:
        """Per-kept-image `values` [N, C] as [E, T, C], each example's kept images in time
        order from position 0, zeros after."""
        width = self.sequence_width
        dense = np.zeros((self.num_examples * width, values.shape[1]), values.dtype)
        dense[self.sequence_slots()] = values
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
    """The uint32 keys of `image` (indices into the series); none if there are no keys."""
    if keys is None:
        return np.zeros(0, np.uint32)
    return keys[image] if isinstance(keys, np.ndarray) else keys(image)


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
    rows, start_days = windows.rows.astype(np.int64), windows.start_days.astype(np.int64)
    dates, offsets = series.dates, series.offsets
    first, counts = window_spans(dates, offsets, rows, start_days, config.days_in_series)
    crowded = counts > config.max_images
    subsample_keys = np.zeros(0, np.uint32)
    if windows.subsample_keys is not None and crowded.any():
        crowd, _ = _ranges(first[crowded], counts[crowded])
        subsample_keys = _keys_of(windows.subsample_keys, crowd)
    kept, kept_counts = subsample(first, counts, config.max_images, subsample_keys)
    cells, images, days, anchors, vegetated, kept_days = bucket_windows(
        dates, offsets, series.scl, rows, start_days, kept, kept_counts,
        _keys_of(windows.pick_keys, kept), config.anchor == "first_kept", config.clip_days,
        config.days_per_bucket, config.num_buckets, scl_table(green_scl), last_buckets,
    )  # fmt: skip
    return Bucketed(
        series=series,
        num_examples=windows.num_examples,
        num_buckets=config.num_buckets,
        cells=cells,
        images=images,
        days=days,
        anchor_days=anchors,
        vegetated=vegetated,
        kept_images=kept,
        kept_counts=kept_counts,
        kept_days=kept_days,
    )

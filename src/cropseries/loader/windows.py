"""Which windows the loader cuts: random ones for training, a fixed grid for evaluation.

Training draws every random number the kernel needs from one seeded numpy Generator, so a
seed fixes the batches. Evaluation draws nothing: each row is cut at every configured start
day. This module also parses start-day lists such as `0,15,...,200`. The cutting itself is
`bucketing.bucketize`.
"""

from __future__ import annotations

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.errors import ConfigError
from cropseries.loader.bucketing import Windows


def last_days(series: PixelSeries) -> np.ndarray:
    """Days from each row's first image to its last, int64 [rows] (0 for an empty row)."""
    counts = series.counts
    last = np.zeros(series.num_rows, np.int64)
    has = counts > 0
    dates = series.dates.astype(np.int64)
    last[has] = dates[series.offsets[1:][has] - 1] - dates[series.offsets[:-1][has]]
    return last


def training_windows(
    series: PixelSeries, rows: np.ndarray, rng: np.random.Generator, config: LoaderConfig
) -> Windows:
    """One random window per row in `rows` (int [E]).

    start_day ~ uniform integer in [0, max(1, last_day - days_in_series)); uniform uint32
    keys for the subsample (if `config.subsample`) and the random pick (if `config.pick` is
    "random"), drawn when the kernel needs them.
    """
    high = np.maximum(1, last_days(series)[rows] - config.days_in_series)
    start_days = rng.integers(0, high, dtype=np.int64)
    return Windows(
        rows=np.asarray(rows, np.int64),
        start_days=start_days,
        subsample_keys=fresh_keys(rng) if config.subsample else None,
        pick_keys=fresh_keys(rng) if config.pick == "random" else None,
    )


def fresh_keys(rng: np.random.Generator):
    """A key function for `Windows`: independent uniform uint32 keys for the images asked
    about, drawn from `rng`'s raw bytes when the kernel asks (in a fixed order, so a seeded
    generator gives the same keys)."""

    def keys(image: np.ndarray) -> np.ndarray:
        return np.frombuffer(rng.bytes(4 * len(image)), np.uint32)

    return keys


def evaluation_windows(rows: np.ndarray, start_days: tuple[int, ...]) -> Windows:
    """Every row in `rows` at every start day, row major: row 0 at each start day, then row 1.

    Evaluation is deterministic: no subsample, and the earliest image of each bucket.
    """
    rows = np.asarray(rows, np.int64)
    days = np.asarray(start_days, np.int64)
    return Windows(rows=np.repeat(rows, len(days)), start_days=np.tile(days, len(rows)))


def parse_start_days(text: str) -> tuple[int, ...]:
    """`"0,15,...,200"` (an arithmetic run, ending at the last value) or `"0,30,45"`.

    With `...`, the two values before it fix the step and the run stops at the last value
    before the value after it, which is always included: `0,15,...,200` is 0, 15, ..., 195,
    200, the course's evaluation start days.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    numbers = [p for p in parts if p != "..."]
    if not all(p.lstrip("-").isdigit() for p in numbers):
        raise ConfigError(f"start days {text!r}: expected whole numbers, e.g. '0,15,...,200'")
    if "..." not in parts:
        days = tuple(int(p) for p in parts)
    else:
        at = parts.index("...")
        if at < 2 or at != len(parts) - 2:
            raise ConfigError(f"start days {text!r}: write a run as 'first,second,...,last'")
        head = [int(p) for p in parts[:at]]
        step, last = head[-1] - head[-2], int(parts[-1])
        if step <= 0 or last < head[-1]:
            raise ConfigError(f"start days {text!r}: a run must ascend")
        days = (*head[:-1], *range(head[-1], last, step), last)
        days = tuple(dict.fromkeys(days))
    if not days or min(days) < 0:
        raise ConfigError(f"start days {text!r}: give one or more start days, none negative")
    return days

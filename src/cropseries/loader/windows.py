"""Which windows the loader cuts: the strategies, and the random draws of training.

A strategy is a small object that says where each row's windows start (days after its first
image): the course's random start for training (`RandomStart`), a fixed grid (`StartDays`,
the course's evaluation), the season as of a calendar day (`EndingOn`), or early, mid and
late season (`SeasonPart`). Training draws every random number the kernel needs from one
seeded numpy Generator, so a seed fixes the batches; evaluation draws nothing. This module
also parses strategies ("ending:07-01") and start-day lists ("0,15,...,200"). The cutting
itself is `bucketing.bucketize`.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.errors import ConfigError
from cropseries.loader.bucketing import Windows


def last_days(series: PixelSeries) -> np.ndarray:
    """Days from each row's first image to its last, int64 [rows] (0 for an empty row)."""
    has = series.counts > 0
    first, end = series.offsets[:-1][has], series.offsets[1:][has]
    last = np.zeros(series.num_rows, np.int64)
    last[has] = series.dates[end - 1].astype(np.int64) - series.dates[first]
    return last


@dataclass(frozen=True)
class RandomStart:
    """The course's training window: one per row, starting a uniform random whole number of
    days after its first image, in [0, max(1, last_day - length)).

    Invariant: 0 <= start < max(1, last_day - length), so a window lies inside the series
    whenever the series is longer than it.
    """

    def starts(self, series: PixelSeries, rows: np.ndarray, rng, length: int):
        high = np.maximum(1, last_days(series)[rows] - length)
        return rows, rng.integers(0, high, dtype=np.int64)


@dataclass(frozen=True)
class StartDays:
    """Every row at each of `days` (days after its first image), row major: the course's
    evaluation grid (0, 15, ..., 195, 200).

    Invariant: example e is row rows[e // n] at start days[e % n], n = len(days).
    """

    days: tuple[int, ...]

    def starts(self, series: PixelSeries, rows: np.ndarray, rng, length: int):
        days = np.asarray(self.days, np.int64)
        return np.repeat(rows, len(days)), np.tile(days, len(rows))


@dataclass(frozen=True)
class EndingOn:
    """The season as of a calendar day: one window per row, ending on `month`-`day` of the
    row's year (the year of its first image: the validator and 01_split keep a row's images
    inside its year) and looking back the window's length.

    Invariant: the window is [end - length, end] in days since 1970, end that date; it never
    holds an image after the date (a window reaching before the first image holds fewer). A
    row without images starts at 0.
    """

    month: int
    day: int

    def __post_init__(self) -> None:
        try:
            np.datetime64(f"2000-{self.month:02d}-{self.day:02d}")  # a leap year: 02-29 is fine
        except ValueError:
            raise ConfigError(f"window ending {self.month}-{self.day}: not a date") from None

    def starts(self, series: PixelSeries, rows: np.ndarray, rng, length: int):
        has = series.counts[rows] > 0  # a row without images has nothing to window: start 0
        first = series.dates[series.offsets[:-1][rows[has]]].astype(np.int64)
        years = first.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        end = np.zeros(len(first), np.int64)
        for year in np.unique(years):
            day = min(self.day, monthrange(int(year), self.month)[1])  # 02-29 in a common year
            date = np.datetime64(f"{year}-{self.month:02d}-{day:02d}", "D")
            end[years == year] = date.astype(np.int64)
        starts = np.zeros(len(rows), np.int64)
        starts[has] = end - length - first
        return rows, starts


@dataclass(frozen=True)
class SeasonPart:
    """Windows at the start, middle or end of each row's series, row major: "early" starts at
    its first image, "late" ends at its last, "mid" is centred between them.

    Invariant: start = floor(f * max(0, last_day - length)) with f 0, 1/2 and 1 for early,
    mid and late; example e is part parts[e % n] of row rows[e // n].
    """

    parts: tuple[str, ...] = ("early", "mid", "late")

    def __post_init__(self) -> None:
        unknown = [p for p in self.parts if p not in SEASON_PARTS]
        if unknown or not self.parts:
            raise ConfigError(f"season parts {list(self.parts)}: choose from early, mid, late")
        if len(set(self.parts)) != len(self.parts):
            raise ConfigError(f"season parts {list(self.parts)}: a part is named twice")

    def starts(self, series: PixelSeries, rows: np.ndarray, rng, length: int):
        room = np.maximum(0, last_days(series)[rows] - length)
        fractions = np.array([SEASON_PARTS[p] for p in self.parts])
        starts = np.floor(room[:, None] * fractions[None, :]).astype(np.int64)
        return np.repeat(rows, len(self.parts)), starts.ravel()


#: Where in its series each season part starts, as a share of the room the window has.
SEASON_PARTS = {"early": 0.0, "mid": 0.5, "late": 1.0}

Strategy = RandomStart | StartDays | EndingOn | SeasonPart


def cut_windows(
    strategy: Strategy,
    series: PixelSeries,
    rows: np.ndarray,
    rng: np.random.Generator,
    config: LoaderConfig,
    training: bool,
) -> Windows:
    """The windows `strategy` cuts from `rows` (int [E]) of `series`.

    Training adds uniform uint32 keys for the subsample (if `config.subsample`) and the
    random pick (if `config.pick` is "random"), drawn from `rng` when the kernel needs them,
    after the start days; evaluation draws nothing else (every image, the earliest per
    bucket).
    """
    rows, start_days = strategy.starts(
        series, np.asarray(rows, np.int64), rng, config.days_in_series
    )
    return Windows(
        rows=rows,
        start_days=start_days,
        subsample_keys=fresh_keys(rng) if training and config.subsample else None,
        pick_keys=fresh_keys(rng) if training and config.pick == "random" else None,
    )


def fresh_keys(rng: np.random.Generator):
    """A key function for `Windows`: independent uniform uint32 keys for the images asked
    about, drawn from `rng`'s raw bytes when the kernel asks (in a fixed order, so a seeded
    generator gives the same keys)."""

    def keys(image: np.ndarray) -> np.ndarray:
        return np.frombuffer(rng.bytes(4 * len(image)), np.uint32)

    return keys


def parse_window(text: str) -> Strategy:
    """A window strategy from its name: "random" (the course's training window),
    "starts:0,15,...,200" (`StartDays`, see `parse_start_days`), "ending:07-01" (`EndingOn`:
    the season as of July 1) or "season:early,mid,late" (`SeasonPart`, any of the three)."""
    kind, _, value = text.strip().partition(":")
    value = value.strip()
    if kind == "random" and not value:
        return RandomStart()
    if kind == "starts":
        return StartDays(parse_start_days(value))
    if kind == "ending":
        month, _, day = value.partition("-")
        if not (month.isdigit() and day.isdigit()):
            raise ConfigError(f"window {text!r}: write the day as MM-DD, e.g. 'ending:07-01'")
        return EndingOn(int(month), int(day))
    if kind == "season":
        return SeasonPart(tuple(p.strip() for p in value.split(",") if p.strip()))
    raise ConfigError(
        f"window {text!r}: choose 'random', 'starts:0,15,...,200', 'ending:MM-DD' or "
        "'season:early,mid,late'"
    )


def parse_start_days(text: str) -> tuple[int, ...]:
    """`"0,15,...,200"` (an arithmetic run, ending at the last value) or `"0,30,45"`.

    With `...`, the two values before it fix the step and the run stops at the last value
    before the value after it, which is always included: `0,15,...,200` is 0, 15, ..., 195,
    200, the course's evaluation start days.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    numbers = [p for p in parts if p != "..."]
    if not all(p.removeprefix("-").isdigit() for p in numbers):
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

"""Band normalization: the per-band mean and std from `stats.json`, and applying them.

Bucketed bands become `(x - mean) / std` as float32 (`ModelInput`); a band value of 0 (an
empty bucket's padding, or a genuine 0, which the course masked too) stays 0. Computing,
writing and checking `stats.json` is 02_stats' business (`stats.file`); this module applies
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cropseries.course import COURSE_BAND_MEAN, COURSE_BAND_STD
from cropseries.indices import values as index_values
from cropseries.layout import BANDS, NUM_BANDS
from cropseries.loader.compiled import native, normalize_into
from cropseries.loader.errors import LoaderError


@dataclass(frozen=True)
class Normalization:
    """Per-band mean and standard deviation, float32 [12] each, in `layout.BANDS` order (DN)."""

    mean: np.ndarray
    std: np.ndarray
    source: str = "given"
    median: np.ndarray | None = None
    index_mean: dict[str, float] = field(default_factory=dict)
    index_std: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("mean", "std"):
            try:
                values = np.asarray(getattr(self, name), np.float64)
            except (TypeError, ValueError) as err:
                raise LoaderError(f"{self.source}: {name!r} is not a list of numbers") from err
            if values.shape != (NUM_BANDS,):
                raise LoaderError(
                    f"{self.source}: {name!r} has {values.size} values, expected {NUM_BANDS} "
                    f"(bands {', '.join(BANDS)})"
                )
            if not np.isfinite(values).all():
                raise LoaderError(f"{self.source}: {name!r} has a value that is not finite")
        std = np.asarray(self.std, np.float64)
        if (std <= 0).any():
            band = BANDS[int(np.argmax(std <= 0))]
            raise LoaderError(
                f"{self.source}: 'std' of band {band} is {std[BANDS.index(band)]}, "
                "must be > 0 (recompute the statistics on the train split)"
            )
        object.__setattr__(self, "mean", np.asarray(self.mean, np.float32))
        object.__setattr__(self, "std", np.asarray(self.std, np.float32))
        if self.median is not None:
            object.__setattr__(self, "median", np.asarray(self.median, np.float32))

    def fill(self, kind: str) -> np.ndarray | None:
        """What an empty bucket holds, normalized, float32 [12]: None for the course's 0 (the
        train mean), or the train median of each band ("median")."""
        if kind == "zero":
            return None
        if self.median is None:
            raise LoaderError(
                f"{self.source}: has no 'median' for fill='median' (rerun 02_stats with "
                "--medians; the course's constants have none)"
            )
        return (self.median - self.mean) / self.std

    def of_indices(self, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """float64 mean and std of each index of `names`; LoaderError for one it lacks."""
        missing = [n for n in names if n not in self.index_mean]
        if missing:
            raise LoaderError(
                f"{self.source}: has no statistics for index {missing[0]!r} (rerun 02_stats "
                "with --indices; the course's constants have none)"
            )
        bad = [n for n in names if not self.index_std[n] > 0]
        if bad:
            raise LoaderError(f"{self.source}: the std of index {bad[0]!r} is not > 0")
        return (
            np.array([self.index_mean[n] for n in names], np.float64),
            np.array([self.index_std[n] for n in names], np.float64),
        )


@dataclass(frozen=True)
class ModelInput:
    """How x is made of the DN of the filled buckets: `(dn - mean) / std` in float32, the
    bands at `positions` (`LoaderConfig.band_positions`, None: all 12) kept in their order,
    and `fill` (from `Normalization.fill`, None: 0) in empty buckets and where a DN is 0 (the
    course masked zeros); then the spectral `indices` (`cropseries.indices`), normalized
    with their own statistics."""

    normalization: Normalization
    positions: tuple[int, ...] | None = None
    fill: np.ndarray | None = None
    indices: tuple[str, ...] = ()
    index_stats: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Looked up once, so that an index stats.json lacks fails before the first batch.
        object.__setattr__(self, "index_stats", self.normalization.of_indices(self.indices))

    @property
    def band_positions(self) -> np.ndarray:
        """int64 [bands]: the positions in `layout.BANDS` of x's band channels."""
        return np.arange(NUM_BANDS) if self.positions is None else np.array(self.positions)

    @property
    def num_channels(self) -> int:
        return len(self.band_positions) + len(self.indices)

    def write(self, bands: np.ndarray, images: np.ndarray, rows: np.ndarray, out: np.ndarray):
        """Put x of `images` (rows of `bands` [images, 12], a series' DN in any integer dtype and
        byte order) into the rows `rows` of `out` float32 [n, channels]: the bands in one
        compiled pass, then the indices, `(value - mean) / std` in float64, 0 where an
        index is undefined (a band is 0)."""
        norm = self.normalization
        fill = np.zeros(NUM_BANDS, np.float32) if self.fill is None else self.fill
        positions = self.band_positions.astype(np.int64)
        view, swapped = native(bands)
        normalize_into(view, swapped, images, rows, norm.mean, norm.std, fill, positions, out)
        if self.indices:
            mean, std = self.index_stats
            dn = np.take(bands, images, axis=0)
            normalized = np.nan_to_num((index_values(dn, self.indices) - mean) / std, nan=0.0)
            out[rows, len(positions) :] = normalized.astype(np.float32)

    @property
    def empty(self) -> np.ndarray | None:
        """float32 [channels]: what an empty bucket holds (None: 0; an index holds 0, its
        train mean, either way)."""
        if self.fill is None:
            return None
        bands = self.fill[self.band_positions]
        return np.concatenate([bands, np.zeros(len(self.indices), np.float32)])


#: The constants the course published (2021 train split, zeros ignored), course_facts 4.
COURSE_NORMALIZATION = Normalization(
    mean=np.array(COURSE_BAND_MEAN), std=np.array(COURSE_BAND_STD), source="course constants"
)


def read_stats(path: str) -> Normalization:
    """The normalization in a `stats.json` of 02_stats (or the split directory holding it).

    The file is read and checked by `stats.file.load_stats`; its StatsError (missing file,
    wrong bands, a value not finite, a std not positive) becomes a LoaderError.
    """
    from cropseries.stats.errors import StatsError
    from cropseries.stats.file import load_stats

    try:
        stats = load_stats(path)
    except StatsError as err:
        raise LoaderError(str(err)) from err
    index_mean, index_std = {}, {}
    if stats.index_stats is not None:
        indices = stats.index_stats
        for name, mean, std in zip(indices.names, indices.mean, indices.std, strict=True):
            index_mean[name], index_std[name] = float(mean), float(std)
    return Normalization(
        mean=stats.mean,
        std=stats.std,
        source=path,
        median=stats.median,
        index_mean=index_mean,
        index_std=index_std,
    )


def as_normalization(stats: str | Normalization | None) -> Normalization:
    """A `Normalization` from a stats.json path (or its split directory), an existing one, or
    None or "course" (the course's published constants)."""
    if stats is None or stats == "course":
        return COURSE_NORMALIZATION
    if isinstance(stats, Normalization):
        return stats
    return read_stats(stats)

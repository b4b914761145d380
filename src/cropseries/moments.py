"""Partial moments (count, mean, M2) of band values and their exact, stable merge.

A `Moments` holds, for every group (a label, or one group for all rows) and band, the
number of valid observations, their mean and M2 (the sum of squared deviations from that
mean), all in float64 except the integer count. Partials from any partition of the data
merge with Chan et al.'s parallel formula into the moments of the whole. This module is
pure numpy on decoded series; it knows nothing of Spark or files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.layout import scl_in


@dataclass(frozen=True)
class Moments:
    """Count int64 [groups, bands], mean and M2 float64 [groups, bands] (DN and DN²)."""

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def empty(cls, groups: int, bands: int) -> Moments:
        """No observations in any group or band."""
        return cls(
            count=np.zeros((groups, bands), np.int64),
            mean=np.zeros((groups, bands), np.float64),
            m2=np.zeros((groups, bands), np.float64),
        )

    def merge(self, other: Moments) -> Moments:
        """The moments of both sets of observations together (Chan's parallel formula).

        With n = na + nb and d = mean_b - mean_a: mean = mean_a + d * nb / n and
        M2 = M2_a + M2_b + d² * na * nb / n. Groups with no observations stay at zero.
        """
        n = self.count + other.count
        safe = np.maximum(n, 1).astype(np.float64)
        delta = other.mean - self.mean
        mean = np.where(n > 0, self.mean + delta * (other.count / safe), 0.0)
        m2 = self.m2 + other.m2 + delta * delta * (self.count * (other.count / safe))
        return Moments(count=n, mean=mean, m2=np.where(n > 0, m2, 0.0))

    def beside(self, other: Moments) -> Moments:
        """These moments and `other`'s side by side: the columns of both, same groups."""
        return Moments(
            count=np.concatenate([self.count, other.count], axis=1),
            mean=np.concatenate([self.mean, other.mean], axis=1),
            m2=np.concatenate([self.m2, other.m2], axis=1),
        )

    def total(self) -> Moments:
        """All groups merged into one: [1, bands]."""
        merged = Moments.empty(1, self.count.shape[1])
        for group in range(self.count.shape[0]):
            merged = merged.merge(self.group(group))
        return merged

    def group(self, index: int) -> Moments:
        """One group's moments: [1, bands]."""
        return Moments(
            self.count[index : index + 1], self.mean[index : index + 1], self.m2[index : index + 1]
        )

    def variance(self) -> np.ndarray:
        """Population variance M2 / count (ddof 0), DN², float64 [groups, bands]; NaN if empty."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.m2 / self.count, np.nan)

    def std(self) -> np.ndarray:
        """Population standard deviation (ddof 0), DN, float64 [groups, bands]; NaN where empty."""
        return np.sqrt(self.variance())


def batch_moments(
    values: np.ndarray, valid: np.ndarray, groups: np.ndarray, num_groups: int
) -> Moments:
    """Moments of one batch of observations.

    `values` [n, bands] (DN, any integer or float dtype), `valid` bool [n, bands] (which
    values count), `groups` int [n] in [0, num_groups) (the group of each observation).
    Two passes in float64 per group (mean, then squared deviations from it), so M2 carries
    no cancellation error whatever the offset of the values.
    """
    groups = np.asarray(groups, np.int64)
    moments = Moments.empty(num_groups, values.shape[1])
    present = np.unique(groups)
    for group in present:
        rows = slice(None) if len(present) == 1 else groups == group
        count, mean, m2 = _two_pass(values[rows], valid[rows])
        moments.count[group], moments.mean[group], moments.m2[group] = count, mean, m2
    return moments


def _two_pass(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, ...]:
    """Count, mean and M2 per column of the valid values of one group."""
    x = values.astype(np.float64)
    count = np.count_nonzero(valid, axis=0)
    x *= valid
    mean = x.sum(axis=0) / np.maximum(count, 1)
    x -= mean
    x *= valid
    return count, mean, np.einsum("ij,ij->j", x, x)


def valid_observations(series: PixelSeries, exclude_scl: Iterable[int] = ()) -> np.ndarray:
    """Which band values count, bool [images, 12]: DN != 0 (no data) in an image whose SCL
    is not in `exclude_scl`."""
    valid = series.bands != 0
    excluded = tuple(exclude_scl)
    if excluded:
        valid &= ~scl_in(series.scl, excluded)[:, None]
    return valid

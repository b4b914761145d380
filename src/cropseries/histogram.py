"""Exact per-band histograms of DN values, mergeable across partitions, and their medians.

Sentinel-2 L2A bands are 16-bit DN, so a histogram with one bin per value (0..65535) is exact
and merges by addition: 02_stats counts every valid value of a partition in one `bincount`,
ships only the non-zero bins, and the driver adds them up and reads medians off the
cumulative counts. Pure numpy; it knows nothing of Spark or files.
"""

from __future__ import annotations

import numpy as np

#: One bin per 16-bit DN.
NUM_BINS = 2**16


def band_histograms(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """int64 [bands, NUM_BINS]: how often each DN occurs among the `valid` values of each
    band (`values` [n, bands], any integer dtype). ValueError for a valid value outside
    0..65535."""
    histograms = np.empty((values.shape[1], NUM_BINS), np.int64)
    for band in range(values.shape[1]):
        dn = values[:, band][valid[:, band]]
        if dn.size and (dn.min() < 0 or dn.max() >= NUM_BINS):
            raise ValueError(f"a DN of {int(dn.min())}..{int(dn.max())} is outside 0..65535")
        histograms[band] = np.bincount(dn, minlength=NUM_BINS)
    return histograms


def sparse(histograms: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """The non-zero bins of each band: (values, counts), lists per band."""
    values = [np.flatnonzero(row) for row in histograms]
    counts = [row[v].tolist() for row, v in zip(histograms, values, strict=True)]
    return [v.tolist() for v in values], counts


def add(histograms: np.ndarray, band: np.ndarray, values: np.ndarray, counts: np.ndarray) -> None:
    """Add sparse bins, flattened (`band`, `values`, `counts` of equal length, e.g. every
    partition's `sparse` output end to end), into `histograms` [bands, NUM_BINS] in place."""
    cells = np.asarray(band, np.int64) * NUM_BINS + np.asarray(values, np.int64)
    added = np.bincount(cells, weights=counts, minlength=histograms.size)  # exact below 2**53
    histograms += added.astype(np.int64).reshape(histograms.shape)


def medians(histograms: np.ndarray) -> np.ndarray:
    """float64 [bands]: the median of each band's values, as `numpy.median` gives it (the
    mean of the two middle values for an even count); NaN for a band without values."""
    out = np.full(len(histograms), np.nan)
    for band, row in enumerate(histograms):
        total = int(row.sum())
        if total:
            cumulative = np.cumsum(row)
            low, high = np.searchsorted(cumulative, [(total - 1) // 2 + 1, total // 2 + 1])
            out[band] = (low + high) / 2
    return out

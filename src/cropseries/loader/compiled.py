"""The loader's per-value loops, compiled with numba: one pass where numpy needs several.

numpy makes an example's x in about six passes over every value of a chunk (take the
images, convert the byte order, subtract, divide, mask the zeros, scatter into buckets),
each reading and writing all of it; here each value is read once and written once, in
machine code that releases Python's lock, so the kernel threads overlap with pyarrow's
reading and with each other. The functions take plain arrays; what they mean is the
callers' business (`normalization`, `bucketing`, `source`). Compiled on first use, cached
on disk.
"""

from __future__ import annotations

import numba
import numpy as np


def compiled(function):
    """`function` compiled to machine code that runs without Python's lock, on first use.

    The machine code is cached beside the module, or in the user's cache directory, so a
    process compiles only what changed; where neither can be written (a read-only install
    without a home directory), each process compiles once instead.
    """
    try:
        return numba.njit(nogil=True, cache=True)(function)
    except RuntimeError:  # numba: "no locator available" for the cache
        return numba.njit(nogil=True)(function)


def native(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """`values` as the same bytes in native byte order, and whether they are swapped (numba
    reads native integers only; the course's bands are big-endian uint16)."""
    if values.dtype.isnative or values.dtype.itemsize == 1:
        return values, False
    if values.dtype.itemsize != 2:
        raise TypeError(f"cannot read {values.dtype} values in place (only 2-byte ones)")
    return values.view(values.dtype.newbyteorder("=")), True


@compiled
def normalize_into(bands, swapped, images, rows, mean, std, fill, positions, out):
    """out[rows[k], j] = (band positions[j] of image images[k] - mean) / std, in float32 as
    numpy computes it (convert, subtract, divide), or fill[band] where the DN is 0.

    `bands` [images, 12] integers (byte-swapped 2-byte values if `swapped`), `mean`, `std`
    and `fill` float32 [12], `positions` int64 [channels], `out` float32 [n, >= channels].

    The division is a float64 multiplication by 1 / std, twice as fast and the same float32:
    a quotient of two float32 lies at least 2**-49 (relative) from any point where rounding
    to float32 changes, and the product errs by at most 2**-52 (tests/test_compiled.py).
    """
    m, f = mean[positions], fill[positions]  # contiguous, per channel
    inverse = 1.0 / std[positions].astype(np.float64)
    for k in range(images.shape[0]):
        src, dst = bands[images[k]], out[rows[k]]
        for j in range(positions.shape[0]):
            dn = np.int32(src[positions[j]])
            if swapped:
                dn = ((dn & 0xFF) << 8) | (dn >> 8)
            value = np.float32(np.float64(np.float32(dn) - m[j]) * inverse[j])
            dst[j] = f[j] if dn == 0 else value  # a select, so the loop vectorizes


@compiled
def window_spans(dates, offsets, rows, start_days, length):
    """The first image and the number of images of every window: those of row rows[e]
    whose day (since the row's first image) lies in [start_days[e], start_days[e] + length].

    Dates ascend within a row, so a window is one run, found by binary search.
    """
    first = np.empty(rows.shape[0], np.int64)
    counts = np.zeros(rows.shape[0], np.int64)
    for e in range(rows.shape[0]):
        lo, hi = offsets[rows[e]], offsets[rows[e] + 1]
        first[e] = lo
        if lo == hi:
            continue
        row_dates = dates[lo:hi]
        start = np.int64(row_dates[0]) + start_days[e]
        begin = np.searchsorted(row_dates, start, side="left")
        end = np.searchsorted(row_dates, start + length, side="right")
        first[e], counts[e] = lo + begin, end - begin
    return first, counts


@compiled
def subsample(first, counts, max_images, keys):
    """The images each window keeps, window by window in time order, and how many: all of
    a window's, or, where it holds more than `max_images`, the `max_images` with the
    smallest keys (equal keys: the earlier image).

    `keys` uint32 holds one key per image of the crowded windows, window by window, in time
    order (empty: keep every image).
    """
    subsampling = keys.shape[0] > 0
    kept_counts = np.minimum(counts, max_images) if subsampling else counts.copy()
    kept = np.empty(kept_counts.sum(), np.int64)
    order = np.empty(counts.max() if counts.shape[0] else 0, np.uint64)  # key, position
    keep = np.zeros(order.shape[0], np.bool_)
    at = used = 0
    for e in range(first.shape[0]):
        n = counts[e]
        if subsampling and n > max_images:
            for i in range(n):
                order[i] = (np.uint64(keys[used + i]) << np.uint64(32)) | np.uint64(i)
            order[:n].sort()
            for i in range(max_images):
                keep[np.int64(order[i] & np.uint64(0xFFFFFFFF))] = True
            for i in range(n):
                if keep[i]:
                    kept[at] = first[e] + i
                    at += 1
                    keep[i] = False
            used += n
        else:
            for i in range(n):
                kept[at + i] = first[e] + i
            at += n
    return kept, kept_counts


@compiled
def bucket_windows(
    dates, offsets, scl, rows, start_days, kept, kept_counts, pick_keys,
    first_kept, clip_days, days_per_bucket, num_buckets, green, last_buckets,
):  # fmt: skip
    """Bucket every window's kept images (course_facts section 4), one window at a time.

    Days count from the row's first image. The anchor is the first kept image's day
    (`first_kept`; -1 for an empty window) or the window's start; an image's bucket is
    (clip(day, 0, clip_days) - min(anchor, clip_days)) // days_per_bucket and its day
    clip(day - anchor, 0, clip_days). A bucket keeps its earliest image, or the one with the
    smallest of `pick_keys` (one per kept image; empty: the earliest; equal: the earlier).
    A window is vegetated if one of its last `last_buckets` filled buckets has an SCL value
    that `green` (bool [256]) marks.

    Returns cells (example * num_buckets + bucket), images and days of the filled buckets,
    each window's anchor and vegetation flag, and the relative day of every kept image.
    """
    num_examples = rows.shape[0]
    cells = np.empty(kept.shape[0], np.int64)
    images = np.empty(kept.shape[0], np.int64)
    days = np.empty(kept.shape[0], np.int64)
    anchors = np.empty(num_examples, np.int64)
    vegetated = np.zeros(num_examples, np.bool_)
    kept_days = np.empty(kept.shape[0], np.int64)
    picking = pick_keys.shape[0] > 0
    at = filled = 0
    best_key = np.uint32(0)
    for e in range(num_examples):
        n = kept_counts[e]
        row_first = np.int64(dates[offsets[rows[e]]]) if n else 0
        anchor = start_days[e]
        if first_kept:
            anchor = np.int64(dates[kept[at]]) - row_first if n else -1
        anchors[e] = anchor
        low = min(anchor, clip_days)
        window_first = filled
        for i in range(at, at + n):
            day = np.int64(dates[kept[i]]) - row_first
            kept_days[i] = min(max(day - anchor, 0), clip_days)
            cell = e * num_buckets + (min(max(day, 0), clip_days) - low) // days_per_bucket
            if filled > window_first and cells[filled - 1] == cell:  # the bucket is open
                if picking and pick_keys[i] < best_key:
                    best_key = pick_keys[i]
                    images[filled - 1], days[filled - 1] = kept[i], kept_days[i]
                continue
            cells[filled], images[filled], days[filled] = cell, kept[i], kept_days[i]
            best_key = pick_keys[i] if picking else np.uint32(0)
            filled += 1
        for back in range(min(last_buckets, filled - window_first)):
            vegetated[e] |= green[scl[images[filled - 1 - back]]]
        at += n
    return cells[:filled], images[:filled], days[:filled], anchors, vegetated, kept_days


@compiled
def first_fall(dates, offsets):
    """The first row whose dates do not ascend, or -1."""
    for row in range(offsets.shape[0] - 1):
        for i in range(offsets[row] + 1, offsets[row + 1]):
            if dates[i] < dates[i - 1]:
                return row
    return -1


@compiled
def first_outside(values, allowed):
    """The position of the first of `values` (uint8) that `allowed` (bool [256]) does not
    mark, or -1."""
    for i in range(values.shape[0]):
        if not allowed[values[i]]:
            return i
    return -1

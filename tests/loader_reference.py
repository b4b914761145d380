"""A per-row reference of course_facts section 4, written for obviousness, not speed.

One series at a time, in plain Python: the loader's vectorized kernel must agree with it
exactly. Random draws are arguments, as in the kernel: the start day, a subsample key per
image, a pick key per image.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

RED, NIR = 3, 7  # B04, B08 in the course's band order
VEGETATION = 4


def reference_ndvi(red: int, nir: int) -> int:
    if nir + red == 0:
        return 0
    return max(-100, min(100, int(Fraction(100 * (nir - red), nir + red))))


def reference_example(
    dates,
    bands,
    scl,
    start_day,
    *,
    subsample_keys=None,
    pick_keys=None,
    days_in_series=120,
    days_per_bucket=5,
    max_images=25,
    anchor="first_kept",
    clip_days=365,
    exclude_scl=(),
):
    """(raw [25, 15] int, filled [25] bool, vegetated bool) of one series and one window."""
    keep = [i for i in range(len(dates)) if int(scl[i]) not in exclude_scl]
    dates = [int(dates[i]) for i in keep]
    bands = [[int(v) for v in bands[i]] for i in keep]
    scl = [int(scl[i]) for i in keep]
    subsample_keys = None if subsample_keys is None else [subsample_keys[i] for i in keep]
    pick_keys = None if pick_keys is None else [pick_keys[i] for i in keep]

    num_buckets = days_in_series // days_per_bucket + 1
    raw = np.zeros((num_buckets, 15), np.int64)
    filled = np.zeros(num_buckets, bool)
    days = [d - dates[0] for d in dates]
    window = [i for i in range(len(days)) if start_day <= days[i] <= start_day + days_in_series]
    if subsample_keys is not None and len(window) > max_images:
        smallest = sorted(window, key=lambda i: (subsample_keys[i], i))[:max_images]
        window = sorted(smallest)
    if not window:
        return raw, filled, False

    def clip(day):
        return min(max(day, 0), clip_days)

    origin = days[window[0]] if anchor == "first_kept" else start_day
    # A window starting before the first image (a negative start) keeps its own start as
    # bucket 0's; the course's starts are never negative, where this is clip(origin).
    origin_bucket = min(origin, clip_days)
    in_bucket: dict[int, list[int]] = {}
    for i in window:
        in_bucket.setdefault((clip(days[i]) - origin_bucket) // days_per_bucket, []).append(i)
    for b, images in in_bucket.items():
        i = images[0] if pick_keys is None else min(images, key=lambda j: (pick_keys[j], j))
        ndvi = reference_ndvi(bands[i][RED], bands[i][NIR])
        # the course's day channel: relative to where bucket 0 starts (course_facts 4)
        raw[b] = [*bands[i], ndvi, scl[i], min(max(days[i] - origin, 0), clip_days)]
        filled[b] = True
    last_two = sorted(in_bucket)[-2:]
    vegetated = any(raw[b, 13] == VEGETATION for b in last_two)
    return raw, filled, vegetated


def reference_label(label: int, vegetated: bool, uncultivated: int, no_crop: int) -> int:
    if label != uncultivated and not vegetated:
        return no_crop
    return label

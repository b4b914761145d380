"""The course's loader, restated from course_facts section 4 as the baseline of bench/loader.py.

As the course did it: the whole split read into memory with pandas, labels mapped in
pandas, `from_tensor_slices`, filter(double crops) -> shuffle(BATCH_SIZE * 10) ->
map(parse, AUTOTUNE) -> batch(BATCH_SIZE) -> prefetch(1), where `parse` decodes and buckets
one pixel with TensorFlow ops (`decode_raw(..., little_endian=False)`, a random window, a
random subsample of at most 25 images, 5-day buckets, earliest image per bucket, NDVI,
`scatter_nd`, masked normalization, the vegetation rule, one-hot). It is written to be
faithful, not fast; tests check that it computes the same examples as the loader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

from cropseries.cdl import double_crop_codes, name_to_code
from cropseries.legend import ClassLegend

DAYS_IN_SERIES, DAYS_PER_BUCKET, MAX_IMAGES, BATCH_SIZE = 120, 5, 25, 1028
NUM_BUCKETS = DAYS_IN_SERIES // DAYS_PER_BUCKET + 1
RED, NIR, VEGETATION = 3, 7, 4


def read_into_memory(files: list[str], kind: str, legend: ClassLegend) -> pd.DataFrame:
    """The whole split as one pandas DataFrame with `label` and `is_double_crop` columns."""
    columns = ["bands", "img_dates", "scl_vals"]
    if kind == "course":
        frame = pd.concat([pd.read_parquet(f, columns=[*columns, "CDL"]) for f in files])
        names = frame["CDL"].map(lambda b: b.decode())
        codes = names.map(name_to_code())
        frame["label"] = names.map(legend.label_of).astype(np.int32)
        frame["is_double_crop"] = codes.isin(double_crop_codes())
        return frame.drop(columns="CDL")
    columns += ["label", "is_double_crop"]
    return pd.concat([pd.read_parquet(f, columns=columns) for f in files])


def make_parse(mean, std, legend: ClassLegend, start_day=None, subsample: bool = True):
    """The per-element map function. `start_day` (a Python int) pins the window start."""
    mean = tf.constant(mean, tf.float32)
    std = tf.constant(std, tf.float32)
    no_crop, uncultivated = legend.no_crop_index, legend.rest_index

    def parse(bands_raw, dates_raw, scl_raw, label):
        bands = tf.reshape(
            tf.cast(tf.io.decode_raw(bands_raw, tf.uint16, little_endian=False), tf.int32),
            [-1, 12],
        )
        dates = tf.cast(tf.io.decode_raw(dates_raw, tf.uint16, little_endian=False), tf.int32)
        scl = tf.cast(tf.io.decode_raw(scl_raw, tf.uint8), tf.int32)
        num_images = tf.shape(dates)[0]
        first_date = tf.cond(num_images > 0, lambda: dates[0], lambda: 0)
        days = dates - first_date
        last_day = tf.cond(num_images > 0, lambda: days[-1], lambda: 0)
        if start_day is None:
            high = tf.maximum(1, last_day - DAYS_IN_SERIES)
            start = tf.random.uniform([], 0, high, dtype=tf.int32)
        else:
            start = tf.constant(start_day, tf.int32)
        in_window = tf.where((days >= start) & (days <= start + DAYS_IN_SERIES))[:, 0]
        if subsample:
            in_window = tf.sort(tf.random.shuffle(in_window)[:MAX_IMAGES])
        kept_days = tf.gather(days, in_window)
        first_kept = tf.cond(tf.size(kept_days) > 0, lambda: kept_days[0], lambda: 0)
        bucket = (
            tf.clip_by_value(kept_days, 0, 365) - tf.clip_by_value(first_kept, 0, 365)
        ) // DAYS_PER_BUCKET
        # Earliest kept image of each bucket: the smallest position among those in it.
        position = tf.range(tf.size(bucket))
        earliest = tf.math.unsorted_segment_min(position, bucket, NUM_BUCKETS)
        filled = earliest < tf.size(bucket)
        chosen = tf.gather(in_window, tf.boolean_mask(earliest, filled))
        kept_bands = tf.gather(bands, chosen)
        red = tf.cast(kept_bands[:, RED], tf.float64)
        nir = tf.cast(kept_bands[:, NIR], tf.float64)
        ratio = tf.math.divide_no_nan(100.0 * (nir - red), nir + red)
        ndvi = tf.cast(tf.clip_by_value(tf.cast(ratio, tf.int32), -100, 100), tf.int32)
        features = tf.concat(
            [
                kept_bands,
                ndvi[:, None],
                tf.gather(scl, chosen)[:, None],
                # the day channel: the relative day the bucket comes from (course_facts 4)
                tf.clip_by_value(tf.gather(days, chosen) - first_kept, 0, 365)[:, None],
            ],
            axis=1,
        )
        where = tf.cast(tf.where(filled), tf.int32)
        raw = tf.scatter_nd(where, features, [NUM_BUCKETS, 15])
        band_values = tf.cast(raw[:, :12], tf.float32)
        x = tf.where(band_values == 0, 0.0, (band_values - mean) / std)
        filled_scl = tf.boolean_mask(raw[:, 13], filled)
        vegetated = tf.reduce_any(filled_scl[-2:] == VEGETATION)
        final = tf.where((label != uncultivated) & ~vegetated, no_crop, label)
        return x, tf.one_hot(final, legend.num_classes, dtype=tf.float32), raw

    return parse


def course_dataset(frame: pd.DataFrame, mean, std, legend: ClassLegend) -> tf.data.Dataset:
    """The course's tf.data pipeline over an in-memory frame: (x, y) batches."""
    parse = make_parse(mean, std, legend)
    dataset = tf.data.Dataset.from_tensor_slices(
        (
            frame["bands"].to_numpy(),
            frame["img_dates"].to_numpy(),
            frame["scl_vals"].to_numpy(),
            frame["label"].to_numpy(np.int32),
            frame["is_double_crop"].to_numpy(bool),
        )
    )
    return (
        dataset.filter(lambda b, d, s, label, double: ~double)
        .shuffle(BATCH_SIZE * 10)
        .map(
            lambda b, d, s, label, double: parse(b, d, s, label)[:2],
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .batch(BATCH_SIZE)
        .prefetch(1)
    )

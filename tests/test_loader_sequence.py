"""The variable-length form: each window's kept images, unbucketed, padded to the longest in
the batch, the same for numpy, tf.data and PyTorch, and the bucketed x built from them."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from fixture_data import write_split_dataset, write_stats
from hypothesis import given, settings
from hypothesis import strategies as st
from test_loader_pipeline import rows_by_pixel

from cropseries.config import LoaderConfig
from cropseries.loader.normalization import read_stats
from cropseries.loader.pipeline import SEQUENCE, batches, plan, to_dataset
from cropseries.loader.shuffle import ShuffleBuffer, concatenate

EPOCH = datetime.date(1970, 1, 1)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("sequence")
    write_split_dataset(root, rows=150, files=2, row_group_rows=40)
    write_stats(root / "stats.json")
    return str(root)


def window_images(row: dict, start_day: int, days_in_series: int = 120) -> np.ndarray:
    """The row's images with start <= day <= start + length, days from its first image."""
    days = row["dates"] - row["dates"][:1].sum()  # an empty row has no first image
    return np.flatnonzero((days >= start_day) & (days <= start_day + days_in_series))


def assert_padded_to_the_longest(batch: dict) -> None:
    lengths = batch["seq_mask"].sum(axis=1)
    assert batch["seq_mask"].shape[1] == lengths.max()  # the batch's longest, no wider
    prefix = np.arange(batch["seq_mask"].shape[1]) < lengths[:, None]
    np.testing.assert_array_equal(batch["seq_mask"], prefix)  # images first, then padding
    for name in SEQUENCE[:-1]:
        assert not batch[name][~batch["seq_mask"]].any(), f"{name} is not 0 where padded"


def test_evaluation_sequences_are_every_image_of_each_window(splits):
    config = LoaderConfig(batch_size=64)
    job = plan(splits, splits, config, training=False, split="test", extras=True, sequence=True)
    norm, rows = read_stats(f"{splits}/stats.json"), rows_by_pixel(f"{splits}/split=test")
    examples = 0
    for batch in batches(job):
        assert_padded_to_the_longest(batch)
        for e in range(len(batch["x"])):
            row = rows[int(batch["pixel_id"][e])]
            images = window_images(row, int(batch["start_day"][e]))
            n = len(images)
            assert batch["seq_mask"][e].sum() == n
            bands = row["bands"][images].astype(np.float32)
            x = np.where(bands == 0, 0, (bands - norm.mean) / norm.std).astype(np.float32)
            np.testing.assert_array_equal(batch["seq_x"][e, :n], x)
            days = row["dates"][images] - (row["dates"][images[0]] if n else 0)
            np.testing.assert_array_equal(batch["seq_day"][e, :n], days)
            dates = [EPOCH + datetime.timedelta(days=int(d)) for d in row["dates"][images]]
            assert batch["seq_year"][e, :n].tolist() == [d.year for d in dates]
            assert batch["seq_doy"][e, :n].tolist() == [d.timetuple().tm_yday for d in dates]
            examples += 1
    assert examples == 15 * len(rows)


def test_training_buckets_are_the_earliest_sequence_image_of_each_bucket(splits):
    """Under random windows and a subsample: the kept images are real images of the window,
    at most max_images, and bucketing them by their day gives exactly x and its day channel."""
    config = LoaderConfig(seed=4, max_images=6, batch_size=50, shuffle_buffer=70)
    job = plan(splits, splits, config, training=True, split="train", extras=True, sequence=True)
    rows = rows_by_pixel(f"{splits}/split=train")
    crowded = 0
    for batch in batches(job):
        assert_padded_to_the_longest(batch)
        for e in range(len(batch["x"])):
            row, start = rows[int(batch["pixel_id"][e])], int(batch["start_day"][e])
            mask = batch["seq_mask"][e]
            assert mask.sum() <= 6
            in_window = window_images(row, start)
            crowded += len(in_window) > 6
            days = batch["seq_day"][e][mask]
            assert (np.diff(days) >= 0).all() and (not len(days) or days[0] == 0)
            x, raw = np.zeros((25, 12), np.float32), np.zeros((25,), np.int64)
            filled = np.zeros(25, bool)
            for values, day in zip(batch["seq_x"][e][mask], days, strict=True):
                bucket = day // 5
                if not filled[bucket]:
                    x[bucket], raw[bucket], filled[bucket] = values, day, True
            np.testing.assert_array_equal(batch["x"][e], x)
            np.testing.assert_array_equal(batch["mask"][e], filled)
            np.testing.assert_array_equal(batch["raw"][e, :, 14], raw)
    assert crowded > 0  # the subsample was exercised


def test_tf_data_gives_the_numpy_sequences_cut_to_each_batch(splits):
    config = LoaderConfig(seed=9, batch_size=32, shuffle_buffer=50)
    job = plan(splits, splits, config, training=True, split="train", sequence=True)
    from_numpy = list(batches(job))
    from_tf = list(to_dataset(job))
    assert len(from_tf) == len(from_numpy) > 2
    assert len({b["seq_x"].shape[1] for b in from_numpy}) > 1  # widths differ per batch
    for got, want in zip(from_tf, from_numpy, strict=True):
        assert set(got) == set(want) == {"x", "y", *SEQUENCE}
        for key in want:
            np.testing.assert_array_equal(got[key].numpy(), want[key], err_msg=key)


def test_pytorch_gives_the_numpy_sequences(splits):
    pytest.importorskip("torch", reason="the torch extra is not installed")
    from cropseries.loader.torch import LoaderDataset

    config = LoaderConfig(seed=9, batch_size=32, shuffle_buffer=50)
    job = plan(splits, splits, config, training=True, split="train", sequence=True)
    dataset = LoaderDataset(splits, splits, config, sequence=True)
    for got, want in zip(dataset, batches(job), strict=True):
        for key in want:
            np.testing.assert_array_equal(got[key].numpy(), want[key], err_msg=key)


def test_the_course_contract_has_no_sequence_unless_asked(splits):
    job = plan(splits, splits, LoaderConfig(seed=1), training=True, split="train")
    assert set(next(iter(batches(job)))) == {"x", "y"}


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(0, 9), min_size=1, max_size=12),
    capacity=st.integers(0, 40),
    batch=st.integers(1, 17),
)
def test_the_shuffle_buffer_pads_ragged_rows_and_loses_none(widths, capacity, batch):
    """Groups of rows of different widths: every row leaves once, its values intact and
    zero-padded to the width of the group it leaves in."""
    rng = np.random.default_rng(len(widths))
    buffer, groups, first = ShuffleBuffer(capacity, batch, rng), [], 0
    for width in widths:
        ids = np.arange(first, first + 5)
        first += 5
        values = np.where(np.arange(width) < ids[:, None] % (width + 1), ids[:, None] + 1, 0)
        groups += list(buffer.push({"id": ids, "values": values}))
    groups += list(buffer.drain())
    out = concatenate(groups)
    assert sorted(out["id"]) == list(range(first))
    for i, row in zip(out["id"], out["values"], strict=True):
        width = widths[i // 5]
        expected = np.where(np.arange(len(row)) < min(i % (width + 1), width), i + 1, 0)
        np.testing.assert_array_equal(row, expected)

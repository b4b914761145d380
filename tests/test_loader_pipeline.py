"""The loader end to end on small split and course-layout datasets, against the reference."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from fixture_data import write_course_dataset, write_split_dataset, write_stats
from loader_reference import reference_example, reference_label

from cropseries.codecs import decode_series
from cropseries.config import LoaderConfig
from cropseries.legend import course_legend
from cropseries.loader.normalization import read_stats
from cropseries.loader.pipeline import batches, plan
from cropseries.loader.shuffle import ShuffleBuffer
from cropseries.loader.source import Shard
from cropseries.loader.windows import last_days
from cropseries.reader import parquet_files
from cropseries.synth import SynthConfig, generate

LEGEND = course_legend()


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("splits")
    write_split_dataset(root, rows=150, files=2, row_group_rows=40)
    return str(root)


@pytest.fixture(scope="module")
def stats(splits):
    return write_stats(f"{splits}/stats.json")


def rows_by_pixel(folder: str) -> dict[int, dict]:
    """Every row of a split folder, decoded, by pixel id (file order kept in `order`)."""
    rows = {}
    for file in parquet_files(folder):
        table = pq.read_table(file)
        series = decode_series(table)
        last = last_days(series)
        for i, pixel in enumerate(table.column("pixel_id").to_pylist()):
            lo, hi = series.offsets[i], series.offsets[i + 1]
            rows[pixel] = {
                "order": len(rows),
                "dates": series.dates[lo:hi],
                "bands": series.bands[lo:hi],
                "scl": series.scl[lo:hi],
                "label": table.column("label")[i].as_py(),
                "year": table.column("year")[i].as_py(),
                "cdl_code": table.column("cdl_code")[i].as_py(),
                "double": table.column("is_double_crop")[i].as_py(),
                "last_day": int(last[i]),
            }
    return rows


def collect(batch_iter) -> dict[str, np.ndarray]:
    parts = list(batch_iter)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def assert_examples_match_reference(got, rows, normalization, **options):
    """Each example equals the reference for its row and start day (x, y, raw, mask)."""
    for e in range(len(got["x"])):
        row = rows[int(got["pixel_id"][e])]
        raw, filled, vegetated = reference_example(
            row["dates"], row["bands"], row["scl"], int(got["start_day"][e]), **options
        )
        np.testing.assert_array_equal(got["raw"][e], raw, err_msg=f"example {e}")
        np.testing.assert_array_equal(got["mask"][e], filled)
        bands = raw[:, :12].astype(np.float32)
        x = np.where(bands == 0, 0, (bands - normalization.mean) / normalization.std)
        np.testing.assert_array_equal(got["x"][e], x.astype(np.float32))
        label = reference_label(row["label"], vegetated, LEGEND.rest_index, LEGEND.no_crop_index)
        assert got["label"][e] == row["label"]
        np.testing.assert_array_equal(got["y"][e], np.eye(7, dtype=np.float32)[label])


def test_evaluation_is_every_row_at_every_start_day_in_file_row_day_order(splits, stats):
    config = LoaderConfig(batch_size=100)
    got = collect(batches(plan(splits, stats, config, training=False, split="test", extras=True)))
    rows = rows_by_pixel(f"{splits}/split=test")
    days = config.eval_start_days
    assert len(got["x"]) == len(rows) * len(days)  # double crops kept in test
    expected_pixels = np.repeat(sorted(rows, key=lambda p: rows[p]["order"]), len(days))
    np.testing.assert_array_equal(got["pixel_id"], expected_pixels)
    np.testing.assert_array_equal(got["start_day"], np.tile(days, len(rows)))
    for key in ("year", "cdl_code"):
        expected = [rows[p][key] for p in got["pixel_id"]]
        np.testing.assert_array_equal(got[key], expected, err_msg=key)
    assert_examples_match_reference(got, rows, read_stats(stats))


def test_evaluation_with_options_matches_reference(splits, stats):
    config = LoaderConfig(anchor="window_start", exclude_scl=(3, 10), days_per_bucket=7)
    p = plan(splits, stats, config, training=False, split="val", start_days=(0, 33), extras=True)
    got = collect(batches(p))
    rows = rows_by_pixel(f"{splits}/split=val")
    assert len(got["x"]) == 2 * sum(not r["double"] for r in rows.values())
    assert_examples_match_reference(
        got, rows, read_stats(stats), anchor="window_start", exclude_scl=(3, 10), days_per_bucket=7
    )


def test_training_without_subsample_matches_reference_at_the_drawn_start_days(splits, stats):
    config = LoaderConfig(seed=3, batch_size=64, shuffle_buffer=100, subsample=False)
    got = collect(batches(plan(splits, stats, config, training=True, split="train", extras=True)))
    rows = rows_by_pixel(f"{splits}/split=train")
    kept = {p for p, r in rows.items() if not r["double"]}
    assert sorted(got["pixel_id"]) == sorted(kept)  # every row once, double crops dropped
    high = np.array([max(1, rows[p]["last_day"] - 120) for p in got["pixel_id"]])
    assert ((got["start_day"] >= 0) & (got["start_day"] < high)).all()
    assert_examples_match_reference(got, rows, read_stats(stats))


def test_training_subsample_keeps_at_most_max_images_of_the_window(splits, stats):
    config = LoaderConfig(seed=4, max_images=6)
    got = collect(batches(plan(splits, stats, config, training=True, split="train", extras=True)))
    rows = rows_by_pixel(f"{splits}/split=train")
    subsampled = 0
    for e in range(len(got["x"])):
        row, start = rows[int(got["pixel_id"][e])], int(got["start_day"][e])
        full, full_mask, _ = reference_example(row["dates"], row["bands"], row["scl"], start)
        filled = got["raw"][e][got["mask"][e]]
        assert len(filled) <= 6
        if not len(filled):
            continue
        days = row["dates"] - row["dates"][0]
        in_window = np.flatnonzero((days >= start) & (days <= start + 120))
        anchors = set()  # each kept image is a real image of the window, its day counted
        for values in filled:  # from the first kept image (course_facts section 4)
            match = [i for i in in_window if (row["bands"][i] == values[:12]).all()]
            assert match, "a kept image is not an image of the window"
            anchors.add(int(days[match[0]]) - int(values[14]))
        assert len(anchors) == 1 and min(anchors) >= start and filled[0, 14] == 0
        subsampled += full_mask.sum() > got["mask"][e].sum()
    assert subsampled > 0


def test_same_seed_gives_same_batches_and_epochs_differ(splits, stats):
    config = LoaderConfig(seed=11, batch_size=50, shuffle_buffer=80, pick="random")
    p = plan(splits, stats, config, training=True, split="train")
    first, again, other_epoch = (list(batches(p, e)) for e in (0, 0, 1))
    assert len(first) == len(again) > 2
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a["x"], b["x"])
        np.testing.assert_array_equal(a["y"], b["y"])
    assert not np.array_equal(first[0]["x"], other_epoch[0]["x"])


def test_shards_partition_the_rows(splits, stats):
    config = LoaderConfig(seed=1, subsample=False)
    seen = []
    for index in range(3):
        p = plan(
            splits, stats, config, training=True, split="train", extras=True, shard=Shard(3, index)
        )
        seen.append(collect(batches(p))["pixel_id"])
    everything = collect(
        batches(plan(splits, stats, config, training=True, split="train", extras=True))
    )["pixel_id"]
    assert all(len(s) for s in seen)
    assert sorted(np.concatenate(seen)) == sorted(everything)


def test_course_layout_input_labels_by_legend_and_drops_double_crops(tmp_path, stats):
    course = write_course_dataset(tmp_path / "course", years=(2021,), rows_per_partition=60)
    config = LoaderConfig(batch_size=1000)
    got = collect(
        batches(
            plan(
                course, stats, config, training=False, split="val", extras=True, start_days=(0, 100)
            )
        )
    )
    table = pq.read_table(course)
    names = table.column("CDL").to_pylist()
    double = np.array([n.startswith(b"Dbl") for n in names])
    assert len(got["x"]) == 2 * (~double).sum()
    expected = np.repeat([LEGEND.label_of(n.decode()) for n in names], 2)[np.repeat(~double, 2)]
    np.testing.assert_array_equal(got["label"], expected)
    assert set(got["year"]) == {2021}  # from the year= folder
    codes = np.repeat(LEGEND.codes(table.column("CDL")), 2)[np.repeat(~double, 2)]
    np.testing.assert_array_equal(got["cdl_code"], codes)
    series = decode_series(table)
    for e in range(0, len(got["x"]), 7):
        i = np.flatnonzero(~double)[e // 2]
        lo, hi = series.offsets[i], series.offsets[i + 1]
        raw, _, _ = reference_example(
            series.dates[lo:hi], series.bands[lo:hi], series.scl[lo:hi], int(got["start_day"][e])
        )
        np.testing.assert_array_equal(got["raw"][e], raw)


@pytest.mark.parametrize(("capacity", "batch"), [(30, 16), (10, 16), (0, 16), (1000, 16)])
def test_shuffle_buffer_emits_every_example_once_in_batches(capacity, batch):
    buffer = ShuffleBuffer(capacity, batch, np.random.default_rng(0))
    out = []
    for start in range(0, 100, 7):
        out += list(buffer.push({"i": np.arange(start, min(100, start + 7))}))
        assert buffer.size <= capacity and buffer.arriving.count < batch + 7
    out += list(buffer.drain())
    assert [len(b["i"]) for b in out] == [16] * 6 + [4]
    order = np.concatenate([b["i"] for b in out])
    assert sorted(order) == list(range(100))
    assert np.array_equal(order, np.arange(100)) == (capacity == 0)


def test_tf_datasets_have_the_course_shapes_and_repeat_with_a_seed(splits, stats):
    import tensorflow as tf

    from cropseries.loader.pipeline import (
        distributed_dataset_fn,
        evaluation_dataset,
        to_dataset,
        training_dataset,
    )

    config = LoaderConfig(seed=5, batch_size=64)
    ds = training_dataset(splits, stats, config)
    x, y = next(iter(ds))
    assert x.shape == (64, 25, 12) and x.dtype == tf.float32
    assert y.shape == (64, 7) and y.dtype == tf.float32
    again = next(iter(training_dataset(splits, stats, config)))
    np.testing.assert_array_equal(x.numpy(), again[0].numpy())

    evaluation = next(iter(evaluation_dataset(splits, stats, config, start_days=(0, 200))))
    assert evaluation["raw"].shape == (64, 25, 15)
    assert evaluation["start_day"].numpy()[:2].tolist() == [0, 200]

    for extras in (False, True):  # tf.data gives exactly the numpy pipeline's batches
        p = plan(splits, stats, config, training=True, split="train", extras=extras)
        from_tf = list(to_dataset(p))
        from_numpy = list(batches(p))
        assert len(from_tf) == len(from_numpy) > 1
        for a, b in zip(from_tf, from_numpy, strict=True):
            a = a if extras else dict(zip(("x", "y"), a, strict=True))
            assert set(a) == set(b)
            for key in b:
                np.testing.assert_array_equal(a[key].numpy(), b[key], err_msg=key)

    context = tf.distribute.InputContext(
        num_input_pipelines=2, input_pipeline_id=1, num_replicas_in_sync=2
    )
    shard = distributed_dataset_fn(splits, stats, config)(context)
    assert next(iter(shard))[0].shape == (32, 25, 12)


def test_heap_thresholds_are_set_on_glibc():
    import platform

    from cropseries.loader.memory import keep_arrays_on_heap

    on_glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert keep_arrays_on_heap() is on_glibc


def test_the_cache_replays_the_same_examples_as_streaming_epoch_after_epoch(splits, stats):
    from cropseries.loader.pipeline import cache_for

    config = LoaderConfig(batch_size=64, seed=4, shuffle_buffer=100)
    job = plan(splits, stats, config, training=True, split="train", extras=True)
    cache = cache_for(job)
    assert cache is not None and not cache.complete
    for epoch in range(3):
        streamed = collect(batches(job, epoch))
        cached = collect(batches(job, epoch, cache=cache))
        assert cache.complete
        for key in streamed:
            np.testing.assert_array_equal(cached[key], streamed[key], err_msg=f"{epoch} {key}")
    assert not np.array_equal(collect(batches(job, 1))["x"], collect(batches(job, 2))["x"])


def test_a_split_over_the_cache_budget_streams_and_says_so(splits, stats, caplog):
    from cropseries.loader.cache import decoded_bytes
    from cropseries.loader.pipeline import cache_for
    from cropseries.loader.source import read_columns

    job = plan(splits, stats, LoaderConfig(), training=True, split="train")
    need = decoded_bytes(job.source, job.source.units, read_columns("split"))
    assert 0 < need < 2**20 and cache_for(job) is not None
    small = LoaderConfig(cache_mb=need / 2 / 2**20, seed=1)
    job = plan(splits, stats, small, training=True, split="train")
    with caplog.at_level("WARNING", logger="cropseries.loader.cache"):
        assert cache_for(job) is None
    [line] = caplog.messages
    assert "split 'train'" in line and "every epoch reads it from the files" in line
    off = plan(splits, stats, LoaderConfig(cache_mb=0), training=True, split="train")
    assert cache_for(off) is None


def test_kernel_threads_do_not_change_the_examples(splits, stats):
    from cropseries.loader.pipeline import cache_for

    got = {}
    for threads in (1, 3):
        config = LoaderConfig(batch_size=50, seed=9, kernel_threads=threads, read_rows=16)
        job = plan(splits, stats, config, training=True, split="train", extras=True)
        cache = cache_for(job)
        got[threads] = [collect(batches(job, epoch, cache=cache)) for epoch in range(2)]
    for one, three in zip(got[1], got[3], strict=True):
        for key in one:
            np.testing.assert_array_equal(one[key], three[key], err_msg=key)


@pytest.mark.parametrize(
    ("cores", "streamed", "cached"), [(1, 1, 1), (2, 1, 2), (3, 2, 3), (8, 4, 4), (None, 1, 1)]
)
def test_default_kernel_threads_leave_the_reader_a_core(monkeypatch, cores, streamed, cached):
    from cropseries.loader import source

    monkeypatch.setattr(source.os, "cpu_count", lambda: cores)
    assert source.kernel_threads(None, reading=True) == streamed
    assert source.kernel_threads(None, reading=False) == cached
    assert source.kernel_threads(3, reading=True) == 3  # a setting is kept as it is


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_ordered_map_keeps_the_order_and_raises_where_the_item_was(workers):
    import time

    from cropseries.loader.source import ordered_map

    def slow_square(i):
        time.sleep(0.002 * (i % 3))
        if i == 7:
            raise ValueError("seven")
        return i * i

    results = ordered_map(slow_square, range(20), workers)
    assert [next(results) for _ in range(7)] == [i * i for i in range(7)]
    with pytest.raises(ValueError, match="seven"):
        next(results)


def test_numpy_epochs_are_the_batches_of_successive_epochs(splits, stats):
    from cropseries.loader.pipeline import Epochs

    job = plan(splits, stats, LoaderConfig(batch_size=64, seed=2), training=True, split="train")
    epochs = Epochs(job)
    first, second = collect(epochs), collect(epochs)
    for epoch, got in enumerate((first, second)):
        expected = collect(batches(job, epoch))
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key])
    assert not np.array_equal(first["x"], second["x"])
    epochs.set_epoch(0)
    np.testing.assert_array_equal(collect(epochs)["x"], first["x"])


def test_each_filled_bucket_carries_its_images_year_and_day_of_year(splits, stats):
    import datetime

    config = LoaderConfig(batch_size=100)
    got = collect(batches(plan(splits, stats, config, training=False, split="val", extras=True)))
    rows = rows_by_pixel(f"{splits}/split=val")
    epoch = datetime.date(1970, 1, 1)
    checked = 0
    for e in range(0, len(got["x"]), 5):
        row = rows[int(got["pixel_id"][e])]
        for b in np.flatnonzero(got["mask"][e]):
            [image] = np.flatnonzero((row["bands"] == got["raw"][e, b, :12]).all(axis=1))[:1]
            date = epoch + datetime.timedelta(days=int(row["dates"][image]))
            day_of_year = date.timetuple().tm_yday
            assert (got["bucket_year"][e, b], got["bucket_doy"][e, b]) == (date.year, day_of_year)
            checked += 1
    assert checked > 100
    empty = ~got["mask"]
    assert (got["bucket_year"][empty] == 0).all() and (got["bucket_doy"][empty] == 0).all()


def test_season_windows_give_every_row_early_mid_and_late_as_the_reference(splits, stats):
    config = LoaderConfig(window="season:early,mid,late", days_in_series=60, days_per_bucket=10)
    p = plan(splits, stats, config, training=False, split="val", extras=True)
    got = collect(batches(p))
    rows = rows_by_pixel(f"{splits}/split=val")
    kept = sorted((p for p, r in rows.items() if not r["double"]), key=lambda p: rows[p]["order"])
    np.testing.assert_array_equal(got["pixel_id"], np.repeat(kept, 3))
    room = np.array([max(0, rows[p]["last_day"] - 60) for p in kept])
    np.testing.assert_array_equal(
        got["start_day"], np.stack([0 * room, room // 2, room], 1).ravel()
    )
    assert got["x"].shape[1:] == (7, 12)  # 60 // 10 + 1 buckets
    assert_examples_match_reference(
        got, rows, read_stats(stats), days_in_series=60, days_per_bucket=10
    )


def test_training_as_of_a_day_ends_every_window_on_it(splits, stats):
    import datetime as dt

    config = LoaderConfig(window="ending:06-15", seed=1, subsample=False, anchor="window_start")
    got = collect(batches(plan(splits, stats, config, training=True, split="train", extras=True)))
    rows = rows_by_pixel(f"{splits}/split=train")
    assert sorted(got["pixel_id"]) == sorted(p for p, r in rows.items() if not r["double"])
    for pixel, start in zip(got["pixel_id"], got["start_day"], strict=True):
        if not len(rows[pixel]["dates"]):
            assert start == 0  # nothing to window
            continue
        first = dt.date(1970, 1, 1) + dt.timedelta(days=int(rows[pixel]["dates"][0]))
        assert start == (dt.date(first.year, 6, 15) - first).days - 120
    assert_examples_match_reference(got, rows, read_stats(stats), anchor="window_start")


def test_evaluate_refuses_a_window_that_is_not_a_start_day_grid(splits, stats):
    from cropseries.errors import ConfigError
    from cropseries.train.evaluate import prepare

    config = LoaderConfig(window="ending:07-01")
    with pytest.raises(ConfigError, match="not a start-day grid"):
        prepare(splits, "no-model.keras", stats=stats, config=config, split="val")


def test_a_band_subset_is_those_bands_of_the_full_examples_in_its_order(splits, stats):
    from cropseries.layout import BANDS

    subset = ("B08", "B04", "B11")
    got = {}
    for bands in (None, subset):
        config = LoaderConfig(seed=4, batch_size=64, bands=bands)
        job = plan(splits, stats, config, training=True, split="train", sequence=True)
        got[bands] = list(batches(job))  # batch by batch: the sequence form's widths differ
    positions = [BANDS.index(b) for b in subset]
    for some, every in zip(got[subset], got[None], strict=True):
        for key in ("x", "seq_x"):
            np.testing.assert_array_equal(some[key], every[key][..., positions], err_msg=key)
        np.testing.assert_array_equal(some["y"], every["y"])


@pytest.mark.parametrize(
    "bands, message",
    [(("B99",), "choose from B01"), ((), "choose from B01"), (("B08", "B08"), "named twice")],
)
def test_bands_must_be_named_once_each(bands, message):
    from cropseries.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        LoaderConfig(bands=bands)


def test_median_fill_puts_each_bands_normalized_median_where_a_bucket_is_empty(splits, tmp_path):
    from cropseries.errors import CropseriesError

    median = [900.0 + 50 * i for i in range(12)]
    stats = write_stats(tmp_path / "stats.json", median=median)
    got = {}
    for fill in ("zero", "median"):
        config = LoaderConfig(seed=2, batch_size=64, fill=fill)
        job = plan(splits, stats, config, training=True, split="train", extras=True)
        got[fill] = collect(batches(job))
    norm = read_stats(stats)
    expected = ((np.float32(median) - norm.mean) / norm.std).astype(np.float32)
    empty = got["median"]["raw"][..., :12] == 0  # an empty bucket, or a DN of 0
    np.testing.assert_array_equal(
        got["median"]["x"][empty], np.broadcast_to(expected, empty.shape)[empty]
    )
    np.testing.assert_array_equal(got["median"]["x"][~empty], got["zero"]["x"][~empty])
    assert empty.any() and (~empty).any()
    with pytest.raises(CropseriesError, match="has no 'median' for fill='median'"):
        plan(splits, write_stats(tmp_path / "old.json"), config, training=True, split="train")
    with pytest.raises(CropseriesError, match="course constants: has no 'median'"):
        plan(splits, "course", config, training=True, split="train")


def test_index_channels_follow_the_bands_normalized_with_their_own_statistics(splits, tmp_path):
    from cropseries.errors import CropseriesError
    from cropseries.indices import INDICES
    from cropseries.indices import values as index_values

    stats = write_stats(tmp_path / "stats.json", indices=True)
    names = ("evi", "ndvi100", "ndmi")
    config = LoaderConfig(seed=3, batch_size=64, indices=names, bands=("B08", "B04"))
    got = collect(batches(plan(splits, stats, config, training=True, split="train", extras=True)))
    assert got["x"].shape[2] == 5
    norm = read_stats(stats)
    filled = got["mask"]
    dn = got["raw"][..., :12][filled]
    mean = np.array([norm.index_mean[n] for n in names])
    std = np.array([norm.index_std[n] for n in names])
    expected = np.nan_to_num((index_values(dn, names) - mean) / std, nan=0.0).astype(np.float32)
    np.testing.assert_array_equal(got["x"][..., 2:][filled], expected)
    assert (got["x"][..., 2:][~filled] == 0).all()  # an empty bucket holds each index's mean
    assert len(INDICES) == 6
    with pytest.raises(CropseriesError, match="has no statistics for index 'evi'"):
        plan(splits, write_stats(tmp_path / "old.json"), config, training=True, split="train")


def test_both_codecs_give_the_same_batches(tmp_path, stats):
    """The compiled kernel reads big-endian uint16 in place and little-endian int32 natively."""
    got = {}
    for codec in ("uint16be", "int32le"):
        config = SynthConfig(pixels=70, years=(2021,), seed=2, codec=codec)
        generate(str(tmp_path / codec), config, progress=False)
        loader = LoaderConfig(seed=4, batch_size=64, codec=codec)
        got[codec] = collect(
            batches(plan(str(tmp_path / codec), stats, loader, training=True, split="val"))
        )
    assert len(got["uint16be"]["x"]) > 0
    for name in ("x", "y"):
        np.testing.assert_array_equal(got["uint16be"][name], got["int32le"][name])
    assert np.count_nonzero(got["int32le"]["x"]) > 0

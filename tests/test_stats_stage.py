"""The 02_stats Spark stage on small hand-built split datasets (local Spark Connect)."""

import os
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixture_data import (
    numpy_band_medians,
    numpy_band_stats,
    numpy_index_stats,
    random_series,
    split_table,
    write_splits,
)

from cropseries.config import StatsConfig
from cropseries.layout import BANDS
from cropseries.legend import course_legend, load_legend
from cropseries.stats import StatsError, compute_stats, load_stats

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Train in three files (so Spark merges several partitions), val and test in one each."""
    rng = np.random.default_rng(42)
    tables = {
        "train": [split_table(rng, 400, first_pixel=1000 * i) for i in range(3)],
        "val": split_table(rng, 150, year=2020),
        "test": split_table(rng, 120, year=2019),
    }
    root = write_splits(tmp_path_factory.mktemp("splits"), tables)
    return root, tables


def test_band_statistics_equal_numpy_and_classes_are_counted_exactly(spark, dataset):
    root, tables = dataset
    stats = compute_stats(spark, root, StatsConfig(indices=True, medians=True))
    mean, std, count = numpy_band_stats(tables["train"])
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(stats.std, std, rtol=1e-6)
    np.testing.assert_array_equal(stats.count, count)
    np.testing.assert_array_equal(stats.median, numpy_band_medians(tables["train"]))  # exact
    index_mean, index_std = numpy_index_stats(tables["train"])
    assert stats.index_stats.names == ("ndvi", "evi", "ndwi", "ndmi", "ndre", "ndvi100")
    np.testing.assert_allclose(stats.index_stats.mean, index_mean, rtol=1e-6)
    np.testing.assert_allclose(stats.index_stats.std, index_std, rtol=1e-6)
    for split, parts in tables.items():
        labels = np.concatenate(
            [t.column("label").to_numpy() for t in (parts if isinstance(parts, list) else [parts])]
        )
        assert stats.class_counts[split].tolist() == np.bincount(labels, minlength=7).tolist()
    assert list(stats.class_counts) == ["train", "val", "test"]
    assert stats.metadata["rows"] == 1200
    assert stats.metadata["images"] == sum(
        t.column("num_images").to_numpy().sum() for t in tables["train"]
    )
    written = load_stats(os.path.join(root, "stats.json"))
    np.testing.assert_array_equal(written.mean, stats.mean)
    np.testing.assert_array_equal(written.median, stats.median)
    np.testing.assert_array_equal(written.index_stats.std, stats.index_stats.std)
    np.testing.assert_array_equal(written.class_weights, stats.class_weights)
    assert written.label_count is None


def test_excluded_scl_and_per_label_statistics_equal_numpy(spark, dataset, tmp_path):
    root, tables = dataset
    config = StatsConfig(exclude_scl=(3, 10), per_label=True, indices=True, medians=True)
    stats = compute_stats(spark, root, config, out=str(tmp_path / "other.json"))
    assert not os.path.exists(os.path.join(root, "other.json"))
    mean, std, count = numpy_band_stats(tables["train"], exclude_scl=(3, 10))
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(stats.std, std, rtol=1e-6)
    np.testing.assert_array_equal(stats.count, count)
    expected = numpy_band_medians(tables["train"], exclude_scl=(3, 10))
    np.testing.assert_array_equal(stats.median, expected)
    index_mean, index_std = numpy_index_stats(tables["train"], exclude_scl=(3, 10))
    np.testing.assert_allclose(stats.index_stats.mean, index_mean, rtol=1e-6)
    np.testing.assert_allclose(stats.index_stats.std, index_std, rtol=1e-6)
    train = pa.concat_tables(tables["train"])
    labels = train.column("label").to_numpy()
    for label in np.unique(labels):
        rows = train.filter(pa.array(labels == label))
        mean, std, count = numpy_band_stats([rows], exclude_scl=(3, 10))
        np.testing.assert_allclose(stats.label_mean[label], mean, rtol=1e-6)
        np.testing.assert_allclose(stats.label_std[label], std, rtol=1e-6)
        np.testing.assert_array_equal(stats.label_count[label], count)
    assert np.isnan(stats.label_mean[course_legend().no_crop_index]).all()
    assert load_stats(str(tmp_path / "other.json")).label_count.shape == (7, 12)


def test_values_near_the_top_of_uint16_keep_their_tiny_spread(spark, tmp_path):
    rng = np.random.default_rng(7)
    parts = [
        split_table(
            rng,
            200,
            first_pixel=200 * i,
            series=random_series(
                rng, rng.integers(1, 40, 200), low=65533, high=65536, zero_share=0
            ),
        )
        for i in range(4)
    ]
    root = write_splits(tmp_path, {"train": parts})
    stats = compute_stats(spark, root)
    mean, std, _ = numpy_band_stats(parts)
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(stats.std, std, rtol=1e-6)
    assert stats.median is None and stats.index_stats is None  # only when asked for
    with open(os.path.join(root, "stats.json")) as written:
        assert '"median"' not in written.read()


def assert_nothing_written(root):
    assert not [n for n in os.listdir(root) if "stats" in n]


def test_missing_directory_or_train_split_is_named(spark, tmp_path):
    with pytest.raises(StatsError, match=r"nowhere: no such directory"):
        compute_stats(spark, str(tmp_path / "nowhere"))
    root = write_splits(tmp_path, {"val": split_table(np.random.default_rng(0), 5)})
    with pytest.raises(StatsError, match=r"no train split \(expected .*split=train/part-\*"):
        compute_stats(spark, root)
    assert_nothing_written(root)


def test_empty_train_split_is_refused(spark, tmp_path):
    empty = split_table(np.random.default_rng(0), 3).slice(0, 0)
    root = write_splits(tmp_path, {"train": empty})
    with pytest.raises(StatsError, match=r"split=train: the train split is empty \(1 Parquet"):
        compute_stats(spark, root)
    assert_nothing_written(root)


def test_unreadable_file_and_missing_column_are_named(spark, tmp_path):
    rng = np.random.default_rng(0)
    root = write_splits(tmp_path, {"train": split_table(rng, 5), "test": split_table(rng, 5)})
    bad = os.path.join(root, "split=test", "part-00001.parquet")
    with open(bad, "wb") as f:
        f.write(b"not parquet at all")
    with pytest.raises(StatsError, match=rf"{bad}: not a readable Parquet file"):
        compute_stats(spark, root)
    os.remove(bad)
    pq.write_table(split_table(rng, 5).drop_columns(["label"]), bad)
    with pytest.raises(StatsError, match=r"part-00001.parquet: column 'label' is missing"):
        compute_stats(spark, root)
    pq.write_table(split_table(rng, 5).drop_columns(["year"]), bad)
    with pytest.raises(StatsError, match=r"part-00001.parquet: column 'year' is missing"):
        compute_stats(spark, root)
    assert_nothing_written(root)


def test_band_without_valid_observation_is_named(spark, tmp_path):
    rng = np.random.default_rng(0)
    series = random_series(rng, [3, 5, 0, 2])
    series.bands[:, BANDS.index("B8A")] = 0
    root = write_splits(tmp_path, {"train": split_table(rng, 4, series=series)})
    with pytest.raises(
        StatsError,
        match=r"split=train: band B8A has no valid observation in 4 "
        r"rows \(band values with DN != 0\); nothing written",
    ):
        compute_stats(spark, root)
    assert_nothing_written(root)


def test_a_corrupt_row_is_named_by_file_pixel_and_year(spark, tmp_path):
    """The pass reads no file path per row: the driver finds the bad row's file by its pixel
    and year, so the same pixel in another year's file is not named."""
    rng = np.random.default_rng(0)
    tables = [
        split_table(rng, 50, year=year, series=random_series(rng, np.full(50, 4)))
        for year in (2020, 2021)
    ]
    bands = tables[1].column("bands").to_pylist()
    bands[17] = bands[17][:-2]  # one value short
    tables[1] = tables[1].set_column(
        tables[1].schema.get_field_index("bands"), "bands", pa.array(bands, pa.binary())
    )
    root = write_splits(tmp_path, {"train": tables})
    with pytest.raises(StatsError) as raised:
        compute_stats(spark, root)
    message = str(raised.value)
    assert re.search(
        r"split=train/part-00001.parquet, pixel_id 17, year 2021: column "
        r"'bands' holds 47 values but num_images=4 needs 48",
        message,
    ), message
    assert "part-00000" not in message
    assert_nothing_written(root)


def test_labels_of_another_legend_are_refused(spark, tmp_path):
    table = split_table(
        np.random.default_rng(0), 30, names=("Corn", "Rice"), legend=load_legend("slides")
    )
    root = write_splits(tmp_path, {"train": table})
    with pytest.raises(StatsError, match=r"the data fits legend 'slides'"):
        compute_stats(spark, root)
    assert_nothing_written(root)
    stats = compute_stats(spark, root, StatsConfig(legend="slides"))
    assert stats.classes == load_legend("slides").classes

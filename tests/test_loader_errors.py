"""Bad input reaching the loader: a clear LoaderError naming file, row and column, never a
silent zero batch."""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixture_data import (
    random_series,
    split_table,
    write_course_dataset,
    write_split_dataset,
    write_stats,
)

from cropseries.config import LoaderConfig
from cropseries.loader.errors import LoaderError
from cropseries.loader.normalization import Normalization, read_stats
from cropseries.loader.pipeline import batches, plan, training_dataset
from cropseries.loader.source import Shard


def write_split_file(root, table, split="train", row_group_rows=40) -> str:
    folder = os.path.join(str(root), f"split={split}")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "part-00000.parquet")
    pq.write_table(table, path, row_group_size=row_group_rows)
    return path


def rows_of(n: int) -> pa.Table:
    """`n` valid split rows of 3 to 40 images each (the same rows for the same n)."""
    rng = np.random.default_rng(5)
    return split_table(rng, n, series=random_series(rng, rng.integers(3, 41, size=n)))


def table_with(column: str, row: int, value, rows: int = 100) -> pa.Table:
    """A valid split table whose `column` holds `value` at `row`."""
    table = rows_of(rows)
    values = table.column(column).to_pylist()
    values[row] = value
    at = table.schema.get_field_index(column)
    return table.set_column(at, column, pa.array(values, table.schema.field(column).type))


def train_all(root, stats=None):
    return list(batches(plan(str(root), stats, LoaderConfig(), training=True, split="train")))


def test_corrupt_row_names_file_row_and_column(tmp_path):
    table = rows_of(100)
    good = table.column("num_images")[70].as_py()
    path = write_split_file(tmp_path, table_with("num_images", 70, good + 1))
    with pytest.raises(
        LoaderError, match=rf"{path}, row 70, column 'bands': .* num_images="
    ) as bad:
        train_all(tmp_path)
    assert (bad.value.file, bad.value.row, bad.value.column) == (path, 70, "bands")


def test_corrupt_row_error_reaches_a_tf_dataset_user(tmp_path):
    import tensorflow as tf

    path = write_split_file(tmp_path, table_with("img_dates", 3, b"\x00"))
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"LoaderError: {path}, row 3"):
        list(training_dataset(str(tmp_path), None))


def test_dates_out_of_order_are_rejected(tmp_path):
    table = rows_of(50)
    dates = np.frombuffer(table.column("img_dates")[12].as_py(), ">u2")
    path = write_split_file(tmp_path, table_with("img_dates", 12, dates[::-1].tobytes(), rows=50))
    with pytest.raises(LoaderError, match=rf"{path}, row 12, column 'img_dates': .*not ascending"):
        train_all(tmp_path)


def test_an_scl_value_outside_the_stored_set_is_rejected(tmp_path):
    table = rows_of(50)
    scl = bytearray(table.column("scl_vals")[20].as_py())
    scl[0] = 99
    path = write_split_file(tmp_path, table_with("scl_vals", 20, bytes(scl), rows=50))
    with pytest.raises(LoaderError, match=rf"{path}, row 20, column 'scl_vals': SCL value 99"):
        train_all(tmp_path)


def test_null_and_out_of_range_label_are_rejected(tmp_path):
    write_split_file(tmp_path, table_with("label", 45, None))
    with pytest.raises(LoaderError, match=r"row 45, column 'label': is null"):
        train_all(tmp_path)
    write_split_file(tmp_path, table_with("label", 46, 7))
    with pytest.raises(LoaderError, match=r"row 46, column 'label': 7 is not a class"):
        train_all(tmp_path)


def test_unknown_cdl_name_in_course_layout_input(tmp_path):
    root = write_course_dataset(tmp_path / "course", years=(2021,), rows_per_partition=20)
    file = sorted(str(p) for p in (tmp_path / "course").rglob("*.parquet"))[0]
    table = pq.read_table(file, partitioning=None)
    names = table.column("CDL").to_pylist()
    names[9] = b"Moon Cheese"
    table = table.set_column(2, "CDL", pa.array(names, pa.binary()))
    pq.write_table(table, file)
    with pytest.raises(LoaderError, match=rf"{file}, row 9, column 'CDL': b'Moon Cheese'"):
        list(batches(plan(root, None, LoaderConfig(), training=False, split="test")))


def test_split_without_rows(tmp_path):
    empty = rows_of(3).slice(0, 0)
    write_split_file(tmp_path, empty)
    with pytest.raises(LoaderError, match=r"split 'train' has no rows \(1 Parquet files\)"):
        train_all(tmp_path)
    os.makedirs(tmp_path / "split=val")
    with pytest.raises(LoaderError, match=r"split 'val' has no rows \(0 Parquet files\)"):
        plan(str(tmp_path), None, LoaderConfig(), training=False, split="val")
    with pytest.raises(LoaderError, match=r"no split=test/ folder .*\['train', 'val'\]"):
        plan(str(tmp_path), None, LoaderConfig(), training=False, split="test")
    with pytest.raises(LoaderError, match="no such file or directory"):
        plan(str(tmp_path / "nowhere"), None, LoaderConfig(), training=True, split="train")


def test_split_whose_rows_are_all_double_crops_raises_instead_of_yielding_nothing(tmp_path):
    rng = np.random.default_rng(1)
    table = split_table(rng, 20, names=("Dbl Crop WinWht/Soybeans",))
    write_split_file(tmp_path, table)
    with pytest.raises(LoaderError, match="none of the 20 rows of split 'train' makes an example"):
        train_all(tmp_path)


def test_more_shards_than_row_groups(tmp_path):
    root = write_split_dataset(tmp_path, splits=(("train", 2021),), rows=50, files=1)
    with pytest.raises(LoaderError, match="shard 3 of 4 gets no row group: the input has only 1"):
        plan(root, None, LoaderConfig(), training=True, split="train", shard=Shard(4, 3))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mean": [0.0] * 11}, r"'mean' has shape \(11,\), expected \(12,\)"),
        ({"std": [1.0] * 5 + [0.0] + [1.0] * 6}, r"'std' of band B06 is 0.0, must be > 0"),
        ({"std": [1.0] * 11 + [None]}, r"'std' has a value that is not finite"),
        ({"bands": ["B01"] * 12}, r"'bands' is \['B01'"),
    ],
)
def test_bad_statistics_are_rejected_before_the_first_batch(tmp_path, change, message):
    splits = write_split_dataset(tmp_path / "splits", splits=(("train", 2021),), rows=10)
    path = write_stats(tmp_path / "stats.json")
    with open(path) as f:
        document = json.load(f)
    with open(path, "w") as f:
        json.dump(document | change, f)
    with pytest.raises(LoaderError, match=message):
        plan(splits, path, LoaderConfig(), training=True, split="train")


def test_missing_statistics_file(tmp_path):
    with pytest.raises(LoaderError, match="no such file; run 02_stats"):
        read_stats(str(tmp_path / "stats.json"))


def test_normalization_given_directly_is_checked():
    with pytest.raises(LoaderError, match=r"'std' of band B02 is -1.0, must be > 0"):
        Normalization(mean=np.zeros(12), std=[1.0, -1.0] + [1.0] * 10)
    with pytest.raises(LoaderError, match=r"'mean' has 3 values, expected 12"):
        Normalization(mean=np.zeros(3), std=np.ones(12))


def test_layout_can_be_forced_and_paths_spelled_as_uris(tmp_path):
    root = write_split_dataset(tmp_path / "splits", splits=(("train", 2021),), rows=20, files=1)
    course = write_course_dataset(tmp_path / "course", years=(2021,), rows_per_partition=5)
    with pytest.raises(LoaderError, match="not a split dataset"):
        plan(course, None, LoaderConfig(), training=True, split="train", layout="split")
    by_uri = plan(f"file:{root}", None, LoaderConfig(), training=True, split="train")
    assert by_uri.source.kind == "split" and by_uri.source.num_rows == 20
    folder = plan(f"{root}/split=train", None, LoaderConfig(), training=True, split="ignored")
    assert folder.source.split == "train" and folder.source.num_rows == 20


def test_unreadable_parquet_file_is_named(tmp_path):
    path = write_split_file(tmp_path, rows_of(30))
    with open(path, "r+b") as f:
        f.truncate(1000)
    with pytest.raises(LoaderError, match=rf"{path}: not a readable Parquet file"):
        plan(str(tmp_path), None, LoaderConfig(), training=True, split="train")


def test_damaged_row_group_is_named(tmp_path):
    path = write_split_file(tmp_path, rows_of(100))
    group = pq.ParquetFile(path).metadata.row_group(1)
    bands = next(
        group.column(i)
        for i in range(group.num_columns)
        if group.column(i).path_in_schema == "bands"
    )
    start = bands.data_page_offset
    job = plan(str(tmp_path), None, LoaderConfig(), training=False, split="train")
    with open(path, "r+b") as f:  # garble row group 1's bands
        f.seek(start)
        f.write(b"\xff" * 64)
    with pytest.raises(LoaderError, match=rf"{path}, rows from 40 \(row group 1\): cannot be read"):
        list(batches(job))

import pyarrow.fs as pafs
import pytest
from fixture_data import write_course_dataset

from cropseries.layout import COLUMNS, parse_bbox
from cropseries.reader import LayoutError, open_course_dataset, resolve, spark_path


@pytest.mark.parametrize(
    ("path", "local"),
    [
        ("dbfs:/FileStore/course", "/dbfs/FileStore/course"),
        (
            "/Volumes/workspace/default/cropseries/course",
            "/Volumes/workspace/default/cropseries/course",
        ),
        ("file:/tmp/course", "/tmp/course"),
        ("data/course", "data/course"),
    ],
)
def test_paths_resolve_to_local_files(path, local):
    fs, resolved = resolve(path)
    assert isinstance(fs, pafs.LocalFileSystem) and resolved == local


def test_spark_keeps_databricks_paths_and_makes_local_ones_absolute(tmp_path):
    assert spark_path("dbfs:/x") == "dbfs:/x"
    assert spark_path("/Volumes/a/b/c/d") == "/Volumes/a/b/c/d"
    assert spark_path(str(tmp_path)) == f"file://{tmp_path}"


def test_dataset_exposes_columns_and_partitions(tmp_path):
    data = open_course_dataset(write_course_dataset(tmp_path, rows_per_partition=3))
    table = data.dataset.to_table()
    assert table.num_rows == 18 and len(data.files) == 6
    assert set(table.column_names) == {*COLUMNS, "bbox", "year"}
    assert sorted(set(table.column("year").to_pylist())) == [2019, 2020, 2021]
    assert all(len(parse_bbox(b)) == 4 for b in table.column("bbox").to_pylist())


def test_empty_directory_is_a_layout_error(tmp_path):
    with pytest.raises(LayoutError, match="no .parquet files"):
        open_course_dataset(str(tmp_path))


def test_bad_bbox_strings_are_rejected():
    with pytest.raises(ValueError, match="four"):
        parse_bbox("1, 2, 3")
    with pytest.raises(ValueError, match="left<right"):
        parse_bbox("5, 0, 1, 1")

"""The validator finds each kind of corruption and names file, row and column."""

import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixture_data import BBOXES, course_rows, write_course_dataset

from cropseries.codecs import CODECS
from cropseries.validate import validate_dataset
from cropseries.writer import write_partition


def one_file(tmp_path, table, year=2021, bbox=BBOXES[0]):
    return write_partition(str(tmp_path), bbox, year, table)


def only_problem(report):
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    return report.problems[0]


def replace(table, name, values):
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, pa.binary()))


def test_clean_dataset_is_summarized(tmp_path):
    root = write_course_dataset(tmp_path, rows_per_partition=40)
    report = validate_dataset(root)
    assert report.ok, [str(p) for p in report.problems]
    s = report.summary
    assert (s.rows, s.files, len(s.boxes)) == (240, 6, 2)
    assert dict(s.years) == {2019: 80, 2020: 80, 2021: 80}
    assert sum(s.classes.values()) == 240
    assert s.pixels == 240


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_both_codecs_validate_and_the_wrong_one_is_caught(tmp_path, codec):
    path = one_file(tmp_path, course_rows(20, 2021, seed=1, images=(1, 30), codec=codec))
    assert validate_dataset(str(tmp_path), codec=codec).ok
    other = next(c for c in CODECS if c != codec)
    problems = validate_dataset(str(tmp_path), codec=other).problems
    assert problems and all(p.file == path for p in problems)


def test_byte_length_not_matching_num_images(tmp_path):
    table = course_rows(10, 2021, images=(5, 9))
    counts = table.column("num_images").to_numpy().copy()
    counts[7] += 1
    path = one_file(tmp_path, table.set_column(3, "num_images", pa.array(counts)))
    problems = validate_dataset(str(tmp_path)).problems
    assert {(p.file, p.row, p.column) for p in problems} >= {
        (path, 7, "bands"),
        (path, 7, "img_dates"),
        (path, 7, "scl_vals"),
    }
    assert any("needs" in p.message for p in problems)


def test_unsorted_dates(tmp_path):
    table = course_rows(5, 2021, images=(3, 6))
    dates = [np.frombuffer(b, ">u2") for b in table.column("img_dates").to_pylist()]
    dates[3] = dates[3][::-1].copy()
    path = one_file(
        tmp_path, replace(table, "img_dates", [d.astype(">u2").tobytes() for d in dates])
    )
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, 3, "img_dates")
    assert "not ascending" in p.message


def test_dates_outside_the_year(tmp_path):
    path = one_file(tmp_path, course_rows(5, 2020, images=(2, 4)), year=2021)
    problems = validate_dataset(str(tmp_path)).problems
    assert {p.row for p in problems} == set(range(5))
    assert all(p.file == path and "outside the year 2021" in p.message for p in problems)


def test_scl_outside_the_stored_set(tmp_path):
    table = course_rows(4, 2021, images=(2, 4))
    scl = table.column("scl_vals").to_pylist()
    scl[2] = bytes([4, 9]) + scl[2][2:]  # 9 = cloud, high probability: dropped in Part 1
    path = one_file(tmp_path, replace(table, "scl_vals", scl))
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, 2, "scl_vals")


def test_unknown_cdl_name(tmp_path):
    table = course_rows(4, 2021)
    names = table.column("CDL").to_pylist()
    names[1] = b"Corn Dogs"
    path = one_file(tmp_path, replace(table, "CDL", names))
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, 1, "CDL")
    assert "'Corn Dogs' is not a CDL class name" in p.message


def test_cdl_name_that_is_not_utf8(tmp_path):
    table = course_rows(3, 2021)
    names = table.column("CDL").to_pylist()
    names[0] = b"\xffCorn"
    path = one_file(tmp_path, replace(table, "CDL", names))
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, 0, "CDL") and "UTF-8" in p.message


def test_missing_column(tmp_path):
    path = one_file(tmp_path, course_rows(3, 2021).drop_columns(["scl_vals"]))
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, None, "scl_vals")
    assert "missing" in p.message


def test_wrong_type(tmp_path):
    table = course_rows(3, 2021)
    table = table.set_column(3, "num_images", table.column("num_images").cast(pa.float64()))
    path = one_file(tmp_path, table)
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.column) == (path, "num_images") and "type double" in p.message


def test_truncated_file(tmp_path):
    path = one_file(tmp_path, course_rows(50, 2021))
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    p = only_problem(validate_dataset(str(tmp_path)))
    assert p.file == path and "cannot be read as Parquet" in p.message


def test_file_outside_partition_directories(tmp_path):
    pq.write_table(course_rows(2, 2021), tmp_path / "stray.parquet")
    p = only_problem(validate_dataset(str(tmp_path)))
    assert "bbox=" in p.message


def test_tiles_must_name_one_tile_per_image(tmp_path):
    table = course_rows(3, 2021, images=(2, 4))
    tiles = table.column("tiles").to_pylist()
    tiles[1] = b"15SXR_0"
    path = one_file(tmp_path, replace(table, "tiles", tiles))
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, 1, "tiles")


def test_every_bad_row_is_reported_not_just_the_first(tmp_path):
    table = course_rows(30, 2021)
    names = [b"???" if i % 3 == 0 else n for i, n in enumerate(table.column("CDL").to_pylist())]
    one_file(tmp_path, replace(table, "CDL", names))
    assert [p.row for p in validate_dataset(str(tmp_path)).problems] == list(range(0, 30, 3))


def test_command_line_exit_codes(tmp_path):
    root = write_course_dataset(tmp_path / "ok", years=(2021,), rows_per_partition=5)
    command = [sys.executable, "-m", "cropseries", "validate", "--quiet"]
    clean = subprocess.run([*command, root], capture_output=True, text=True)
    assert clean.returncode == 0 and "OK:" in clean.stdout
    bad = tmp_path / "bad"
    one_file(bad, course_rows(3, 2021).drop_columns(["tiles"]))
    broken = subprocess.run([*command, str(bad)], capture_output=True, text=True)
    assert broken.returncode == 1 and "column 'tiles'" in broken.stdout


def test_tile_names_must_look_like_mgrs_tiles(tmp_path):
    table = course_rows(3, 2021, images=(2, 4))
    tiles = table.column("tiles").to_pylist()
    tiles[2] = tiles[2].replace(b"15SXR_0", b"15SXR\x00\x00", 1)
    path = one_file(tmp_path, replace(table, "tiles", tiles))
    p = only_problem(validate_dataset(str(tmp_path)))
    assert (p.file, p.row, p.column) == (path, 2, "tiles") and "MGRS" in p.message

"""Bad input: refused before any work, or excluded with its reason and counted; a failed run
leaves the output as it was."""

import dataclasses
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from fixture_data import course_rows, file_bytes, generated, read_split

from cropseries.cdl import cdl_codes, double_crop_codes
from cropseries.config import SplitConfig
from cropseries.layout import SCHEMA, STORED_SCL
from cropseries.split import REASONS, SplitError, run_split
from cropseries.writer import write_partition

pytestmark = pytest.mark.spark

BAD_BOX = "9.0, 0.0, 10.0, 1.0"
CLEAN_PIXELS = 100


def _bad_rows() -> tuple[pa.Table, list[str]]:
    """Rows of 2021, each broken in one way, and the reason each must be excluded for."""
    rows = course_rows(12, 2021, seed=5, images=(2, 6), names=("Corn",)).to_pylist()
    for i, row in enumerate(rows):
        row["lon"] = -91.5 + i * 0.01  # distinct locations, to find the rows again
    rows[0]["CDL"] = None
    rows[1]["lon"] = float("nan")
    rows[2]["lat"] = 95.0
    rows[3]["bands"] = rows[3]["bands"][:-1]
    rows[4]["num_images"] = -1
    rows[5].update(num_images=0, bands=b"", img_dates=b"", scl_vals=b"", tiles=b"")
    rows[6]["CDL"] = b"Kale"
    rows[7]["scl_vals"] += b"\x04"
    rows[8]["num_images"] = 2**62  # would overflow num_images * 24
    rows[9]["scl_vals"] = b"\x63" + rows[9]["scl_vals"][1:]  # SCL 99: not a stored class
    rows[10]["img_dates"] = rows[10]["img_dates"][::-1]  # bytes reversed: not ascending
    rows[11]["img_dates"] = b"\x00\x01" + rows[11]["img_dates"][2:]  # day 1 is in 1970
    reasons = [
        "null_value",
        "bad_location",
        "bad_location",
        "corrupt_bytes",
        "corrupt_bytes",
        "empty_series",
        "unknown_cdl",
        "corrupt_bytes",
        "corrupt_bytes",
        "bad_scl",
        "bad_dates",
        "bad_dates",
    ]
    return pa.Table.from_pylist(rows, schema=SCHEMA), reasons


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    root = tmp_path_factory.mktemp("damaged") / "course"
    generated(root, pixels=CLEAN_PIXELS, boxes=1, seed=3)  # seed 3: double crops in 2021
    bad, reasons = _bad_rows()
    write_partition(str(root), BAD_BOX, 2021, bad)
    write_partition(str(root), BAD_BOX, 2018, course_rows(3, 2018, seed=6, images=(1, 4)))
    return str(root), bad, reasons


@pytest.fixture(scope="module")
def split_damaged(spark, damaged, tmp_path_factory):
    """Split by year with no validation years: 2020 and 2018 fit no split."""
    out = str(tmp_path_factory.mktemp("split") / "out")
    return out, run_split(spark, damaged[0], out, SplitConfig(strategy="year", val_years=()))


def test_injected_bad_rows_are_excluded_with_their_reason(damaged, split_damaged):
    _, bad, reasons = damaged
    out, report = split_damaged
    excluded = read_split(out, "excluded")
    for i, reason in enumerate(reasons):
        lon = bad.column("lon")[i].as_py()
        if lon != lon:  # NaN
            mask = pc.is_nan(excluded.column("lon"))
        else:
            mask = pc.equal(excluded.column("lon"), lon)
        found = excluded.filter(mask)
        assert found.num_rows == 1, (i, reason)
        assert found.column("reason")[0].as_py() == reason, i


def test_counts_per_reason_add_up_to_the_input(damaged, split_damaged):
    root, _, reasons = damaged
    out, report = split_damaged
    clean = ds.dataset(root, format="parquet", partitioning="hive").to_table(
        filter=pc.field("bbox") != BAD_BOX
    )
    assert clean.num_rows == 3 * CLEAN_PIXELS
    assert report.input_rows == clean.num_rows + len(reasons) + 3
    double = np.isin(cdl_codes(clean.column("CDL").combine_chunks()), list(double_crop_codes()))
    double_in_train = int((double & (clean.column("year").to_numpy() == 2021)).sum())
    assert double_in_train > 0
    expected = {r: reasons.count(r) for r in set(reasons)}
    expected |= {"year_not_in_split": 3 + CLEAN_PIXELS, "double_crop": double_in_train}
    assert report.excluded == expected
    assert set(expected) <= set(REASONS)
    assert report.accounted
    assert report.split_rows == report.input_rows - sum(expected.values())
    assert report.rows["val"] == 0 and read_split(out, "split=val").num_rows == 0


def test_missing_column_or_wrong_type_is_refused_before_any_work(tmp_path):
    table, _ = _bad_rows()
    write_partition(str(tmp_path / "a"), BAD_BOX, 2021, table.drop_columns(["tiles"]))
    with pytest.raises(SplitError, match=r"part-00000\.parquet.*'tiles' is missing"):
        run_split(None, str(tmp_path / "a"), str(tmp_path / "out"), SplitConfig())
    lon32 = table.set_column(0, "lon", table.column("lon").cast(pa.float32()))
    write_partition(str(tmp_path / "b"), BAD_BOX, 2021, lon32)
    with pytest.raises(SplitError, match=r"'lon' has type float, expected double"):
        run_split(None, str(tmp_path / "b"), str(tmp_path / "out"), SplitConfig())
    os.makedirs(tmp_path / "c")
    pq.write_table(table, tmp_path / "c" / "loose.parquet")
    with pytest.raises(SplitError, match=r"loose\.parquet: not inside bbox="):
        run_split(None, str(tmp_path / "c"), str(tmp_path / "out"), SplitConfig())
    with pytest.raises(SplitError, match="no such file"):
        run_split(None, str(tmp_path / "nowhere"), str(tmp_path / "out"), SplitConfig())
    assert not (tmp_path / "out").exists()


def test_a_dataset_of_empty_files_is_refused_and_leaves_no_output(spark, tmp_path):
    source = str(tmp_path / "course")
    write_partition(source, BAD_BOX, 2021, course_rows(0, 2021, seed=1))
    with pytest.raises(SplitError, match="the dataset has no rows"):
        run_split(spark, source, str(tmp_path / "out"), SplitConfig())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]


def test_a_failed_run_leaves_the_previous_output_untouched(
    spark, damaged, split_damaged, monkeypatch
):
    import cropseries.split.stage as stage

    out, report = split_damaged
    before = file_bytes(out)
    lost_a_row = dataclasses.replace(
        report, rows={**report.rows, "train": report.rows["train"] - 1}
    )
    monkeypatch.setattr(stage, "measure", lambda *args, **kwargs: lost_a_row)
    with pytest.raises(SplitError, match="rows do not add up"):
        run_split(spark, damaged[0], out, SplitConfig(strategy="block"))
    assert file_bytes(out) == before
    assert [p.name for p in Path(out).parent.iterdir()] == ["out"]


def test_a_crash_before_the_report_leaves_no_output(spark, damaged, tmp_path, monkeypatch):
    import cropseries.split.stage as stage

    def crash(staging, splits):
        raise OSError("disk full")

    monkeypatch.setattr(stage, "_lay_out", crash)
    with pytest.raises(OSError, match="disk full"):
        run_split(spark, damaged[0], str(tmp_path / "out"), SplitConfig())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("codec", ["uint16be", "int32le"])
def test_the_date_check_reads_both_codecs(spark, codec):
    from cropseries.split.checks import dates_ok, scan_dates

    rows = course_rows(30, 2021, seed=9, images=(0, 40), codec=codec).to_pylist()
    size = 2 if codec == "uint16be" else 4
    swapped = [r for r in rows if r["num_images"] >= 2][:3]
    for row in swapped:  # the first two dates swapped: not ascending unless they are equal
        first, second = row["img_dates"][:size], row["img_dates"][size : 2 * size]
        row["img_dates"] = second + first + row["img_dates"][2 * size :]
    table = pa.Table.from_pylist(rows, schema=SCHEMA).append_column(
        "year", pa.array([2021] * len(rows), pa.int32())
    )
    frame = spark.createDataFrame(table.select(["num_images", "img_dates", "year"]))
    verdicts = [r["ok"] for r in frame.select(dates_ok(codec).alias("ok")).collect()]
    expected = [
        not (r in swapped and r["img_dates"][:size] != r["img_dates"][size : 2 * size])
        for r in rows
    ]
    assert verdicts == expected and not all(verdicts)
    assert scan_dates(frame, codec) == (len(rows), expected.count(False))


SCL_BYTES = [
    b"",
    b"\x04\x05\x06",
    b"\x02\x03\x0a\x0a",
    b"\x00",
    b"\x07\x04",
    b"\x04\x0b",
    b"\xff",
    b"\x04\xc3\x84",  # a valid two-byte UTF-8 character
    b"\xc3",  # a lead byte with nothing after it
    b"\x04\xe2\x82",  # a three-byte character cut short
    b"\x80\x04",
    bytes(range(256)),
    bytes(sorted(STORED_SCL)) * 50,
]


def test_the_scl_check_accepts_exactly_the_stored_values(spark):
    from cropseries.split.checks import scl_stored

    frame = spark.createDataFrame(
        [(i, v) for i, v in enumerate(SCL_BYTES)], "i int, scl_vals binary"
    )
    got = {r["i"]: r["ok"] for r in frame.select("i", scl_stored().alias("ok")).collect()}
    assert got == {i: set(v) <= STORED_SCL for i, v in enumerate(SCL_BYTES)}
    assert sum(got.values()) == 4  # not vacuous

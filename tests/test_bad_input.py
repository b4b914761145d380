"""Every bad input and bad argument, through the command line: one line, an exit status, no output.

Each case damages a small course-layout dataset (or a split dataset, or stats.json) in one
way, or gives one argument out of range, runs one command in-process, and checks the exit
status, that stderr is one line holding the expected phrase, and that nothing was published
where the command writes. Row-level damage that 01_split excludes instead (counted, with a
reason) is in test_split_accounting.py; here the loader reads a course layout directly,
where a bad row is an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixture_data import write_course_dataset, write_split_dataset, write_stats

from cropseries.cli import main


@pytest.fixture
def course(tmp_path) -> Path:
    return Path(
        write_course_dataset(tmp_path / "course", years=(2020, 2021), rows_per_partition=20)
    )


def parts(course: Path) -> list[Path]:
    return sorted(course.rglob("*.parquet"))


def rewrite(path: Path, change) -> None:
    """Rewrite one Parquet file with `change(table) -> table` applied."""
    pq.write_table(change(pq.ParquetFile(path).read()), path)


def set_cell(column: str, row: int, value):
    def change(table: pa.Table) -> pa.Table:
        values = table.column(column).to_pylist()
        values[row] = value
        at = table.schema.get_field_index(column)
        return table.set_column(at, column, pa.array(values, table.schema.field(column).type))

    return change


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-300])


def reversed_dates(table: pa.Table) -> pa.Table:
    dates = table.column("img_dates").to_pylist()
    row = next(i for i, d in enumerate(dates) if len(d) >= 4)
    reversed_ = np.frombuffer(dates[row], ">u2")[::-1].tobytes()
    return set_cell("img_dates", row, reversed_)(table)


def foreign_scl(table: pa.Table) -> pa.Table:
    scl = table.column("scl_vals").to_pylist()
    row = next(i for i, s in enumerate(scl) if len(s))
    return set_cell("scl_vals", row, b"\x63" + scl[row][1:])(table)


def short_bands(table: pa.Table) -> pa.Table:
    bands = table.column("bands").to_pylist()
    row = next(i for i, b in enumerate(bands) if len(b))
    return set_cell("bands", row, bands[row][:-2])(table)


# -- the cases: (damage(tmp_path, course) -> None, command line, exit status, phrase) ------------

SPLIT = ["split", "--input", "{course}", "--output", "{tmp}/splits"]
EXPORT_COURSE = ["export", "--splits", "{course}", "--stats", "course", "--out", "{tmp}/x.npz"]
EXPORT = ["export", "--splits", "{tmp}/splits", "--out", "{tmp}/x.npz"]

CASES = {
    "truncated parquet": (lambda t, c: truncate(parts(c)[0]), SPLIT, 2, "not a readable Parquet"),
    "not parquet": (
        lambda t, c: (parts(c)[0].parent / "part-00009.parquet").write_text("id,name\n"),
        SPLIT,
        2,
        "part-00009.parquet",
    ),
    "schema differs between parts": (
        lambda t, c: rewrite(parts(c)[1], lambda tb: tb.set_column(
            3, "num_images", tb.column("num_images").cast(pa.int32()))),
        SPLIT,
        2,
        "column 'num_images'",
    ),
    "missing column": (
        lambda t, c: rewrite(parts(c)[0], lambda tb: tb.drop_columns(["tiles"])),
        SPLIT,
        2,
        "'tiles'",
    ),
    "wrong column type": (
        lambda t, c: rewrite(parts(c)[0], lambda tb: tb.set_column(
            0, "lon", tb.column("lon").cast(pa.float32()))),
        SPLIT,
        2,
        "column 'lon'",
    ),
    "empty input": (
        lambda t, c: [p.unlink() for p in parts(c)],
        SPLIT,
        2,
        "no .parquet",
    ),
    "output is a file": (
        lambda t, c: (t / "splits").write_text("not a folder"),
        SPLIT,
        2,
        "is a file",
    ),
    "output inside the input": (
        lambda t, c: None,
        ["split", "--input", "{course}", "--output", "{course}/splits"],
        2,
        "inside the input",
    ),
    "byte length": (lambda t, c: rewrite(parts(c)[0], short_bands), EXPORT_COURSE, 2, "bytes, but"),
    "unsorted dates": (
        lambda t, c: rewrite(parts(c)[0], reversed_dates), EXPORT_COURSE, 2, "not ascending"
    ),
    "scl outside the set": (
        lambda t, c: rewrite(parts(c)[0], foreign_scl), EXPORT_COURSE, 2, "SCL value 99"
    ),
    "unknown cdl": (
        lambda t, c: rewrite(parts(c)[0], set_cell("CDL", 3, b"Moon Cheese")),
        EXPORT_COURSE,
        2,
        "'Moon Cheese' is not a CDL class name",
    ),
    "nan coordinates": (
        lambda t, c: rewrite(parts(c)[0], set_cell("lon", 4, float("nan"))),
        EXPORT_COURSE,
        2,
        "column 'lon': nan is not a coordinate",
    ),
    "missing stats.json": (
        lambda t, c: write_split_dataset(t / "splits", rows=20, files=1),
        EXPORT,
        2,
        "stats.json: no such file",
    ),
    "corrupt stats.json": (
        lambda t, c: (Path(write_split_dataset(t / "splits", rows=20, files=1)) / "stats.json")
        .write_text("{not json"),
        EXPORT,
        2,
        "not a readable JSON file",
    ),
    "inconsistent stats.json": (
        lambda t, c: write_stats(
            Path(write_split_dataset(t / "splits", rows=20, files=1)) / "stats.json",
            std=[500.0] * 11 + [0.0],
        ),
        EXPORT,
        2,
        "must be > 0",
    ),
}  # fmt: skip

#: Numeric arguments out of range, one per command that takes one.
EXPORT_X = ["export", "--splits", "{course}", "--out", "{tmp}/x.npz"]
BAD_NUMBERS = {
    "export --batch-size 0": ([*EXPORT_X, "--batch-size", "0"], "batch_size=0 must be at least 1"),
    "export --seed -1": ([*EXPORT_X, "--seed", "-1"], "seed=-1 must not be negative"),
    "export --start-days -5": ([*EXPORT_X, "--start-days", "-5"], "--start-days"),
    "export --window sometimes": ([*EXPORT_X, "--window", "sometimes"], "choose 'random'"),
    "export --window ending:13-01": ([*EXPORT_X, "--window", "ending:13-01"], "not a date"),
    "export --days-per-bucket 0": ([*EXPORT_X, "--days-per-bucket", "0"], "--days-per-bucket"),
    "export --bands B99": ([*EXPORT_X, "--bands", "B99"], "choose from B01"),
    "export --indices ndxi": ([*EXPORT_X, "--indices", "ndxi"], "choose from ndvi"),
    "inspect --pixels 0": (["inspect", "--splits", "{course}", "--out", "{tmp}/x.html",
                            "--pixels", "0"], "--pixels"),
    "loader-throughput --epochs 0": (["loader-throughput", "--splits", "{course}",
                                      "--epochs", "0"], "--epochs"),
    "synth --pixels -3": (["synth", "--out", "{tmp}/s", "--pixels", "-3"], "pixels must be"),
    "synth --seed -1": (["synth", "--out", "{tmp}/s", "--pixels", "5", "--seed", "-1"],
                        "seed=-1 must not be negative"),
    "split --block-size-m 0": ([*SPLIT, "--block-size-m", "0"], "block_size_m must be positive"),
    "split --seed -1": ([*SPLIT, "--seed", "-1"], "seed=-1 must not be negative"),
    "validate --max-listed -1": (["validate", "{course}", "--max-listed", "-1"], "--max-listed"),
    "run --poll -1": (["run", "--poll", "-1"], "--poll"),
}  # fmt: skip


def run(argv: list[str], tmp_path: Path, course: Path) -> int:
    argv = [a.format(tmp=tmp_path, course=course) for a in argv]
    try:
        return main(argv)
    except SystemExit as stop:  # argparse refused the argument
        return stop.code


def published(tmp_path: Path) -> list[str]:
    """What a failed command must not have written: the outputs the cases name."""
    return sorted(
        str(p.relative_to(tmp_path))
        for p in (tmp_path / "x.npz", tmp_path / "x.html", tmp_path / "s")
        if p.exists()
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_with_an_exit_status_and_publishes_nothing(
    case, tmp_path, course, spark, capsys
):
    damage, argv, status, phrase = CASES[case]
    damage(tmp_path, course)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = run(argv, tmp_path, course)
    err = capsys.readouterr().err
    assert code == status and err.count("\n") == 1 and phrase in err, err
    assert "Traceback" not in err and published(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no staging left behind


@pytest.mark.parametrize("case", sorted(BAD_NUMBERS))
def test_a_number_out_of_range_is_one_line_and_exit_status_2(case, tmp_path, course, capsys):
    argv, phrase = BAD_NUMBERS[case]
    code = run(argv, tmp_path, course)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and phrase in err, err
    assert published(tmp_path) == []


def test_the_damage_is_real(tmp_path, course):
    """The damaged files do fail validation: the cases test the commands, not the helpers."""
    rewrite(parts(course)[0], foreign_scl)
    assert main(["validate", str(course), "--quiet"]) == 1
    assert json.loads(Path(write_stats(tmp_path / "s.json")).read_text())["format"]

"""The loader's commands: export (evaluation tensors to .npz) and start-day parsing."""

from __future__ import annotations

import numpy as np
import pytest
from fixture_data import write_split_dataset, write_stats

from cropseries.cli import main
from cropseries.config import LoaderConfig
from cropseries.course import COURSE_EVAL_START_DAYS
from cropseries.loader.pipeline import EXTRAS, batches, plan
from cropseries.loader.windows import parse_start_days


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("0,15,...,200", COURSE_EVAL_START_DAYS),
        ("0, 30, 45", (0, 30, 45)),
        ("10,20,...,40", (10, 20, 30, 40)),
        ("7", (7,)),
    ],
)
def test_start_days_accept_the_literal_run_spelling_and_lists(text, days):
    assert parse_start_days(text) == days


@pytest.mark.parametrize("text", ["", "0,...,200", "20,10,...,0", "-5,10"])
def test_bad_start_days_are_rejected(text):
    with pytest.raises(ValueError):
        parse_start_days(text)


def test_export_writes_the_evaluation_batches(tmp_path):
    splits = write_split_dataset(tmp_path / "splits", rows=90, files=2, row_group_rows=30)
    write_stats(tmp_path / "splits" / "stats.json")
    out = tmp_path / "out" / "test.npz"
    code = main(
        [
            "export",
            "--splits",
            splits,
            "--split",
            "test",
            "--start-days",
            "0,15,...,200",
            "--out",
            str(out),
            "--batch-size",
            "100",
        ]
    )
    assert code == 0
    got = np.load(out)
    expected = list(
        batches(
            plan(
                splits,
                f"{splits}/stats.json",
                LoaderConfig(),
                training=False,
                split="test",
                extras=True,
            )
        )
    )
    for key in ("x", "y", *EXTRAS):
        np.testing.assert_array_equal(got[key], np.concatenate([b[key] for b in expected]))
    assert got["x"].shape == (180 * 15, 25, 12) and got["x"].dtype == np.float32
    assert got["raw"].shape == (180 * 15, 25, 15)
    assert list(got["classes"])[2] == "No Crop Growing" and list(got["channels"])[-1] == "day"
    assert [p.name for p in out.parent.iterdir()] == ["test.npz"]  # no temporary left behind


def test_export_cuts_the_window_strategy_with_its_length_and_buckets(tmp_path):
    splits = write_split_dataset(tmp_path / "splits", rows=60, files=1, row_group_rows=30)
    write_stats(tmp_path / "splits" / "stats.json")
    out = tmp_path / "late.npz"
    options = ["--window", "season:late", "--days-in-series", "60", "--days-per-bucket", "10"]
    assert main(["export", "--splits", splits, "--split", "test", "--out", str(out), *options]) == 0
    got = np.load(out)
    config = LoaderConfig(window="season:late", days_in_series=60, days_per_bucket=10)
    job = plan(splits, f"{splits}/stats.json", config, training=False, split="test", extras=True)
    expected = list(batches(job))
    for key in ("x", "start_day", "pixel_id"):
        np.testing.assert_array_equal(got[key], np.concatenate([b[key] for b in expected]))
    assert got["x"].shape == (60, 7, 12)  # one late window a row, 60 // 10 + 1 buckets
    assert list(got["x_channels"]) == list(config.input_channels)


def test_export_reports_bad_input_in_one_line(tmp_path, capsys):
    splits = write_split_dataset(tmp_path / "splits", rows=10, files=1)
    code = main(["export", "--splits", splits, "--out", str(tmp_path / "t.npz")])
    assert code == 2
    assert capsys.readouterr().err.startswith(f"error: {splits}/stats.json: no such file")
    assert not (tmp_path / "t.npz").exists()

"""The 03_loader notebook, the inspection figure and the inspect / loader-throughput commands."""

from __future__ import annotations

import base64
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import run_notebook
from fixture_data import write_split_dataset, write_stats
from loader_reference import reference_example

from cropseries.cli import main
from cropseries.config import LoaderConfig
from cropseries.figures.loader import CHOICES, benchmark_figure, inspection_figure
from cropseries.layout import BANDS
from cropseries.loader.inspection import inspect_pixels
from cropseries.loader.pipeline import plan
from cropseries.reader import parquet_files


def values(data) -> np.ndarray:
    """A figure array, which plotly writes as a list or as base64 typed data."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray([np.nan if v is None else v for v in data], dtype=float)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("splits")
    write_split_dataset(root, rows=120, files=2, row_group_rows=50)
    write_stats(root / "stats.json")
    return str(root)


def test_inspected_pixels_are_the_kernels_windows_of_their_rows(splits):
    views = inspect_pixels(plan(splits, splits, LoaderConfig(), training=True, split="train"), 6)
    assert len(views) == 6
    for view in views:
        assert view.label != "" and view.start_day >= 0
        dates = view.days  # relative days reproduce the same buckets
        raw, filled, _ = reference_example(dates, view.bands, view.scl, view.start_day)
        np.testing.assert_array_equal(view.raw, raw)
        np.testing.assert_array_equal(view.filled, filled)
        day_channel = view.days[view.kept] - view.anchor_day  # days from bucket 0's start
        np.testing.assert_array_equal(day_channel, view.raw[view.filled, 14])


def test_inspection_figure_has_a_slider_over_pixels_and_a_band_dropdown(splits):
    views = inspect_pixels(plan(splits, splits, LoaderConfig(), training=True, split="train"), 4)
    figure = inspection_figure(views, "B04").to_dict()
    assert len(figure["data"]) == 3 * len(views)
    steps = figure["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == [str(v.pixel_id) for v in views]
    second = steps[1]["args"]
    assert second[0]["visible"] == [j // 3 == 1 for j in range(3 * len(views))]
    window = second[1]["shapes"][0]
    assert (window["x0"], window["x1"]) == (views[1].start_day, views[1].start_day + 120)
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == list(CHOICES)
    red = BANDS.index("B04")
    np.testing.assert_allclose(values(figure["data"][0]["y"]), views[0].bands[:, red])
    model = values(figure["data"][2]["y"])
    np.testing.assert_allclose(model[views[0].filled], views[0].x[views[0].filled, red], rtol=1e-6)
    assert np.isnan(model[~views[0].filled]).all()
    ndvi_ys = buttons[-1]["args"][0]["y"]
    np.testing.assert_array_equal(ndvi_ys[0], views[0].ndvi)


def test_notebook_builds_both_datasets_and_shows_the_figures(spark, splits, tmp_path):
    bench = tmp_path / "loader.json"
    bench.write_text(
        json.dumps({"floor_rows_s": 400000, "course_rows_s": 9000, "loader_rows_s": 250000})
    )
    result = run_notebook(
        "03_loader",
        spark,
        widgets={"splits": splits, "pixels": "5", "seed": "3", "benchmark": str(bench)},
    )
    summary = result["loader"].summary
    rows = sum(
        not d
        for f in parquet_files(f"{splits}/split=train")
        for d in pq.read_table(f).column("is_double_crop").to_pylist()
    )
    assert summary["shapes"]["x"] == ((rows, 25, 12), "float32")  # one batch: fewer than 1028
    assert summary["shapes"]["y"] == ((rows, 7), "float32")
    assert sum(summary["label_counts"].values()) == rows
    x, y = next(iter(result["val"]))
    assert x.shape[1:] == (25, 12) and y.shape[1:] == (7,)
    inspection, benchmark = result["_figures"]
    assert len(inspection["layout"]["sliders"][0]["steps"]) == 5
    assert list(values(benchmark["data"][0]["y"])) == [400000, 9000, 250000]


def test_benchmark_figure_adds_the_cached_epochs_where_measured():
    result = {"floor_rows_s": 300000, "course_rows_s": 8000, "loader_rows_s": 160000}
    cached = result | {"loader_cached_rows_s": 310000, "loader_numpy_cached_rows_s": 550000}
    bars = benchmark_figure(cached).data[0]
    assert list(bars.y) == [300000, 8000, 160000, 310000, 550000]
    assert list(bars.x)[3:] == ["later epochs, cached (tf.data)", "later epochs, cached (numpy)"]
    assert len(benchmark_figure(result).data[0].y) == 3
    assert "loader / floor = 0.53" in benchmark_figure(cached).layout.title.text


def test_inspect_and_throughput_commands(splits, tmp_path, capsys):
    out = tmp_path / "inspect.html"
    assert main(["inspect", "--splits", splits, "--out", str(out), "--pixels", "3"]) == 0
    assert "plotly" in out.read_text()[:5000].lower()
    assert (
        main(["loader-throughput", "--splits", splits, "--epochs", "1", "--stats", "course"]) == 0
    )
    printed = capsys.readouterr().out
    assert "wrote the inspection of 3 pixels" in printed
    assert "epoch 1:" in printed and "rows/s" in printed

"""The 02_stats notebook and the `stats` command, run end to end on a small split dataset."""

import base64
import json
import os

import numpy as np
import pytest
from conftest import run_notebook
from fixture_data import split_table, write_splits

from cropseries.cli import main
from cropseries.figures.stats import sample_band_values
from cropseries.layout import BAND_NAMES, BANDS
from cropseries.stats import compute_stats

pytestmark = pytest.mark.spark


def values(data) -> np.ndarray:
    """A figure array, which plotly writes as a list or as base64 typed data."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    rng = np.random.default_rng(3)
    return write_splits(
        tmp_path_factory.mktemp("splits"),
        {
            "train": [split_table(rng, 300), split_table(rng, 200, first_pixel=300)],
            "val": split_table(rng, 100, year=2020),
        },
    )


def test_notebook_writes_stats_and_shows_band_and_class_figures(spark, splits, tmp_path):
    out = tmp_path / "nb.json"
    result = run_notebook(
        "02_stats",
        spark,
        widgets={"splits": splits, "out": str(out), "exclude_scl": "3", "per_label": "true"},
    )
    stats = result["stats"]
    written = json.loads(out.read_text())
    assert written["mean"] == stats.mean.tolist() and written["per_label"] is not None
    assert written["metadata"]["config"]["exclude_scl"] == [3]
    bands, classes = result["_figures"]
    titles = [a["text"] for a in bands["layout"]["annotations"]]
    assert titles == [f"{b} {n}" for b, n in zip(BANDS, BAND_NAMES, strict=True)]
    sampled = [int(values(trace["y"]).sum()) for trace in bands["data"]]
    assert len(sampled) == 12 and min(sampled) > 0
    lines = sorted(shape["x0"] for shape in bands["layout"]["shapes"])
    expected = sorted(np.concatenate([stats.mean, stats.mean - stats.std, stats.mean + stats.std]))
    np.testing.assert_allclose(lines, expected)
    assert [t["name"] for t in classes["data"]] == list(stats.classes)  # a trace per class
    assert list(classes["data"][0]["x"]) == ["train (500 rows)", "val (100 rows)"]
    for c, trace in enumerate(classes["data"]):
        assert values(trace["customdata"]).tolist() == [
            int(stats.class_counts["train"][c]),
            int(stats.class_counts["val"][c]),
        ]


def test_command_writes_beside_the_splits_and_reports_bad_input(spark, splits, tmp_path, capsys):
    assert main(["stats", "--splits", splits, "--exclude-scl", "3,10", "--per-label"]) == 0
    assert "wrote " + os.path.join(splits, "stats.json") in capsys.readouterr().out
    with open(os.path.join(splits, "stats.json")) as f:
        written = json.load(f)
    assert written["metadata"]["config"]["exclude_scl"] == [3, 10]
    assert main(["stats", "--splits", str(tmp_path / "missing")]) == 2
    assert "missing: no such directory" in capsys.readouterr().err


def test_band_sample_never_exceeds_its_row_bound(spark, splits):
    stats = compute_stats(spark, splits, out=os.path.join(splits, "sample-test.json"))
    sample = sample_band_values(spark, stats.metadata["train"], stats, max_rows=50)
    assert 0 < sample.rows <= 50
    assert sample.values.shape == sample.valid.shape and sample.values.shape[1] == 12
    assert sample.values[sample.valid].min() > 0

"""The 01_split notebook and the `split` command run the stage end to end."""

import base64
import json

import numpy as np
import pyarrow.compute as pc
import pytest
from conftest import run_notebook
from fixture_data import generated, read_split

from cropseries.cli import main
from cropseries.figures.split import map_sample
from cropseries.split import SplitError, SplitReport, read_report
from cropseries.split_dataset import SPLITS

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return generated(tmp_path_factory.mktemp("course") / "course", pixels=72)


def test_notebook_writes_the_split_and_shows_its_figures(spark, course, tmp_path):
    out = tmp_path / "splits"
    widgets = {
        "input_path": course,
        "output_path": str(out),
        "strategy": "year+block",
        "block_size_m": "2000",
        "seed": "1",
    }
    result = run_notebook("01_split", spark, widgets)
    report = result["report"]
    assert (out / "split_report.json").exists() and report.accounted
    assert report.config["strategy"] == "year+block" and report.config["seed"] == 1
    split_map, classes, exclusions = ([_decoded(t) for t in f["data"]] for f in result["_figures"])
    assert [t["name"].split()[0] for t in split_map] == ["train", "val", "test"]
    assert [len(t["x"]) for t in split_map] == [report.pixels[s] for s in SPLITS]
    for trace in classes:  # one trace per class, a bar per split and year
        expected = [
            report.classes_by_year[split][year].get(trace["name"], 0)
            for split, year in (bar.split() for bar in trace["x"])
        ]
        assert trace["y"] == expected
    assert sum(sum(t["y"]) for t in classes) == report.split_rows
    assert dict(zip(exclusions[0]["x"], exclusions[0]["y"], strict=True)) == report.excluded
    sample = map_sample(spark, report, max_points=10)
    assert 0 < len(sample) <= 10 and set(sample["split"]) <= set(SPLITS)


def _decoded(trace: dict) -> dict:
    """A trace with plotly's base64 typed arrays ({"dtype", "bdata"}) turned into lists."""

    def plain(v):
        if isinstance(v, dict) and "bdata" in v:
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
        return list(v) if isinstance(v, (list, tuple)) else v

    return {k: plain(v) for k, v in trace.items()}


def test_split_command_prints_the_report_and_honours_its_options(course, tmp_path, capsys):
    out = tmp_path / "splits"
    args = ["split", "--input", course, "--output", str(out), "--strategy", "block", "--seed", "5"]
    assert main([*args, "--block-size-m", "2000", "--double-crops-in"]) == 0
    printed = capsys.readouterr().out
    assert "input rows 216 = split rows" in printed
    assert f"report: {out}/split_report.json" in printed
    report = json.loads((out / "split_report.json").read_text())
    assert report["config"]["double_crops_in"] == [] and report["config"]["seed"] == 5
    assert report["excluded"]["double_crop"] > 0
    for split in ("train", "val", "test"):
        assert not pc.any(read_split(str(out), f"split={split}").column("is_double_crop")).as_py()

    assert read_report(str(out)) == SplitReport.from_json(json.dumps(report))
    with pytest.raises(SplitError, match="not a finished split"):
        read_report(str(tmp_path))

    assert main([*args, "--fractions", "0.5", "0.2", "0.2"]) == 2
    assert "fractions must sum to 1" in capsys.readouterr().err

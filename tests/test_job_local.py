"""The deployed job, end to end, on a laptop: every task's notebook in `depends_on` order.

The job's parameters are resolved as the bundle would resolve them, with the data root moved
to a temporary folder; the course-layout input is generated; each notebook runs through the
local Spark Connect session exactly as its task would run it, and each stage's output is
checked. This needs every stage's notebook and the generator: a missing one fails the test.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from bundle_config import job_tasks, jobs, load_bundle, task_widgets
from conftest import run_notebook

from cropseries.config import LoaderConfig
from cropseries.layout import NUM_BANDS
from cropseries.legend import course_legend

pytestmark = [pytest.mark.spark, pytest.mark.slow]
SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """A data root whose `course/` holds a small generated course-layout dataset."""
    from cropseries.cli import main

    if importlib.util.find_spec("cropseries.synth") is None:
        pytest.fail("the generator (`python -m cropseries synth`) is not in this tree yet")
    root = tmp_path_factory.mktemp("job")
    argv = ["synth", "--out", str(root / "course"), "--pixels", "400", "--seed", "7"]
    assert main([*argv, "--years", "2019", "2020", "2021"]) == 0
    return root


def check_split(output: Path, result: dict) -> None:
    for split in SPLITS:
        files = list((output / f"split={split}").glob("*.parquet"))
        assert files, f"01_split wrote no {split} files"
    report = json.loads((output / "split_report.json").read_text())
    assert report, "split_report.json is empty"


def check_stats(output: Path, result: dict) -> None:
    stats = json.loads((output / "stats.json").read_text())
    assert len(stats["bands"]) == len(stats["mean"]) == len(stats["std"]) == NUM_BANDS
    assert all(count > 0 for count in stats["count"])
    assert all(std > 0 for std in stats["std"])


def check_loader(output: Path, result: dict) -> None:
    """Every tf.data dataset the notebook left yields (x [n, 25, 12], one-hot y [n, 7]) batches."""
    import tensorflow as tf

    buckets, classes = LoaderConfig().num_buckets, course_legend().num_classes
    datasets = {k: v for k, v in result.items() if isinstance(v, tf.data.Dataset)}
    assert datasets, "03_loader left no tf.data dataset in its globals"
    for name, dataset in datasets.items():
        x, y = (np.asarray(t) for t in next(iter(dataset)))
        assert x.shape[1:] == (buckets, NUM_BANDS) and y.shape[1:] == (classes,), name
        assert x.shape[0] == y.shape[0] > 0, name
        assert np.isfinite(x).all(), name
        assert ((y == 0) | (y == 1)).all() and (y.sum(axis=1) == 1).all(), name


def check_train(output: Path, result: dict) -> None:
    """04_train left a model, its results and one MLflow run holding both (locally, a file
    store beside them, in the experiment the job names), and the run's report."""
    train = output.parent / "train"
    for name in ("model.keras", "training.json", "results.parquet", "evaluation.json"):
        assert (train / name).is_file(), name
    assert result["judged"].run_id == result["trained"].run_id
    assert result["where"].experiment == "/Users/someone@example.com/cropseries"
    scores = json.loads((train / "evaluation.json").read_text())
    report = json.loads((output / "split_report.json").read_text())
    assert scores["examples"] == 15 * report["rows"]["test"]  # every test row, 15 start days
    assert (train / "mlruns").is_dir() and (train / "mlflow_run.json").is_file()
    page = (train / "report.html").read_text()
    assert page.count("<figure>") >= 8 and '<h2 id="train-title">04_train' in page


CHECKS = {
    "01_split": check_split,
    "02_stats": check_stats,
    "03_loader": check_loader,
    "04_train": check_train,
}


def test_the_job_runs_its_notebooks_in_order_on_generated_data(spark, data_root):
    # Two epochs: the job's 40 would only make this test slower.
    variables = {"data_root": str(data_root), "train_epochs": "2"}
    config = load_bundle(target="dev", variables=variables)
    job = jobs(config)["cropseries"]
    output = Path(next(p.default for p in job.parameters if p.name == "output_path"))
    assert output.parent == data_root

    for task in job_tasks(job):
        notebook = Path(task.notebook_task.notebook_path)
        if not notebook.is_file():
            pytest.fail(f"task {task.task_key}: {notebook} is missing (needs the merged tree)")
        if task.task_key not in CHECKS:
            pytest.fail(f"task {task.task_key}: this test does not know how to check its output")
        result = run_notebook(notebook.stem, spark, task_widgets(job, task))
        assert result["_figures"], f"{task.task_key} showed no figure"
        CHECKS[task.task_key](output, result)

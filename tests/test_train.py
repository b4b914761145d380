"""04_train: the course's model learns from the loader's batches, the same way every time, and
each run is one MLflow run with its parameters, metrics, model, scores and figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fixture_data import generated

from cropseries.cli import main
from cropseries.config import LoaderConfig
from cropseries.course import COURSE_EVAL_START_DAYS
from cropseries.errors import ConfigError
from cropseries.train.fit import TrainConfig
from cropseries.train.model import ModelConfig, course_model

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_the_model_is_the_courses_and_as_wide_as_the_legend():
    model = course_model(9)
    assert model.input_shape == (None, 25, 12) and model.output_shape == (None, 9)
    kinds = [layer.__class__.__name__ for layer in model.layers]
    assert kinds == ["Conv1D", "Conv1D", "Dropout", "MaxPooling1D", "Flatten", "Dense", "Dense",
                     "Softmax"]  # fmt: skip
    with pytest.raises(ConfigError, match="dropout"):
        ModelConfig(dropout=1.0)
    with pytest.raises(ConfigError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ConfigError, match="needs at least 10 buckets .* the window gives 7"):
        course_model(7, num_buckets=7)


@pytest.fixture(scope="module")
def splits(spark, tmp_path_factory):
    from cropseries.config import SplitConfig, StatsConfig
    from cropseries.split import run_split
    from cropseries.stats import compute_stats

    root = tmp_path_factory.mktemp("train")
    course = generated(root / "course", pixels=1500)
    run_split(spark, course, str(root / "splits"), SplitConfig())
    compute_stats(spark, str(root / "splits"), StatsConfig(indices=True, medians=True))
    return str(root / "splits")


def val_accuracy(model_path: str, splits: str) -> tuple[float, float]:
    """Accuracy on the val split at the course's start days, and the majority-class rate."""
    import keras

    from cropseries.loader.pipeline import evaluation_dataset

    model = keras.saving.load_model(model_path)
    right, truth = [], []
    for x, y in evaluation_dataset(splits, splits, LoaderConfig(), split="val", extras=False):
        right.append(model.predict_on_batch(x).argmax(1) == y.numpy().argmax(1))
        truth.append(y.numpy().argmax(1))
    truth = np.concatenate(truth)
    return float(np.concatenate(right).mean()), float(np.bincount(truth).max() / len(truth))


def test_a_short_run_learns_well_above_the_majority_class_and_is_one_mlflow_run(
    splits, tmp_path, capsys
):
    from mlflow.tracking import MlflowClient

    out = tmp_path / "a"
    argv = ["train", "--splits", splits, "--out", str(out), "--epochs", "6"]
    assert main([*argv, "--batch-size", "128", "--seed", "3"]) == 0
    assert "model.keras: best epoch" in capsys.readouterr().out
    accuracy, majority = val_accuracy(str(out / "model.keras"), splits)
    assert accuracy > majority + 0.1, (accuracy, majority)
    argv = ["evaluate", "--splits", splits, "--model", str(out / "model.keras"), "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "start day 180: " in printed and "(the course, real data: 0.86)" in printed
    scores = json.loads((out / "evaluation.json").read_text())
    assert scores["accuracy"] > scores["majority_rate"] + 0.1, scores["accuracy"]

    client = MlflowClient((out / "mlruns").as_uri())
    [experiment] = [e for e in client.search_experiments() if e.name == "cropseries"]
    [run] = client.search_runs([experiment.experiment_id])  # evaluate logged to the same run
    params, metrics = run.data.params, run.data.metrics
    assert params["train.epochs"] == "6" and params["loader.batch_size"] == "128"
    assert params["split.strategy"] == "year" and int(params["rows.train"]) > 0
    steps = {m.step for m in client.get_metric_history(run.info.run_id, "val_loss")}
    assert steps == set(range(len(steps))) and 1 <= len(steps) <= 6  # one per epoch
    assert metrics["best_epoch"] <= len(steps)
    by_day = client.get_metric_history(run.info.run_id, "test_accuracy_by_start_day")
    assert [m.step for m in by_day] == list(COURSE_EVAL_START_DAYS)
    assert metrics["test_accuracy"] == pytest.approx(scores["accuracy"])
    artifacts = {a.path for folder in ("figures", "evaluation") for a in
                 client.list_artifacts(run.info.run_id, folder)}  # fmt: skip
    assert {"figures/training_curves.html", "figures/test_confusion_matrix.html",
            "figures/test_accuracy_by_start_day.html", "figures/test_map_start_day_45.html",
            "evaluation/evaluation.json"} <= artifacts  # fmt: skip
    [model] = client.search_logged_models([experiment.experiment_id])
    assert model.source_run_id == run.info.run_id


def test_the_same_seed_trains_the_same_model(splits, tmp_path):
    import keras

    for name in ("a", "b"):
        argv = ["train", "--splits", splits, "--out", str(tmp_path / name), "--epochs", "2"]
        assert main([*argv, "--batch-size", "256", "--seed", "5"]) == 0
    a, b = (keras.saving.load_model(str(tmp_path / n / "model.keras")) for n in ("a", "b"))
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_the_notebook_trains_judges_and_shows_the_figures(spark, splits, tmp_path):
    from conftest import run_notebook

    out = tmp_path / "train"
    widgets = {"splits": splits, "out": str(out), "epochs": "2", "batch_size": "256"}
    result = run_notebook("04_train", spark, widgets)
    assert (out / "model.keras").exists() and (out / "results.parquet").exists()
    assert result["judged"].run_id == result["trained"].run_id
    titles = [figure["layout"]["title"]["text"] for figure in result["_figures"]]
    assert len(titles) == 4 and titles[0].startswith("Training curves")
    assert "Confusion matrix" in titles[2] and "start day 45" in titles[3]
    for figure in result["_figures"]:
        assert figure["data"] and all(len(trace.get("x", [])) for trace in figure["data"][:1])


def test_a_model_of_other_bands_and_buckets_trains_and_is_judged_with_the_same(
    splits, tmp_path, capsys
):
    """The leave-one-band-out study: the model's input follows --bands and the window's
    buckets, and evaluate judges it only with the same."""
    import keras

    bands = "B02,B03,B04,B05,B06,B07,B08,B8A,B11,B12,B01"  # B09 left out, B01 moved last
    example = ["--bands", bands, "--indices", "ndvi,evi"]
    example += ["--days-in-series", "90", "--days-per-bucket", "10"]
    out = tmp_path / "no-b09"
    argv = ["train", "--splits", splits, "--out", str(out), "--epochs", "1", *example]
    assert main(argv) == 0
    model = keras.saving.load_model(str(out / "model.keras"))
    assert model.input_shape == (None, 10, 13)  # 11 bands, then NDVI and EVI
    judge = ["evaluate", "--splits", splits, "--model", str(out / "model.keras"), "--split", "val"]
    assert main([*judge, "--out", str(tmp_path / "same"), *example]) == 0
    assert main([*judge, "--out", str(tmp_path / "other"), "--bands", bands]) == 2
    assert not (tmp_path / "other").exists()
    # The same shape with another fill, or B01 back in first place: refused all the same.
    assert main([*judge, "--out", str(tmp_path / "fill"), *example, "--fill", "median"]) == 2
    moved = ["--bands", "B01," + bands.removesuffix(",B01"), *example[2:]]
    assert main([*judge, "--out", str(tmp_path / "moved"), *moved]) == 2
    assert "trained with channels B02,B03,B04,B05,B06,B07,B08,B8A,B11,B12,B01,ndvi,evi, " in (
        capsys.readouterr().err
    )

"""04_train's two steps as tracked runs: train (then log the model) and evaluate (then log the
scores), each inside an MLflow run, the same code on Databricks and on a laptop.

What a run holds: parameters (training, model, loader and split configuration, dataset
paths, row counts), the per-epoch metrics (MLflow's Keras callback), the model as an MLflow
Keras model, the accuracy by start day as a metric stepped by start day and as a table, the
per-class scores, and the figures as HTML artifacts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import metadata

from cropseries.config import LoaderConfig
from cropseries.figures.train import (
    accuracy_by_start_day,
    confusion_matrix,
    error_map,
    training_curves,
)
from cropseries.publish import publish
from cropseries.reader import resolve
from cropseries.split_dataset import report_path
from cropseries.train.evaluate import Evaluation, judge, prepare
from cropseries.train.fit import TrainConfig, TrainResult, train
from cropseries.train.model import ModelConfig
from cropseries.train.tracking import Tracking, flat_params, mlflow_run, tracking

#: Beside the model: which MLflow run trained it, so that `evaluate` logs to the same run.
RUN_FILE = "mlflow_run.json"
#: The start day whose map of correct and wrong pixels is logged: the course's early one.
MAP_START_DAY = 45


@dataclass(frozen=True)
class TrackedRun:
    """A step's result and the MLflow run it was logged to."""

    result: TrainResult | Evaluation
    run_id: str
    tracking: Tracking


def train_tracked(
    splits: str,
    out: str,
    where: Tracking,
    config: TrainConfig | None = None,
    loader: LoaderConfig | None = None,
    model: ModelConfig | None = None,
    fold: int | None = None,
    nested: bool = False,
) -> TrackedRun:
    """`fit.train` (of cross-validation fold `fold`, if given) inside a new MLflow run in
    `where` (a child of the active run if `nested`); the model and curves logged with it."""
    import mlflow

    config = config or TrainConfig()
    loader = loader or LoaderConfig(seed=config.seed)
    model = model or ModelConfig()
    name = f"train {os.path.basename(splits.rstrip('/'))}"
    name += "" if fold is None else f" fold {fold}"
    with mlflow_run(where, name, nested=nested) as run:
        mlflow.log_params(
            {"splits": splits, "out": os.path.abspath(out), "fold": fold}
            | flat_params("train", config)
            | flat_params("model", model)
            | flat_params("loader", loader)
            | _split_params(splits)
        )
        callbacks = [mlflow.keras.MlflowCallback()]
        result = train(splits, out, config, loader, model, callbacks, fold)
        mlflow.log_params({f"rows.{split}": rows for split, rows in result.rows.items()})
        mlflow.log_params({"classes": ",".join(result.classes)})
        best = result.best_epoch - 1
        mlflow.log_metrics(
            {
                "best_epoch": result.best_epoch,
                "best_val_loss": result.history["val_loss"][best],
                "best_val_accuracy": result.history["val_accuracy"][best],
            }
        )
        _log_keras_model(result.network)
        figure = training_curves(result.history, result.best_epoch)
        mlflow.log_figure(figure, "figures/training_curves.html")
    record = {"run_id": run.info.run_id, "tracking_uri": where.uri, "experiment": where.experiment}
    run_file = os.path.join(os.path.dirname(result.model_path), RUN_FILE)
    with publish(run_file) as staging, open(staging, "w") as f:
        json.dump(record, f, indent=1)
    return TrackedRun(result, run.info.run_id, where)


def evaluation_tracking(
    model_path: str, out: str, experiment: str | None = None, uri: str | None = None
) -> Tracking:
    """Where an evaluation is logged: unless told, where the model's training run is (its
    record beside the model), else as `tracking.tracking(out, ...)`."""
    record = _run_record(model_path)
    if record and not (experiment or uri):
        return Tracking(record["tracking_uri"], record["experiment"])
    return tracking(out, experiment, uri)


def training_run(model_path: str, where: Tracking) -> str | None:
    """The id of the run that trained the model at `model_path`, if it was logged in `where`."""
    record = _run_record(model_path)
    if not record:
        return None
    same = (record["tracking_uri"], record["experiment"]) == (where.uri, where.experiment)
    return record["run_id"] if same else None


def _run_record(model_path: str) -> dict | None:
    try:
        with open(os.path.join(os.path.dirname(model_path), RUN_FILE)) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def evaluate_tracked(
    splits: str,
    model_path: str,
    out: str,
    where: Tracking,
    run_id: str | None = None,
    nested: bool = False,
    **options,
) -> TrackedRun:
    """`evaluate.evaluate` (same `options`) logged to the run `run_id`, by default the run
    that trained the model (`training_run`), or else to a new run in `where` (a child of the
    active run if `nested`). Bad input fails before any run starts."""
    import mlflow

    run_id = run_id or training_run(model_path, where)
    judging = prepare(splits, model_path, **options)
    name = f"evaluate {os.path.basename(model_path)}"
    with mlflow_run(where, name, run_id, nested) as run:
        evaluation = judge(judging, out)
        scores, split = evaluation.scores, evaluation.split
        mlflow.log_metrics(
            {f"{split}_accuracy": scores.accuracy, f"{split}_majority_rate": scores.majority_rate}
        )
        for day, accuracy in zip(scores.start_days, scores.accuracy_by_start_day, strict=True):
            mlflow.log_metric(f"{split}_accuracy_by_start_day", accuracy, step=day)
        mlflow.log_table(
            _by_start_day(evaluation), f"evaluation/{split}_accuracy_by_start_day.json"
        )
        mlflow.log_table(_long_table(scores.table()), f"evaluation/{split}_per_class.json")
        mlflow.log_artifact(evaluation.scores_path, "evaluation")
        for name, figure in evaluation_figures(evaluation).items():
            mlflow.log_figure(figure, f"figures/{split}_{name}.html")
    return TrackedRun(evaluation, run.info.run_id, where)


def evaluation_figures(evaluation: Evaluation, map_start_day: int = MAP_START_DAY) -> dict:
    """The evaluation's figures by name: accuracy by start day, confusion matrix, and the map
    of right and wrong pixels at `map_start_day` (the first start day if it was not scored)."""
    scores = evaluation.scores
    day = map_start_day if map_start_day in scores.start_days else scores.start_days[0]
    return {
        "accuracy_by_start_day": accuracy_by_start_day(
            scores, f"{evaluation.split} accuracy by start day"
        ),
        "confusion_matrix": confusion_matrix(scores),
        f"map_start_day_{day}": error_map(evaluation.results_path, day),
    }


def split_record(splits: str) -> dict:
    """01_split's report of `splits` as JSON, or {} if there is none."""
    fs, path = resolve(report_path(splits))
    try:
        with fs.open_input_stream(path) as stream:
            return json.loads(stream.read().decode())
    except FileNotFoundError:
        return {}


def _split_params(splits: str) -> dict:
    """01_split's configuration and row counts, from its report, if there is one."""
    report = split_record(splits)
    if not report:
        return {}
    return flat_params("split", report.get("config", {})) | flat_params(
        "split.rows", report.get("rows", {})
    )


def _by_start_day(evaluation: Evaluation) -> dict[str, list]:
    scores = evaluation.scores
    return {
        "start_day": list(scores.start_days),
        "accuracy": [float(a) for a in scores.accuracy_by_start_day],
    }


def _long_table(records: list[dict]) -> dict[str, list]:
    return {key: [record[key] for record in records] for key in records[0]}


def _log_keras_model(model) -> None:
    """The trained model as an MLflow Keras model, with its signature and pinned requirements
    (given, not inferred: inference loads the model again in a subprocess)."""
    import mlflow
    import numpy as np
    from mlflow.models import ModelSignature
    from mlflow.types import Schema, TensorSpec

    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype("float32"), (-1, *model.input_shape[1:]), "x")]),
        outputs=Schema([TensorSpec(np.dtype("float32"), (-1, *model.output_shape[1:]))]),
    )
    requirements = [_pinned("keras"), _pinned("tensorflow-cpu") or _pinned("tensorflow")]
    mlflow.keras.log_model(
        model, name="model", signature=signature, pip_requirements=[r for r in requirements if r]
    )


def _pinned(distribution: str) -> str | None:
    try:
        return f"{distribution}=={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return None

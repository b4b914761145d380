"""Cross-validation: the course's model trained and judged once per fold, as MLflow child runs.

A dataset that 01_split split into K folds gives K selections (`split_dataset.fold_parts`):
fold f tests, fold f + 1 validates (early stopping), the rest train, with fold f's own
statistics (`stats-fold<f>.json`, 02_stats `--fold all`). Each selection is one child run
(training and evaluation, as `train` and `evaluate` log them) under a parent run, which
holds the mean and standard deviation over folds of the test accuracy, overall and by start
day. Every row is tested exactly once, so the spread is the honest error bar that a single
year split cannot give.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow.fs as pafs

from cropseries.config import LoaderConfig
from cropseries.errors import ConfigError
from cropseries.figures.train import accuracy_spread
from cropseries.publish import publish
from cropseries.reader import local_path, resolve
from cropseries.split_dataset import fold_name, num_folds, stats_path
from cropseries.train.fit import TrainConfig
from cropseries.train.model import ModelConfig
from cropseries.train.stage import evaluate_tracked, split_record, train_tracked
from cropseries.train.tracking import Tracking, flat_params, mlflow_run

#: The cross-validation's summary, in its output folder.
SUMMARY_FILE = "cross_validation.json"


@dataclass(frozen=True)
class FoldResult:
    """One fold's test scores and the child run that holds them."""

    fold: int
    held_out: str
    run_id: str
    model_path: str
    accuracy: float
    start_days: tuple[int, ...]
    accuracy_by_start_day: tuple[float, ...]


@dataclass(frozen=True)
class CrossValidation:
    """The folds' results and their mean and sample standard deviation (ddof 1) over folds."""

    parent_run_id: str
    folds: tuple[FoldResult, ...]

    @property
    def start_days(self) -> tuple[int, ...]:
        return self.folds[0].start_days

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([f.accuracy for f in self.folds])

    @property
    def by_start_day(self) -> np.ndarray:
        """float [folds, start days]."""
        return np.array([f.accuracy_by_start_day for f in self.folds])

    def summary(self) -> dict:
        by_day = self.by_start_day
        return {
            "parent_run_id": self.parent_run_id,
            "folds": [asdict(f) for f in self.folds],
            "accuracy_mean": float(self.accuracies.mean()),
            "accuracy_std": float(self.accuracies.std(ddof=1)),
            "start_days": list(self.start_days),
            "accuracy_by_start_day_mean": by_day.mean(axis=0).tolist(),
            "accuracy_by_start_day_std": by_day.std(axis=0, ddof=1).tolist(),
        }


def held_out(splits: str, folds: int) -> list[str]:
    """What each fold holds out (year, box or "blocks"), from 01_split's report."""
    recorded = split_record(splits).get("held_out")
    return list(recorded) if recorded and len(recorded) == folds else ["?"] * folds


def check_folds(splits: str) -> int:
    """The number of folds of `splits`; ConfigError, in one line, if it has none or lacks a
    fold's statistics."""
    folds = num_folds(splits)
    if not folds:
        raise ConfigError(
            f"{splits}: not split into folds; run 01_split with --folds block:K, year or box"
        )
    for fold in range(folds):
        fs, path = resolve(stats_path(splits, fold))
        if fs.get_file_info(path).type != pafs.FileType.File:
            raise ConfigError(
                f"{stats_path(splits, fold)}: no statistics of fold {fold}; run "
                f"python -m cropseries stats --splits {splits} --fold all"
            )
    return folds


def cross_validate(
    splits: str,
    out: str,
    where: Tracking,
    config: TrainConfig | None = None,
    loader: LoaderConfig | None = None,
    model: ModelConfig | None = None,
) -> CrossValidation:
    """Train and judge every fold of `splits` (module docstring) into `<out>/fold<f>/`; write
    `<out>/cross_validation.json` and log the spread to the parent run."""
    import mlflow

    config = config or TrainConfig()
    loader = loader or LoaderConfig(seed=config.seed)
    folds = check_folds(splits)
    holds = held_out(splits, folds)
    name = f"cross-validate {os.path.basename(splits.rstrip('/'))}"
    with mlflow_run(where, name) as parent:
        mlflow.log_params(
            {"splits": splits, "out": os.path.abspath(out), "folds": folds}
            | flat_params("train", config)
            | flat_params("loader", loader)
        )
        results = []
        for fold in range(folds):
            fold_out = os.path.join(local_path(out), fold_name(fold))
            trained = train_tracked(splits, fold_out, where, config, loader, model, fold, True)
            evaluated = evaluate_tracked(
                splits,
                trained.result.model_path,
                os.path.join(fold_out, "evaluation"),
                where,
                trained.run_id,
                nested=True,
                config=loader,
                fold=fold,
            )
            scores = evaluated.result.scores
            results.append(
                FoldResult(
                    fold=fold,
                    held_out=holds[fold],
                    run_id=trained.run_id,
                    model_path=trained.result.model_path,
                    accuracy=float(scores.accuracy),
                    start_days=tuple(scores.start_days),
                    accuracy_by_start_day=tuple(float(a) for a in scores.accuracy_by_start_day),
                )
            )
        validation = CrossValidation(parent.info.run_id, tuple(results))
        _log_spread(validation)
    path = os.path.join(local_path(out), SUMMARY_FILE)
    with publish(path) as staging, open(staging, "w") as f:
        json.dump(validation.summary(), f, indent=1)
    return validation


def _log_spread(validation: CrossValidation) -> None:
    """The mean and std over folds on the parent run: overall, by start day, and a figure."""
    import mlflow

    summary = validation.summary()
    mlflow.log_metric("test_accuracy_mean", summary["accuracy_mean"])
    mlflow.log_metric("test_accuracy_std", summary["accuracy_std"])
    means, stds = summary["accuracy_by_start_day_mean"], summary["accuracy_by_start_day_std"]
    for day, mean, std in zip(validation.start_days, means, stds, strict=True):
        mlflow.log_metric("test_accuracy_by_start_day_mean", mean, step=day)
        mlflow.log_metric("test_accuracy_by_start_day_std", std, step=day)
    mlflow.log_dict(summary, SUMMARY_FILE)
    figure = accuracy_spread(validation.start_days, validation.by_start_day)
    mlflow.log_figure(figure, "figures/test_accuracy_by_start_day_folds.html")

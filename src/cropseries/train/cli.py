"""04_train's commands: `train` (the course's model, saved as .keras) and `evaluate` (a model
judged by start day), each an MLflow run (`stage`). TensorFlow and MLflow are imported only
when a command runs.
"""

from __future__ import annotations

import argparse

from cropseries.cli import argument_type, at_least
from cropseries.config import LoaderConfig
from cropseries.course import COURSE_ACCURACY_BY_START_DAY
from cropseries.loader.cli import (
    add_config_arguments,
    add_example_arguments,
    add_input_arguments,
    config_from,
    example_options,
)
from cropseries.loader.windows import parse_start_days

_DEFAULT_BATCH = LoaderConfig().batch_size


def add_tracking_arguments(parser: argparse.ArgumentParser) -> None:
    """--experiment and --tracking-uri (defaults: `tracking.tracking`)."""
    parser.add_argument(
        "--experiment",
        help="MLflow experiment (default: 'cropseries'; on Databricks /Users/<you>/cropseries)",
    )
    parser.add_argument(
        "--tracking-uri",
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, on Databricks the "
        "workspace, else a file store OUT/mlruns; evaluate: where the model's training run is)",
    )


# -- train -----------------------------------------------------------------------------------


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries train`, one per `TrainConfig` field."""
    parser.add_argument("--splits", required=True, help="split dataset with stats.json")
    parser.add_argument("--out", required=True, help="folder for model.keras")
    parser.add_argument("--epochs", type=at_least(1), default=40, help="at most (default: 40)")
    parser.add_argument("--patience", type=at_least(1), default=5, help="early stopping")
    parser.add_argument("--batch-size", type=at_least(1), default=_DEFAULT_BATCH)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--seed", type=at_least(0), default=0, help="the same run every time")
    parser.add_argument(
        "--class-weights", action="store_true", help="weigh the loss by stats.json's weights"
    )
    parser.add_argument(
        "--folds",
        action="store_true",
        help="cross-validate a dataset split into folds (01_split --folds, then stats --fold "
        "all): a child run per fold, the mean and std of the test accuracy on the parent",
    )
    add_example_arguments(parser)
    add_tracking_arguments(parser)


def run_train(args: argparse.Namespace) -> int:
    """`python -m cropseries train`: train, then print where the model and the run are."""
    from cropseries.train.fit import TrainConfig
    from cropseries.train.stage import train_tracked
    from cropseries.train.tracking import tracking

    config = TrainConfig(
        epochs=args.epochs,
        patience=args.patience,
        learning_rate=args.learning_rate,
        class_weights=args.class_weights,
        seed=args.seed,
    )
    loader = LoaderConfig(batch_size=args.batch_size, seed=args.seed, **example_options(args))
    where = tracking(args.out, args.experiment, args.tracking_uri)
    if args.folds:
        return _cross_validate(args, where, config, loader)
    run = train_tracked(args.splits, args.out, where, config, loader)
    result, best = run.result, run.result.best_epoch - 1
    print(
        f"wrote {result.model_path}: best epoch {result.best_epoch}, val loss "
        f"{result.history['val_loss'][best]:.3f}, val accuracy "
        f"{result.history['val_accuracy'][best]:.3f} ({len(result.classes)} classes)"
    )
    print(f"MLflow run {run.run_id} in experiment {where.experiment!r} at {where.uri}")
    return 0


def _cross_validate(args, where, config, loader) -> int:
    from cropseries.train.crossval import SUMMARY_FILE, cross_validate

    validation = cross_validate(args.splits, args.out, where, config, loader)
    summary = validation.summary()
    for fold in validation.folds:
        held = "" if fold.held_out == "blocks" else f" (test: {fold.held_out})"
        print(f"fold {fold.fold}{held}: test accuracy {fold.accuracy:.3f}")
    print(
        f"test accuracy over {len(validation.folds)} folds: {summary['accuracy_mean']:.3f} "
        f"+- {summary['accuracy_std']:.3f} (mean +- std)"
    )
    means, stds = summary["accuracy_by_start_day_mean"], summary["accuracy_by_start_day_std"]
    for day, mean, std in zip(validation.start_days, means, stds, strict=True):
        print(f"  start day {day:>3}: {mean:.3f} +- {std:.3f}{_beside_course(day)}")
    print(f"wrote {args.out}/{SUMMARY_FILE}")
    print(
        f"MLflow parent run {validation.parent_run_id} in experiment {where.experiment!r} "
        f"at {where.uri}"
    )
    return 0


def _beside_course(day: int) -> str:
    """The course's published accuracy at `day` on its real test box, where it gave one."""
    course = COURSE_ACCURACY_BY_START_DAY.get(day)
    return "" if course is None else f"   (the course, real data: {course:.2f})"


# -- evaluate --------------------------------------------------------------------------------


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries evaluate`: the loader's input and windowing options,
    the model, the start days, the output folder and where to track."""
    add_input_arguments(parser, split="test")
    parser.add_argument("--model", required=True, help="a .keras model (Keras 3, or the course's)")
    parser.add_argument("--out", required=True, help="folder for results.parquet, evaluation.json")
    parser.add_argument(
        "--start-days",
        type=argument_type(parse_start_days),
        default=LoaderConfig().eval_start_days,
        help="evaluation window starts: '0,15,...,200' (the course's, default) or a list",
    )
    parser.add_argument(
        "--run-id", help="MLflow run to log to (default: the run that trained the model)"
    )
    add_tracking_arguments(parser)
    add_config_arguments(parser)


def run_evaluate(args: argparse.Namespace) -> int:
    """`python -m cropseries evaluate`: scores by start day, results table, MLflow run."""
    from cropseries.train.stage import evaluate_tracked, evaluation_tracking

    where = evaluation_tracking(args.model, args.out, args.experiment, args.tracking_uri)
    run = evaluate_tracked(
        args.splits,
        args.model,
        args.out,
        where,
        args.run_id,
        stats=args.stats,
        config=config_from(args),
        split=args.split,
        start_days=args.start_days,
        layout=args.layout,
        fold=args.fold,
    )
    scores = run.result.scores
    print(
        f"{run.result.split}: accuracy {scores.accuracy:.3f} over {scores.examples:,} examples "
        f"(majority class {scores.majority_rate:.3f})"
    )
    for day, accuracy in zip(scores.start_days, scores.accuracy_by_start_day, strict=True):
        print(f"  start day {day:>3}: {accuracy:.3f}{_beside_course(day)}")
    print(f"wrote {run.result.results_path} and {run.result.scores_path}")
    print(f"MLflow run {run.run_id} in experiment {where.experiment!r} at {where.uri}")
    return 0

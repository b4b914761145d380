"""`python -m cropseries train`: the course's model trained on a split dataset, saved as .keras.

A thin wrapper over `fit.train`; TensorFlow is imported only when the command runs.
"""

from __future__ import annotations

import argparse

from cropseries.cli import at_least
from cropseries.config import LoaderConfig

_DEFAULT_BATCH = LoaderConfig().batch_size


def add_arguments(parser: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries train`: train, then print where the model is and its best epoch."""
    from cropseries.train.fit import TrainConfig, train

    config = TrainConfig(
        epochs=args.epochs,
        patience=args.patience,
        learning_rate=args.learning_rate,
        class_weights=args.class_weights,
        seed=args.seed,
    )
    loader = LoaderConfig(batch_size=args.batch_size, seed=args.seed)
    result = train(args.splits, args.out, config, loader)
    best = result.best_epoch - 1
    print(
        f"wrote {result.model_path}: best epoch {result.best_epoch}, val loss "
        f"{result.history['val_loss'][best]:.3f}, val accuracy "
        f"{result.history['val_accuracy'][best]:.3f} ({len(result.classes)} classes)"
    )
    return 0

"""Training the course's model from the loader: train split in, best model out as `.keras`.

Each epoch draws new training windows from the train split; the val split is read in the
loader's evaluation mode (every row at the course's start days), so the validation loss,
which early stopping watches, measures the same thing every epoch. The weights of the best
epoch are restored and the model is published whole.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cropseries.config import LoaderConfig
from cropseries.errors import ConfigError
from cropseries.loader.pipeline import plan, to_dataset
from cropseries.publish import publish
from cropseries.reader import local_path
from cropseries.split_dataset import stats_path
from cropseries.stats import load_stats
from cropseries.train.model import ModelConfig, course_model


@dataclass(frozen=True)
class TrainConfig:
    """How the model is trained; the course's values by default."""

    epochs: int = 40
    """Epochs at most (course: up to 40)."""
    patience: int = 5
    """Epochs without a better val loss before stopping (not in the course)."""
    learning_rate: float = 0.001
    """Adam's learning rate (course: Keras' default, 0.001)."""
    class_weights: bool = False
    """Weigh the loss by stats.json's class weights (not in the course)."""
    seed: int = 0
    """Seeds Keras, TensorFlow and the loader's draws: the same run on CPU every time."""

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.patience < 1:
            raise ConfigError(f"epochs={self.epochs} and patience={self.patience} must be >= 1")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate} must be positive")
        if self.seed < 0:
            raise ConfigError(f"seed={self.seed} must not be negative")


@dataclass(frozen=True)
class TrainResult:
    """What a run produced: the saved model's path, the classes, the per-epoch history, the
    epoch whose weights were kept, the rows of the train and val splits, and the trained
    Keras model itself (the one saved)."""

    model_path: str
    classes: tuple[str, ...]
    history: dict[str, list[float]]
    best_epoch: int
    rows: dict[str, int]
    network: Any = field(default=None, repr=False, compare=False)


def train(
    splits: str,
    out: str,
    config: TrainConfig | None = None,
    loader: LoaderConfig | None = None,
    model: ModelConfig | None = None,
    callbacks: Sequence = (),
    fold: int | None = None,
) -> TrainResult:
    """Train the course's model on `splits` (a split dataset with stats.json) and save it as
    `<out>/model.keras`; returns where, the classes and the history. `callbacks` are Keras
    callbacks run beside early stopping (e.g. MLflow's). With `fold`, the train and val
    splits of that cross-validation fold, with its `stats-fold<f>.json`."""
    import keras

    config = config or TrainConfig()
    loader = loader or LoaderConfig(seed=config.seed)
    keras.utils.set_random_seed(config.seed)
    stats = stats_path(splits, fold)
    job = plan(splits, stats, loader, training=True, split="train", fold=fold)
    val = plan(splits, stats, loader, training=False, split="val", fold=fold)
    network = course_model(
        job.legend.num_classes, loader.num_buckets, model, bands=len(loader.input_channels)
    )
    network.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    weights = None
    if config.class_weights:
        weights = dict(enumerate(load_stats(stats).class_weights.tolist()))
    stop = keras.callbacks.EarlyStopping(
        "val_loss", patience=config.patience, restore_best_weights=True
    )
    with warnings.catch_warnings():
        # The loader's epochs end when the data does (their length is not known in advance),
        # which Keras reports as "input ran out of data" although nothing is wrong.
        warnings.filterwarnings("ignore", "Your input ran out of data", UserWarning)
        history = network.fit(
            to_dataset(job),
            validation_data=to_dataset(val),
            epochs=config.epochs,
            class_weight=weights,
            callbacks=[stop, *callbacks],
            verbose=2,
        ).history
    path = f"{local_path(out).rstrip('/')}/model.keras"
    with publish(path) as staging:
        network.save(f"{staging}.keras")  # Keras wants the suffix; publish removes the spare
        os.replace(f"{staging}.keras", staging)
    losses = history["val_loss"]
    best = losses.index(min(losses)) + 1
    rows = {"train": job.source.num_rows, "val": val.source.num_rows}
    result = TrainResult(path, job.legend.classes, history, best, rows, network)
    write_training_record(result, loader)
    return result


#: The history of a training run, beside its model (the report draws its curves from it).
TRAINING_FILE = "training.json"


def write_training_record(result: TrainResult, loader: LoaderConfig) -> None:
    """`training.json` beside the model: classes, rows, the epoch kept, the history and the
    input the model takes (`LoaderConfig.input_contract`)."""
    record = {
        "model": result.model_path,
        "input": loader.input_contract,
        "classes": list(result.classes),
        "rows": result.rows,
        "best_epoch": result.best_epoch,
        "history": {k: [float(v) for v in values] for k, values in result.history.items()},
    }
    path = os.path.join(os.path.dirname(result.model_path), TRAINING_FILE)
    with publish(path) as staging, open(staging, "w") as f:
        json.dump(record, f, indent=1)

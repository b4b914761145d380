"""Judging a model on a split in the loader's evaluation mode: every row at every start day.

The course judged its model by the start day of the 120-day window (how early in the season
a crop can be told). Batches stream through the model once; the scores come from confusion
counts (`metrics.Scores`) and every prediction goes to a results Parquet as it is made, so
memory stays at one batch whatever the split's size.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cropseries.config import LoaderConfig
from cropseries.errors import ConfigError
from cropseries.legend import ClassLegend
from cropseries.loader.pipeline import Plan, batches, plan
from cropseries.loader.windows import StartDays
from cropseries.publish import publish
from cropseries.reader import local_path
from cropseries.split_dataset import stats_path
from cropseries.train.fit import TRAINING_FILE
from cropseries.train.metrics import Scores
from cropseries.train.saved import load_model

RESULTS_FILE = "results.parquet"
SCORES_FILE = "evaluation.json"


@dataclass(frozen=True)
class Evaluation:
    """What `evaluate` wrote and found."""

    scores: Scores
    results_path: str
    scores_path: str
    model_path: str
    split: str


@dataclass(frozen=True)
class Judging:
    """An evaluation ready to run: the loader's plan and the model, both checked."""

    job: Plan
    model: Any
    model_path: str


def prepare(
    splits: str,
    model_path: str,
    *,
    stats=None,
    config: LoaderConfig | None = None,
    split: str = "test",
    start_days: tuple[int, ...] | None = None,
    layout: str = "auto",
    fold: int | None = None,
) -> Judging:
    """Open the split and load the `.keras` model, so that bad input fails before anything
    is written or tracked.

    `stats` defaults to the split dataset's stats.json ("course": the course's constants, as
    the course's own model expects); `start_days` to the course's 0, 15, ..., 195, 200.
    With `fold`, `split` of that cross-validation fold, and its `stats-fold<f>.json`.
    """
    job = plan(
        splits,
        stats or stats_path(splits, fold),
        config,
        training=False,
        split=split,
        start_days=start_days,
        extras=True,
        layout=layout,
        fold=fold,
    )
    if not isinstance(job.window, StartDays):
        raise ConfigError(
            f"evaluate scores accuracy by start day: window {job.config.window!r} is not a "
            "start-day grid (use 'starts:0,15,...,200', or the default)"
        )
    config = job.config
    _check_trained_input(model_path, config)
    model = load_model(model_path, job.legend, config.num_buckets, len(config.input_channels))
    return Judging(job, model, model_path)


def _check_trained_input(model_path: str, config: LoaderConfig) -> None:
    """ConfigError if `training.json` beside the model (04_train writes it) records other
    examples than `config` makes: the same shape can hide other bands, buckets or fill."""
    path = os.path.join(os.path.dirname(local_path(model_path)), TRAINING_FILE)
    if not os.path.exists(path):
        return  # a model from elsewhere: only its shapes can be checked
    with open(path) as f:
        trained = json.load(f).get("input")
    asked = config.input_contract
    if trained is not None and trained != asked:
        differ = [k for k in asked if trained.get(k) != asked[k]]

        def said(contract: dict) -> str:
            return "; ".join(f"{k} {_text(contract.get(k))}" for k in differ)

        raise ConfigError(
            f"{model_path}: trained with {said(trained)}, but evaluate is asked for "
            f"{said(asked)}: give evaluate the options the model was trained with"
        )


def _text(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def judge(judging: Judging, out: str) -> Evaluation:
    """Run the model over every example and write `<out>/results.parquet` (one row per pixel
    and start day) and `<out>/evaluation.json` (the scores)."""
    job, model, out = judging.job, judging.model, local_path(out)
    scores = Scores.empty(job.window.days, job.legend.classes)
    results = f"{out.rstrip('/')}/{RESULTS_FILE}"
    schema = results_schema(job, judging.model_path)
    classes = pa.array(job.legend.classes)
    labels = pa.array(label_names(job.legend), pa.string())
    with (
        publish(results) as staging,
        pq.ParquetWriter(staging, schema, compression="zstd") as writer,
    ):
        for batch in batches(job):
            probabilities = np.asarray(model.predict_on_batch(batch["x"]), np.float32)
            true, predicted = batch["y"].argmax(axis=1), probabilities.argmax(axis=1)
            scores.add(batch["start_day"], true, predicted)
            named = {"true_class": true, "predicted_class": predicted}
            columns = {
                key: pa.DictionaryArray.from_arrays(values.astype(np.int32), classes)
                for key, values in named.items()
            }
            columns["CDL"] = pa.DictionaryArray.from_arrays(batch["cdl_code"], labels)
            columns["probabilities"] = pa.FixedSizeListArray.from_arrays(
                probabilities.reshape(-1), probabilities.shape[1]
            )
            writer.write_batch(pa.RecordBatch.from_pydict(batch | columns, schema=schema))
    summary = f"{out.rstrip('/')}/{SCORES_FILE}"
    split = job.source.split
    with publish(summary) as staging, open(staging, "w") as f:
        json.dump({"model": judging.model_path, "split": split} | scores.summary(), f, indent=1)
    return Evaluation(scores, results, summary, judging.model_path, split)


def evaluate(splits: str, model_path: str, out: str, **options) -> Evaluation:
    """`prepare` (with its `options`), then `judge` into `out`."""
    return judge(prepare(splits, model_path, **options), out)


def results_schema(job: Plan, model_path: str) -> pa.Schema:
    """The results Parquet's columns; the class order of `probabilities` in its metadata."""
    names = pa.dictionary(pa.int32(), pa.string())
    classes = len(job.legend.classes)
    return pa.schema(
        [
            ("pixel_id", pa.int64()),
            ("lon", pa.float64()),
            ("lat", pa.float64()),
            ("year", pa.int32()),
            ("CDL", names),
            ("start_day", pa.int32()),
            ("true_class", names),
            ("predicted_class", names),
            ("probabilities", pa.list_(pa.float32(), classes)),
        ],
        metadata={
            "classes": json.dumps(list(job.legend.classes)),
            "model": model_path,
            "split": job.source.split,
        },
    )


def label_names(legend: ClassLegend) -> list[str]:
    """Each label code's name (CDL names, or the legend's own; "code <n>" for an unnamed
    code, which no split holds)."""
    names = [f"code {code}" for code in range(legend.num_codes)]
    for name, code in legend.name_codes().items():
        names[code] = name
    return names


def read_scores(results: str) -> Scores:
    """The scores of a results Parquet that `judge` wrote, recounted from its rows (the
    class order from its metadata), without the model or TensorFlow."""
    file = pq.ParquetFile(local_path(results))
    classes = tuple(json.loads(file.schema_arrow.metadata[b"classes"]))
    table = file.read(columns=["start_day", "true_class", "predicted_class"])
    start_day = table.column("start_day").to_numpy()
    scores = Scores.empty(tuple(np.unique(start_day).tolist()), classes)
    codes = [_class_codes(table.column(c), classes) for c in ("true_class", "predicted_class")]
    scores.add(start_day, *codes)
    return scores


def _class_codes(column: pa.ChunkedArray, classes: tuple[str, ...]) -> np.ndarray:
    """A dictionary column of class names as positions in `classes`."""
    column = column.combine_chunks()
    position = np.array([classes.index(name) for name in column.dictionary.to_pylist()], np.int64)
    return position[column.indices.to_numpy()]

# Databricks notebook source
# MAGIC %md
# MAGIC # 04_train: the course's 1D-CNN, trained from the loader and judged by start day
# MAGIC
# MAGIC Trains the course's Part 3 model (Conv1D 64-5, Conv1D 64-5, Dropout 0.5, MaxPool 2, Dense 50,
# MAGIC softmax over the legend's classes) on the train split's batches, validates it on the val
# MAGIC split in evaluation mode, stops when the val loss stops improving and keeps the best weights.
# MAGIC Then it judges the model on the test split at the course's start days (0, 15, ..., 195, 200):
# MAGIC accuracy by start day, per-class scores, the confusion matrix and a results table with one row
# MAGIC per pixel and start day. Training and evaluation are one MLflow run.
# MAGIC
# MAGIC Parameters:
# MAGIC - `splits`: the split dataset with `stats.json` (01_split and 02_stats' output).
# MAGIC - `out`: folder for `model.keras`, `results.parquet` and `evaluation.json`.
# MAGIC - `epochs`: at most (course: 40); `patience`: epochs without a better val loss before stopping.
# MAGIC - `batch_size` (course: 1028), `seed`, `class_weights`: `true` to weigh the loss by
# MAGIC   `stats.json`'s class weights (not in the course).
# MAGIC - `experiment`: the MLflow experiment; empty means `/Users/<you>/cropseries` on Databricks,
# MAGIC   `cropseries` in a local store `<out>/mlruns` elsewhere.
# MAGIC - `map_start_day`: the start day of the map of right and wrong test pixels.
# MAGIC - `report`: where to write the run's report, one self-contained HTML page of every stage
# MAGIC   (empty: `<out>/report.html`; `none`: no report).
# MAGIC - `fold`: for a dataset 01_split split into folds, the fold whose selection trains and tests
# MAGIC   (its statistics: 02_stats with `fold` = `all`); `cross_validate`: `true` to also train
# MAGIC   and judge every fold, each a child run, and show the spread over folds.

# COMMAND ----------

# cropseries comes from this notebook's environment: the job's (the bundle's wheel),
# the Environment side pane, or a local virtualenv (docs/databricks.md). Relative
# paths are read from the repository root, found from this notebook's own path.
from cropseries.notebook import repository_path, repository_root

REPO = repository_root(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)

# COMMAND ----------

dbutils.widgets.text("splits", "data/demo/splits")
dbutils.widgets.text("out", "data/demo/train")
dbutils.widgets.text("epochs", "40")
dbutils.widgets.text("patience", "5")
dbutils.widgets.text("batch_size", "1028")
dbutils.widgets.text("seed", "0")
dbutils.widgets.text("window", "")  # "": the course's random training windows; ending:07-01, ...
dbutils.widgets.text("days_in_series", "120")
dbutils.widgets.text("days_per_bucket", "5")
dbutils.widgets.dropdown("fill", "zero", ["zero", "median"])  # empty buckets: 0 or median
dbutils.widgets.text("indices", "")  # e.g. ndvi,evi,ndwi,ndmi,ndre,ndvi100, after the bands
dbutils.widgets.text("bands", "")  # "": all 12; e.g. leave one out to see what it adds
dbutils.widgets.dropdown("class_weights", "false", ["false", "true"])
dbutils.widgets.text("experiment", "")
dbutils.widgets.text("map_start_day", "45")
dbutils.widgets.text("report", "")
dbutils.widgets.text("fold", "")  # a dataset split into folds: the fold to train and judge
dbutils.widgets.dropdown("cross_validate", "false", ["false", "true"])  # every fold, child runs

# COMMAND ----------

from cropseries.config import LoaderConfig, parse_bands, parse_flag, parse_fold, parse_names
from cropseries.train.fit import TrainConfig
from cropseries.train.stage import evaluate_tracked, train_tracked
from cropseries.train.tracking import tracking

splits = repository_path(REPO, dbutils.widgets.get("splits"))
out = repository_path(REPO, dbutils.widgets.get("out"))
seed = int(dbutils.widgets.get("seed"))
fold = parse_fold(dbutils.widgets.get("fold"))
config = TrainConfig(
    epochs=int(dbutils.widgets.get("epochs")),
    patience=int(dbutils.widgets.get("patience")),
    class_weights=parse_flag(dbutils.widgets.get("class_weights")),
    seed=seed,
)
# The model's input is [days_in_series // days_per_bucket + 1, channels]: evaluation cuts the
# course's start-day grid with the same window length, bucket width, bands, indices and fill.
example = {
    "days_in_series": int(dbutils.widgets.get("days_in_series")),
    "days_per_bucket": int(dbutils.widgets.get("days_per_bucket")),
    "bands": parse_bands(dbutils.widgets.get("bands")),
    "fill": dbutils.widgets.get("fill"),
    "indices": parse_names(dbutils.widgets.get("indices")),
}
window = dbutils.widgets.get("window").strip() or None
loader = LoaderConfig(
    batch_size=int(dbutils.widgets.get("batch_size")), seed=seed, window=window, **example
)
where = tracking(out, dbutils.widgets.get("experiment") or None)
trained = train_tracked(splits, out, where, config, loader, fold=fold)
judged = evaluate_tracked(
    splits,
    trained.result.model_path,
    out,
    where,
    trained.run_id,
    config=LoaderConfig(**example),
    fold=fold,
)
scores = judged.result.scores
print(f"model: {trained.result.model_path} (best epoch {trained.result.best_epoch})")
print(f"MLflow run {trained.run_id} in {where.experiment} ({where.uri})")
print(f"test accuracy {scores.accuracy:.3f}, majority class {scores.majority_rate:.3f}")

# COMMAND ----------

# MAGIC %md
# MAGIC Loss and accuracy per epoch on the train batches (random windows) and the val split
# MAGIC (evaluation mode); the dotted line marks the epoch whose weights were kept.

# COMMAND ----------

from cropseries.figures.train import training_curves

training_curves(trained.result.history, trained.result.best_epoch).show()

# COMMAND ----------

# MAGIC %md
# MAGIC How early in the season the crops can be told: test accuracy (black) and each class's recall
# MAGIC by the start day of the 120-day window, the majority-class rate (dashed), and the accuracy the
# MAGIC course published on real data (diamonds). Then the confusion matrix over all start days (rows:
# MAGIC true class, colour: share of that class) and a map of the test pixels the model got right
# MAGIC and wrong at the `map_start_day`.

# COMMAND ----------

from cropseries.train.stage import evaluation_figures

map_start_day = int(dbutils.widgets.get("map_start_day"))
for figure in evaluation_figures(judged.result, map_start_day).values():
    figure.show()

# COMMAND ----------

# MAGIC %md
# MAGIC Cross-validation (`cross_validate` = `true`, a dataset split into folds): every fold's
# MAGIC selection trained and judged as a child run of one parent run; each fold's test accuracy by
# MAGIC start day (grey), their mean (black) and one standard deviation around it (band).

# COMMAND ----------

import os

from cropseries.figures.train import accuracy_spread
from cropseries.train.crossval import cross_validate

if parse_flag(dbutils.widgets.get("cross_validate")):
    validation = cross_validate(splits, os.path.join(out, "folds"), where, config, loader)
    summary = validation.summary()
    print(f"test accuracy {summary['accuracy_mean']:.3f} +- {summary['accuracy_std']:.3f}")
    accuracy_spread(validation.start_days, validation.by_start_day).show()

# COMMAND ----------

# MAGIC %md
# MAGIC The whole run on one page, to download from the volume and open offline or send to a
# MAGIC colleague: the split, the statistics, the loader's view of a few pixels and this training
# MAGIC run (docs/report.md).

# COMMAND ----------

import os

from cropseries.report.build import write_report

report = dbutils.widgets.get("report") or os.path.join(out, "report.html")
if report != "none" and fold is None:  # the report covers a train/val/test split
    size = write_report(splits, repository_path(REPO, report), train=out)
    print(f"wrote the report to {report} ({size / 1e6:.1f} MB)")

# Databricks notebook source
# MAGIC %md
# MAGIC # 03_loader: bucketed, normalized tf.data batches
# MAGIC
# MAGIC Builds the training dataset (random 120-day windows, at most 25 images, 5-day buckets, the
# MAGIC vegetation rule, normalization with `stats.json`, one-hot labels, shuffled batches of 1028)
# MAGIC and the validation dataset (deterministic windows at the course's start days) from a split
# MAGIC dataset, describes one batch, and shows, pixel by pixel, the raw irregular series beside
# MAGIC what the model sees. Everything streams: memory is bounded by the shuffle buffer.
# MAGIC
# MAGIC Parameters:
# MAGIC - `splits`: the split dataset directory (01_split's output), or a course-layout dataset.
# MAGIC - `stats`: `stats.json` of 02_stats; empty means `<splits>/stats.json`, `course` the
# MAGIC   course's published constants.
# MAGIC - `train_split`, `val_split`: the splits to read (default `train`, `val`).
# MAGIC - `anchor`: `first_kept` (course) or `window_start`; `pick`: `earliest` (course code) or
# MAGIC   `random` (slides); `exclude_scl`: comma-separated SCL codes dropped before windowing;
# MAGIC   `subsample`: `true` (course) or `false`; `seed`: empty for fresh draws, or an integer.
# MAGIC - `legend`: empty for the split dataset's own legend (the classes of `y`).
# MAGIC - `pixels`: pixels in the inspection figure; `benchmark`: bench/loader.py's JSON result.

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
dbutils.widgets.text("stats", "")
dbutils.widgets.text("train_split", "train")
dbutils.widgets.text("val_split", "val")
dbutils.widgets.text("fold", "")  # a dataset split into folds: the fold whose train and val to read
dbutils.widgets.text("window", "")  # "": the course's; e.g. ending:07-01, season:early,mid,late
dbutils.widgets.text("days_in_series", "120")
dbutils.widgets.text("days_per_bucket", "5")
dbutils.widgets.dropdown("fill", "zero", ["zero", "median"])  # empty buckets: 0 or median
dbutils.widgets.text("indices", "")  # e.g. ndvi,evi,ndwi,ndmi,ndre,ndvi100, after the bands
dbutils.widgets.text("bands", "")  # "": all 12; e.g. B02,B03,B04,B08 (in this order)
dbutils.widgets.dropdown("anchor", "first_kept", ["first_kept", "window_start"])
dbutils.widgets.dropdown("pick", "earliest", ["earliest", "random"])
dbutils.widgets.text("exclude_scl", "")
dbutils.widgets.dropdown("subsample", "true", ["true", "false"])
dbutils.widgets.text("seed", "0")
dbutils.widgets.text("legend", "")
dbutils.widgets.text("pixels", "12")
dbutils.widgets.text("benchmark", "bench/out/loader.json")

# COMMAND ----------

from cropseries.config import (
    LoaderConfig,
    parse_bands,
    parse_codes,
    parse_flag,
    parse_fold,
    parse_names,
)
from cropseries.loader.inspection import overview
from cropseries.notebook import legend_spec
from cropseries.split_dataset import stats_path

splits = repository_path(REPO, dbutils.widgets.get("splits"))
fold = parse_fold(dbutils.widgets.get("fold"))
stats = dbutils.widgets.get("stats")  # "course": the course's constants, not a path
stats = stats if stats == "course" else repository_path(REPO, stats) or stats_path(splits, fold)
seed = dbutils.widgets.get("seed").strip()
config = LoaderConfig(
    window=dbutils.widgets.get("window").strip() or None,
    days_in_series=int(dbutils.widgets.get("days_in_series")),
    days_per_bucket=int(dbutils.widgets.get("days_per_bucket")),
    bands=parse_bands(dbutils.widgets.get("bands")),
    fill=dbutils.widgets.get("fill"),
    indices=parse_names(dbutils.widgets.get("indices")),
    anchor=dbutils.widgets.get("anchor"),
    pick=dbutils.widgets.get("pick"),
    exclude_scl=parse_codes(dbutils.widgets.get("exclude_scl")),
    subsample=parse_flag(dbutils.widgets.get("subsample")),
    seed=int(seed) if seed else None,
    legend=legend_spec(REPO, dbutils.widgets.get("legend")),
)
loader = overview(
    splits,
    stats,
    config,
    train_split=dbutils.widgets.get("train_split"),
    val_split=dbutils.widgets.get("val_split"),
    pixels=int(dbutils.widgets.get("pixels")),
    fold=fold,
)
# tf.data datasets of (x, y) batches, ready for model.fit(train, validation_data=val)
train, val = loader.train, loader.val
for name, (shape, dtype) in loader.summary["shapes"].items():
    print(f"{name}: {shape} {dtype}")
print("labels in the first batch:", loader.summary["label_counts"])

# COMMAND ----------

# MAGIC %md
# MAGIC Left: a pixel's raw series (markers coloured by SCL), the sampled window shaded, the 5-day
# MAGIC bucket grid dotted and the image kept in each bucket ringed. Right: the bucketed series the
# MAGIC model sees (normalized band). The title gives the label before and after the vegetation
# MAGIC rule. The slider moves between pixels, the dropdown between bands and NDVI.

# COMMAND ----------

from cropseries.figures.loader import inspection_figure

fig = inspection_figure(loader.views)
fig.show()

# COMMAND ----------

# MAGIC %md
# MAGIC Throughput measured by `bench/loader.py` (if it has been run): the physical floor (pyarrow
# MAGIC reading the same columns), the course's pipeline restated, and this loader.

# COMMAND ----------

import json
import os

from cropseries.figures.loader import benchmark_figure

benchmark = repository_path(REPO, dbutils.widgets.get("benchmark"))
if os.path.exists(benchmark):
    with open(benchmark) as f:
        fig = benchmark_figure(json.load(f))
    fig.show()
else:
    print("no benchmark result at", benchmark, "(run bench/loader.py)")

# Databricks notebook source
# MAGIC %md
# MAGIC # 02_stats: normalization statistics and class weights
# MAGIC
# MAGIC Reads the split dataset written by 01_split and computes, with Spark, from the **train split
# MAGIC only**: per-band count, mean and population standard deviation of the valid observations
# MAGIC (DN != 0, optionally without some SCL classes), exactly (partial moments merged with Chan's
# MAGIC formula). It also counts the labels of every split and derives class weights for training.
# MAGIC Everything is written to `stats.json`, which 03_loader reads.
# MAGIC
# MAGIC Parameters:
# MAGIC - `splits`: the split dataset directory (holds `split=train/`, `split=val/`, `split=test/`).
# MAGIC - `out`: where to write `stats.json`; empty means `<splits>/stats.json`.
# MAGIC - `exclude_scl`: comma-separated SCL codes whose images do not count (empty = none, as the course).
# MAGIC - `per_label`: `true` to also write band statistics per label.
# MAGIC - `indices`, `medians`: `true` to also write the spectral indices' statistics and the
# MAGIC   bands' exact medians, which the loader's `indices` and `fill=median` need.
# MAGIC - `legend`: empty for the legend the split dataset was labelled with (a different one is an
# MAGIC   error).

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
dbutils.widgets.text("out", "")
dbutils.widgets.text("exclude_scl", "")
dbutils.widgets.text("per_label", "false")
dbutils.widgets.dropdown("indices", "false", ["false", "true"])  # index channels' statistics
dbutils.widgets.dropdown("medians", "false", ["false", "true"])  # for the loader's fill=median
dbutils.widgets.text("legend", "")
dbutils.widgets.text(
    "fold", ""
)  # a dataset split into folds: its number, or all (stats-fold<f>.json)

# COMMAND ----------

from cropseries.config import StatsConfig, parse_codes, parse_flag, parse_fold
from cropseries.notebook import legend_spec
from cropseries.split_dataset import selected_folds
from cropseries.stats import compute_stats

config = StatsConfig(
    exclude_scl=parse_codes(dbutils.widgets.get("exclude_scl")),
    per_label=parse_flag(dbutils.widgets.get("per_label")),
    indices=parse_flag(dbutils.widgets.get("indices")),
    medians=parse_flag(dbutils.widgets.get("medians")),
    legend=legend_spec(REPO, dbutils.widgets.get("legend")),
)
splits = repository_path(REPO, dbutils.widgets.get("splits"))
for fold in selected_folds(splits, parse_fold(dbutils.widgets.get("fold"))):
    out = repository_path(REPO, dbutils.widgets.get("out")) or None
    stats = compute_stats(spark, splits, config, out=out, fold=fold)

# COMMAND ----------

# MAGIC %md
# MAGIC Raw DN of a random sample of train rows per band; the solid line is the mean and the dashed
# MAGIC lines mean ± std of the whole train split, as the loader will normalize with them.

# COMMAND ----------

from cropseries.figures.stats import band_distributions, class_distribution, sample_band_values

sample = sample_band_values(spark, stats.metadata["train"], stats, config)
fig = band_distributions(sample, stats)
fig.show()

# COMMAND ----------

# MAGIC %md
# MAGIC Classes per split, as labelled by 01_split from the CDL class (the loader's vegetation rule,
# MAGIC which makes "No Crop Growing", acts later, per window).

# COMMAND ----------

fig = class_distribution(stats)
fig.show()

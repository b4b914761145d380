# Databricks notebook source
# MAGIC %md
# MAGIC # 01_split: train / val / test without leakage
# MAGIC
# MAGIC Reads a course-layout dataset (`bbox=.../year=.../part-*.parquet`), maps every CDL name
# MAGIC to its code and to the 7-class legend, flags double crops, assigns every row to train,
# MAGIC val or test (or excludes it with a reason) and writes the split dataset with
# MAGIC `split_report.json`: row counts per split, year and class, exclusions, and leakage
# MAGIC (locations shared between splits, distances from val/test pixels to train pixels).
# MAGIC
# MAGIC Parameters: `input_path`, `output_path` (replaced), `strategy` (`year` as the course,
# MAGIC `block`, or `year+block`), `train_years` / `val_years` / `test_years` (e.g. `2021` or
# MAGIC `2019 2020`), `block_size_m` (EPSG:5070 metres), `seed` (block hash), `legend` (`course`,
# MAGIC `slides` or a legend file of your own classes, e.g. `docs/examples/nine-classes.yaml`).

# COMMAND ----------

# cropseries comes from this notebook's environment: the job's (the bundle's wheel),
# the Environment side pane, or a local virtualenv (docs/databricks.md). Relative
# paths are read from the repository root, found from this notebook's own path.
from cropseries.notebook import repository_path, repository_root

REPO = repository_root(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)

# COMMAND ----------

dbutils.widgets.text("input_path", "data/demo/course")
dbutils.widgets.text("output_path", "data/demo/splits")
dbutils.widgets.dropdown("strategy", "year", ["year", "block", "year+block"])
dbutils.widgets.text("train_years", "2021")
dbutils.widgets.text("val_years", "2020")
dbutils.widgets.text("test_years", "2019")
dbutils.widgets.text("block_size_m", "3000")
dbutils.widgets.text("seed", "0")
dbutils.widgets.text("legend", "course")
dbutils.widgets.text(
    "folds", ""
)  # "": train/val/test; block:5, year or box: cross-validation folds

# COMMAND ----------

from cropseries.config import SplitConfig, parse_years
from cropseries.notebook import legend_spec
from cropseries.split import run_split

config = SplitConfig(
    strategy=dbutils.widgets.get("strategy"),
    train_years=parse_years(dbutils.widgets.get("train_years")),
    val_years=parse_years(dbutils.widgets.get("val_years")),
    test_years=parse_years(dbutils.widgets.get("test_years")),
    block_size_m=float(dbutils.widgets.get("block_size_m")),
    seed=int(dbutils.widgets.get("seed")),
    legend=legend_spec(REPO, dbutils.widgets.get("legend")),
    folds=dbutils.widgets.get("folds").strip() or None,
)
report = run_split(
    spark,
    repository_path(REPO, dbutils.widgets.get("input_path")),
    repository_path(REPO, dbutils.widgets.get("output_path")),
    config,
)
print(report.summary())

# COMMAND ----------

from cropseries.figures.split import split_figures

for fig in split_figures(spark, report):
    fig.show()

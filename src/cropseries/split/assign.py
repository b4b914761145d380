"""The derived columns of the split dataset, and each row's split or exclusion reason.

`assign_rows` turns course-layout rows (as Spark reads them) into split-dataset rows: CDL
code, label, double-crop flag, pixel and block ids, then `reason` (null for a usable row)
and `split` ("train", "val", "test", a fold's "fold<f>", or "excluded"). It is column
arithmetic (folds add a small aggregation, see `folds`): no writing or counting, which is
`stage`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cropseries.config import SplitConfig
from cropseries.geo import albers_xy, cell_id, pixel_id
from cropseries.layout import RAW_COLUMNS
from cropseries.legend import load_legend
from cropseries.split import labels
from cropseries.split.checks import has_location, row_problem
from cropseries.split.folds import assign_folds
from cropseries.split.strategies import strategy
from cropseries.split_dataset import EXCLUDED, SPLITS


@dataclass(frozen=True)
class Assigned:
    """The rows to write (with `split`), the split names they use in order, and what each
    fold holds out (None without folds)."""

    rows: Any
    splits: tuple[str, ...]
    held_out: tuple[str, ...] | None = None


def assign_rows(rows, config: SplitConfig, check_dates: bool = True) -> Assigned:
    """Add the derived columns (`split_dataset.DERIVED_COLUMNS`) and `split` to a DataFrame of
    the course columns plus bbox, year. `check_dates=False` skips the date check (see
    `checks.row_problem`) where `checks.scan_dates` found no bad dates in `rows`.

    Location columns are computed only from in-range lon/lat (null otherwise), so no
    arithmetic can overflow on a corrupt row under ANSI SQL.
    """
    from pyspark.sql import functions as F

    legend = load_legend(config.legend)
    located = has_location()
    lon, lat = F.when(located, F.col("lon")), F.when(located, F.col("lat"))
    x, y = albers_xy(lon, lat)
    code = labels.cdl_code(F.col("CDL"), legend)
    derived = rows.select(
        *RAW_COLUMNS,
        code.alias("cdl_code"),
        labels.label(code, legend).alias("label"),
        labels.is_double_crop(code, legend).alias("is_double_crop"),
        pixel_id(lon, lat).alias("pixel_id"),
        cell_id(x, y, config.block_size_m).alias("block_id"),
    )
    problem = row_problem(config.codec, check_dates)
    splits, held_out = SPLITS, None
    if config.fold_spec is None:
        assignment = strategy(config)
    else:
        folds = assign_folds(derived, config.fold_spec, config, problem)
        derived, assignment = folds.rows, folds.assignment
        splits, held_out = folds.names, folds.held_out
    double_crop_here = F.col("is_double_crop") & ~assignment.split.isin(*config.kept_double_crops)
    reason = F.coalesce(
        problem,
        F.when(assignment.split.isNull(), assignment.reason),
        F.when(double_crop_here, F.lit("double_crop")),
    )
    split = F.when(F.col("reason").isNull(), assignment.split).otherwise(F.lit(EXCLUDED))
    written = derived.withColumn("reason", reason).withColumn("split", split)
    if held_out is not None:
        written = written.drop("fold")
    return Assigned(written, splits, held_out)

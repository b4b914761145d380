"""Cross-validation folds: the fold of every row, as a Spark column, instead of train/val/test.

Three kinds (`config.FoldSpec`), each deterministic for a seed and putting every usable row
in exactly one fold, so that over the K selections of `split_dataset.fold_parts` every row
is held out (tested) exactly once:

- "block:K": the spatial blocks of the block strategy, dealt to K folds class by class. Each
  block's class is its most frequent label; blocks are sorted by (class, seeded hash) and
  dealt round-robin, so every class that leads at least K blocks is in every fold and the
  folds' block counts differ by at most one. No block, hence no location, is in two folds.
- "year": leave one year out, a fold per year present (the same locations recur in every
  fold, as in the course's year split).
- "box": leave one bounding box out, a fold per box present (no location in two folds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cropseries.config import FoldSpec, SplitConfig
from cropseries.split.checks import SplitError
from cropseries.split.strategies import Assignment, block_unit
from cropseries.split_dataset import FOLD_PREFIX, fold_names

#: Why a usable row has no fold; it cannot happen (every usable row's block, year or box
#: has one) but would be counted, not dropped.
NO_FOLD = "no_fold"


@dataclass(frozen=True)
class Folds:
    """Split-dataset rows with an int `fold` column, and what each fold holds out (its year
    or box; "blocks" for block folds)."""

    rows: Any
    held_out: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return fold_names(len(self.held_out))

    @property
    def assignment(self) -> Assignment:
        from pyspark.sql import functions as F

        fold = F.col("fold")
        return Assignment(
            split=F.when(fold.isNotNull(), F.concat(F.lit(FOLD_PREFIX), fold.cast("string"))),
            reason=F.lit(NO_FOLD),
        )


def assign_folds(rows, spec: FoldSpec, config: SplitConfig, problem) -> Folds:
    """`rows` (with the derived columns of `assign`) plus their fold under `spec`; `problem`
    is the rows' `checks.row_problem` (block folds deal only the usable rows' blocks).

    Raises SplitError when the data has fewer than 3 folds' worth of years, boxes or blocks.
    """
    if spec.kind == "block":
        return _block_folds(rows, spec.count, config, problem)
    column = {"year": "year", "box": "bbox"}[spec.kind]
    values = sorted(r[0] for r in rows.select(column).distinct().collect() if r[0] is not None)
    if len(values) < 3:
        raise SplitError(
            f"folds {spec}: leave-one-{spec.kind}-out needs at least 3 {spec.kind}s, the input "
            f"has {len(values)} ({', '.join(map(str, values)) or 'none'})"
        )
    return Folds(rows.withColumn("fold", _position(column, values)), tuple(map(str, values)))


def _position(column: str, values: list):
    """Int Column: the index of the row's `column` value in `values` (null if absent)."""
    from pyspark.sql import functions as F

    result = F.lit(None).cast("int")
    for index, value in reversed(list(enumerate(values))):
        result = F.when(F.col(column) == F.lit(value), F.lit(index)).otherwise(result)
    return result


def _block_folds(rows, count: int, config: SplitConfig, problem) -> Folds:
    """Stratified block folds (module docstring): a small table block_id -> fold, joined back."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    usable = rows.where(problem.isNull())
    per_block = usable.groupBy("block_id", "label").count()
    by_size = Window.partitionBy("block_id").orderBy(F.desc("count"), "label")
    leading = (
        per_block.withColumn("place", F.row_number().over(by_size))
        .where(F.col("place") == 1)
        .select("block_id", "label")
    )
    by_hash = Window.partitionBy("label").orderBy(
        block_unit(F.col("block_id"), config.seed), "block_id"
    )
    ranked = leading.withColumn("rank", F.row_number().over(by_hash) - 1)
    blocks = {r["label"]: r["count"] for r in leading.groupBy("label").count().collect()}
    if sum(blocks.values()) < count:
        raise SplitError(
            f"folds block:{count}: the input has {sum(blocks.values())} blocks of "
            f"{config.block_size_m:g} m; use fewer folds or smaller blocks (--block-size-m)"
        )
    earlier, offsets = 0, {}
    for label in sorted(blocks):
        offsets[label] = earlier
        earlier += blocks[label]
    offset = F.lit(0)
    for label, start in offsets.items():
        offset = F.when(F.col("label") == label, F.lit(start)).otherwise(offset)
    folds = ranked.select("block_id", ((F.col("rank") + offset) % count).cast("int").alias("fold"))
    joined = rows.join(F.broadcast(folds), "block_id", "left")
    return Folds(joined.select(*rows.columns, "fold"), ("blocks",) * count)

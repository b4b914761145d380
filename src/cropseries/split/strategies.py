"""Split strategies: small named rules that put a row in train, val or test, or in none.

Each strategy reads the row's `year` and `block_id` columns and returns an `Assignment`:
the split (null when the row fits none) and the reason it fits none. The invariant each one
guarantees is stated in its docstring and checked by the tests; what counts as a valid row
and the double-crop rule are the stage's business, not the strategies'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cropseries.config import SplitConfig
from cropseries.split_dataset import SPLITS

#: 2**53: block hashes are mapped to [0, 1) on a grid this fine (doubles are exact on it).
_UNIT = 1 << 53


@dataclass(frozen=True)
class Assignment:
    """Spark Columns: `split` is "train", "val", "test" or null; `reason` says why it is null."""

    split: Any
    reason: Any


def split_of_year(config: SplitConfig):
    """String Column: the split whose years hold the row's `year`, null if none does."""
    from pyspark.sql import functions as F

    result = F.lit(None).cast("string")
    for name in reversed(SPLITS):
        years = list(config.years[name])
        if years:
            result = F.when(F.col("year").isin(years), F.lit(name)).otherwise(result)
    return result


def block_unit(block_id, seed: int):
    """Double Column in [0, 1): a seeded hash of a block id, uniform over blocks."""
    from pyspark.sql import functions as F

    digest = F.xxhash64(block_id, F.lit(int(seed)).cast("long"))
    return digest.bitwiseAND(_UNIT - 1).cast("double") / float(_UNIT)


def split_of_block(config: SplitConfig):
    """String Column: the split of the row's `block_id`, by seeded hash and target fractions.

    A block goes to train when its hash is below fractions[0], to val below
    fractions[0] + fractions[1], else to test; so each split gets its share of blocks in
    expectation, and every row of a block gets the same split.
    """
    from pyspark.sql import functions as F

    unit = block_unit(F.col("block_id"), config.seed)
    train, val, _ = config.fractions
    return (
        F.when(unit < train, F.lit("train"))
        .when(unit < train + val, F.lit("val"))
        .otherwise(F.lit("test"))
    )


def by_year(config: SplitConfig) -> Assignment:
    """The course's split: a row goes to the split listing its year.

    Invariant: no year is in two splits. Rows of a year listed nowhere are excluded
    ("year_not_in_split"). The same location recurs in every split (see the leakage report).
    """
    from pyspark.sql import functions as F

    return Assignment(split=split_of_year(config), reason=F.lit("year_not_in_split"))


def by_block(config: SplitConfig) -> Assignment:
    """Spatial blocks: a row goes to the split its block hashes to; years are ignored.

    Invariant: no block is in two splits, so no pixel location is either (every year of a
    location lands in the same split). Years are shared between splits.
    """
    from pyspark.sql import functions as F

    return Assignment(split=split_of_block(config), reason=F.lit(None).cast("string"))


def by_year_and_block(config: SplitConfig) -> Assignment:
    """Year and block: a row goes to split s only if its year is s's AND its block hashes to s.

    Invariant: no year and no block is in two splits, so no test row shares a year or a
    block with any train row. Rows whose year and block disagree are excluded
    ("year_block_mismatch"), as are rows of a year listed nowhere ("year_not_in_split").
    """
    from pyspark.sql import functions as F

    by_years, by_blocks = split_of_year(config), split_of_block(config)
    return Assignment(
        split=F.when(by_years == by_blocks, by_years),
        reason=F.when(by_years.isNull(), F.lit("year_not_in_split")).otherwise(
            F.lit("year_block_mismatch")
        ),
    )


STRATEGIES = {"year": by_year, "block": by_block, "year+block": by_year_and_block}


def strategy(config: SplitConfig) -> Assignment:
    """The assignment of `config.strategy`."""
    return STRATEGIES[config.strategy](config)

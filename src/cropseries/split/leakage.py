"""How close held-out pixels are to training pixels, computed in Spark without collecting pixels.

Input is one row per pixel location and split (`split`, `pixel_id`, EPSG:5070 `x`, `y`
metres). For val and test pixels (or each fold's, against the folds it trains with) we find
the nearest train pixel within 100 m and 1 km: distance 0 for pixels on a train location (one
join on x, y), and for the others by a join on 250 m grid cells (the nearest train pixel
within 1 km lies in the pixel's cell or one of the 4 around it in each direction), and, when
none lies within 1 km, the exact minimum distance by a coarse-to-fine search over occupied
cells.
Distances are planar in EPSG:5070.
"""

from __future__ import annotations

import math

from cropseries.geo import albers_xy, cell_index
from cropseries.split_dataset import SPLITS, fold_parts

#: Splits measured against train.
HELD_OUT: tuple[str, ...] = ("val", "test")
#: Radii of the "within" fractions, metres; the last is also the finest cell of the far search.
RADII_M: tuple[float, float] = (100.0, 1000.0)
#: The far search looks this many cells around each cell, and each level's cells are this
#: many times wider than the level below.
_REACH = 3
_FANOUT = 4
_MAX_LEVEL = 16


def _offsets(reach: int):
    """Array Column of the (dx, dy) cell offsets with |dx|, |dy| <= reach."""
    from pyspark.sql import functions as F

    steps = range(-reach, reach + 1)
    return F.array(
        *[F.struct(F.lit(dx).alias("dx"), F.lit(dy).alias("dy")) for dx in steps for dy in steps]
    )


def _distance(ax, ay, bx, by):
    from pyspark.sql import functions as F

    return F.sqrt((ax - bx) * (ax - bx) + (ay - by) * (ay - by))


def nearest_train(held, train, radius_m: float, cells_per_radius: int = 1):
    """Held pixels that have a train pixel within `radius_m`, with the distance to the nearest.

    `held` and `train` have columns split, pixel_id, x, y; returns (split, pixel_id, distance_m).
    Cells are `radius_m / cells_per_radius` wide and each held pixel looks `cells_per_radius`
    cells around its own: more, smaller cells compare fewer pairs where pixels are dense.
    """
    from pyspark.sql import functions as F

    size = radius_m / cells_per_radius
    cells = held.select(
        "split",
        "pixel_id",
        F.col("x").alias("hx"),
        F.col("y").alias("hy"),
        F.explode(_offsets(cells_per_radius)).alias("o"),
        cell_index(F.col("x"), size).alias("cx0"),
        cell_index(F.col("y"), size).alias("cy0"),
    ).select(
        "split",
        "pixel_id",
        "hx",
        "hy",
        (F.col("cx0") + F.col("o.dx")).alias("cx"),
        (F.col("cy0") + F.col("o.dy")).alias("cy"),
    )
    targets = train.select(
        F.col("x").alias("tx"),
        F.col("y").alias("ty"),
        cell_index(F.col("x"), size).alias("cx"),
        cell_index(F.col("y"), size).alias("cy"),
    )
    distance = _distance(F.col("hx"), F.col("hy"), F.col("tx"), F.col("ty"))
    return (
        cells.join(targets, ["cx", "cy"])
        .groupBy("split", "pixel_id")
        .agg(F.min(distance).alias("distance_m"))
        .where(F.col("distance_m") <= radius_m)
    )


def _on_train_locations(held, train):
    """Split `held` into the pixels lying exactly on a train pixel (split, pixel_id,
    distance_m 0) and the others (as `held`). Under a year split nearly every held pixel
    repeats a train location, and one join on (x, y) then settles them, where the cell join
    would compare each with the train pixels of 81 cells."""
    from pyspark.sql import functions as F

    places = train.select("x", "y").distinct().withColumn("on_train", F.lit(True))
    marked = held.join(places, ["x", "y"], "left")
    on_train = marked.where(F.col("on_train")).select(
        "split", "pixel_id", F.lit(0.0).alias("distance_m")
    )
    elsewhere = marked.where(F.col("on_train").isNull()).select(*held.columns)
    return on_train, elsewhere


def training_splits(splits: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each held-out split and the splits it is measured against: val and test against
    train, or each fold against the folds that train when it is the test fold."""
    if tuple(splits) == SPLITS:
        return {held: ("train",) for held in HELD_OUT}
    return {fold: fold_parts(len(splits), f)["train"] for f, fold in enumerate(splits)}


def distance_to_train(spark, points, against: dict | None = None) -> dict[str, dict]:
    """Per held-out split: pixels, how many lie within 100 m / 1 km of a train pixel (and the
    fractions), and the minimum distance to a train pixel in metres (None without train).

    `against` maps each held-out split to its training splits (`training_splits`; by
    default val and test against train).
    """
    against = against or training_splits(SPLITS)
    sharing: dict[tuple[str, ...], list[str]] = {}  # one pass per training set
    for held, trains in against.items():
        sharing.setdefault(tuple(trains), []).append(held)
    report: dict[str, dict] = {}
    for trains, helds in sharing.items():
        report |= _distances(spark, points, tuple(helds), trains)
    return {held: report[held] for held in against}


def _distances(spark, points, held_splits: tuple[str, ...], train_splits: tuple[str, ...]):
    """`distance_to_train`'s figures of `held_splits`, all measured against `train_splits`."""
    from pyspark.sql import functions as F

    train = points.where(F.col("split").isin(*train_splits))
    held = points.where(F.col("split").isin(*held_splits))
    near, far = RADII_M
    on_train, elsewhere = _on_train_locations(held, train)
    # One search to 1 km. A first pass at 100 m (9 cells a pixel against 81) pays only where
    # most pixels off train locations lie that close to one, and costs a join and a job.
    within = on_train.unionByName(nearest_train(elsewhere, train, far, cells_per_radius=4))

    def summary(frame, kind, distance):
        return frame.groupBy("split").agg(
            F.lit(kind).alias("kind"),
            F.count(F.lit(1)).alias("pixels"),
            F.count_if(distance <= near).alias("near"),
            F.min(distance).cast("double").alias("min_m"),
        )

    no_distance = F.lit(None).cast("double")
    rows = (
        summary(held, "all", no_distance)
        .unionByName(summary(train.withColumn("split", F.lit("train")), "all", no_distance))
        .unionByName(summary(within, "within", F.col("distance_m")))
        .collect()
    )
    counted = {(r["split"], r["kind"]): r for r in rows}
    report = {}
    for split in held_splits:
        total = counted[(split, "all")]["pixels"] if (split, "all") in counted else 0
        found = counted.get((split, "within"))
        n_100m, n_1km = (found["near"], found["pixels"]) if found else (0, 0)
        minimum = found["min_m"] if found else None
        if minimum is None and total and ("train", "all") in counted:
            minimum = far_min_distance(spark, points, split, train_splits)
        report[split] = {
            "pixels": total,
            "within_100m": n_100m,
            "within_1km": n_1km,
            "fraction_within_100m": n_100m / total if total else None,
            "fraction_within_1km": n_1km / total if total else None,
            "min_distance_to_train_m": minimum,
        }
    return report


def _cells(points, splits: tuple[str, ...], size_m: float):
    """Distinct occupied cells (cx, cy) of edge `size_m` of the pixels of `splits`."""
    from pyspark.sql import functions as F

    return (
        points.where(F.col("split").isin(*splits))
        .select(
            cell_index(F.col("x"), size_m).alias("cx"), cell_index(F.col("y"), size_m).alias("cy")
        )
        .distinct()
    )


def _with_bounds(pairs, size_m: float):
    """Add lb / ub: the least and greatest distance between points of cells (hx, hy), (tx, ty)."""
    from pyspark.sql import functions as F

    dx = F.abs(F.col("hx") - F.col("tx"))
    dy = F.abs(F.col("hy") - F.col("ty"))
    gap_x, gap_y = F.greatest(dx - 1, F.lit(0)), F.greatest(dy - 1, F.lit(0))
    return pairs.select(
        "hx",
        "hy",
        "tx",
        "ty",
        (F.sqrt(gap_x * gap_x + gap_y * gap_y) * size_m).alias("lb"),
        (F.sqrt((dx + 1) * (dx + 1) + (dy + 1) * (dy + 1)) * size_m).alias("ub"),
    )


def far_min_distance(
    spark, points, split: str, train_splits: tuple[str, ...] = ("train",)
) -> float:
    """Exact minimum distance (metres) between `split`'s pixels and the pixels of
    `train_splits`, for sets more than 1 km apart, without a pixel cross join.

    Grows square cells (1 km x 4**level) until some held cell has a train cell within
    `_REACH` cells whose farthest points are closer than any cell beyond reach; then walks
    back down the levels keeping only cell pairs whose nearest points are closer than the
    best farthest-point bound so far; finally measures the pixels of the 1 km cell pairs left.
    """
    from pyspark.sql import functions as F

    base = RADII_M[-1]
    for level in range(1, _MAX_LEVEL + 1):
        size = base * _FANOUT**level
        held = _cells(points, (split,), size).select(
            F.col("cx").alias("hx0"),
            F.col("cy").alias("hy0"),
            F.explode(_offsets(_REACH)).alias("o"),
        )
        near = held.select(
            (F.col("hx0") + F.col("o.dx")).alias("tx"),
            (F.col("hy0") + F.col("o.dy")).alias("ty"),
            F.col("hx0").alias("hx"),
            F.col("hy0").alias("hy"),
        )
        train = _cells(points, train_splits, size).select(
            F.col("cx").alias("tx"), F.col("cy").alias("ty")
        )
        pairs = _with_bounds(near.join(train, ["tx", "ty"]), size)
        bound = pairs.agg(F.min("ub").alias("best"))
        kept = pairs.crossJoin(bound).where(F.col("lb") <= F.col("best")).collect()
        best = min((r["ub"] for r in kept), default=None)
        if best is not None and best <= _REACH * size:
            break
    else:
        raise RuntimeError(f"no train cell found near {split} pixels")
    candidates = [(r["hx"], r["hy"], r["tx"], r["ty"]) for r in kept]

    for lower in reversed(range(level)):
        size = base * _FANOUT**lower
        parents = spark.createDataFrame(candidates, "phx long, phy long, ptx long, pty long")
        shift = int(math.log2(_FANOUT))
        held = _cells(points, (split,), size).select(
            F.col("cx").alias("hx"),
            F.col("cy").alias("hy"),
            F.shiftright("cx", shift).alias("phx"),
            F.shiftright("cy", shift).alias("phy"),
        )
        train = _cells(points, train_splits, size).select(
            F.col("cx").alias("tx"),
            F.col("cy").alias("ty"),
            F.shiftright("cx", shift).alias("ptx"),
            F.shiftright("cy", shift).alias("pty"),
        )
        children = parents.join(held, ["phx", "phy"]).join(train, ["ptx", "pty"])
        rows = _with_bounds(children, size).where(F.col("lb") <= best).collect()
        best = min([best, *(r["ub"] for r in rows)])
        candidates = [(r["hx"], r["hy"], r["tx"], r["ty"]) for r in rows if r["lb"] <= best]

    pairs = spark.createDataFrame(candidates, "hx long, hy long, tx long, ty long")
    held = points.where(F.col("split") == split).select(
        F.col("x").alias("px"),
        F.col("y").alias("py"),
        cell_index(F.col("x"), base).alias("hx"),
        cell_index(F.col("y"), base).alias("hy"),
    )
    train = points.where(F.col("split").isin(*train_splits)).select(
        F.col("x").alias("qx"),
        F.col("y").alias("qy"),
        cell_index(F.col("x"), base).alias("tx"),
        cell_index(F.col("y"), base).alias("ty"),
    )
    joined = pairs.join(held, ["hx", "hy"]).join(train, ["tx", "ty"])
    distance = _distance(F.col("px"), F.col("py"), F.col("qx"), F.col("qy"))
    return joined.agg(F.min(distance)).first()[0]


def pixel_points(rows):
    """One row per split and pixel location of split-dataset rows: split, pixel_id, x, y
    (EPSG:5070 metres)."""
    from pyspark.sql import functions as F

    located = rows.groupBy("split", "pixel_id").agg(
        F.min("lon").alias("lon"), F.min("lat").alias("lat")
    )
    x, y = albers_xy(F.col("lon"), F.col("lat"))
    return located.select("split", "pixel_id", x.alias("x"), y.alias("y"))


def shared_locations(points, splits: tuple[str, ...] = SPLITS) -> dict[str, int]:
    """Pixel locations present in more than one of `splits`, counted by the set of splits
    they are in, e.g. {"train+test": 120}; {} when no location is shared.

    Each location's set is a few bitmasks (bit k of word j: `splits[63 * j + k]`), so the
    aggregation ORs longs rather than collecting sets of strings (0.6-0.9 s against 1.1-1.6 s
    at 1M pixel-years).
    """
    from pyspark.sql import functions as F

    words = [splits[start : start + 63] for start in range(0, len(splits), 63)]
    names = [f"word{j}" for j in range(len(words))]

    def word(members: tuple[str, ...]):
        bit = F.create_map(*[c for k, s in enumerate(members) for c in (F.lit(s), F.lit(1 << k))])
        return F.coalesce(F.bit_or(bit[F.col("split")]), F.lit(0))

    in_splits = points.groupBy("pixel_id").agg(
        *[word(members).alias(name) for members, name in zip(words, names, strict=True)]
    )
    found = sum((F.bit_count(name) for name in names), F.lit(0))
    rows = in_splits.where(found > 1).groupBy(*names).count().collect()
    shared = {}
    for r in rows:
        mask = sum(r[name] << 63 * j for j, name in enumerate(names))  # bit k: splits[k]
        shared["+".join(s for k, s in enumerate(splits) if mask >> k & 1)] = r["count"]
    return shared

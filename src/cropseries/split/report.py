"""The split report: what 01_split wrote, counted from the written files, and how it leaks.

`measure` computes a `SplitReport` from a split dataset on disk (a handful of small Spark
aggregations over a few columns); `SplitReport` turns it into `split_report.json` and a
readable summary. Deciding what to write is `stage`'s business.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from cropseries.legend import load_legend
from cropseries.split.leakage import distance_to_train, shared_locations, training_splits
from cropseries.split_dataset import SPLITS


@dataclass
class SplitReport:
    """Counts of a split dataset and its leakage checks. Years are string keys (JSON)."""

    input_path: str
    output_path: str
    config: dict
    input_rows: int
    rows: dict[str, int]
    """Rows per split."""
    excluded: dict[str, int]
    """Excluded rows per reason (see `checks.REASONS`)."""
    rows_by_year: dict[str, dict[str, int]]
    """Rows per split and year."""
    pixels: dict[str, int]
    """Distinct pixel locations per split (all years)."""
    pixels_by_year: dict[str, dict[str, int]]
    blocks: dict[str, int]
    """Distinct spatial blocks per split."""
    classes: dict[str, dict[str, int]]
    """Rows per split and class (legend names, before the vegetation rule)."""
    classes_by_year: dict[str, dict[str, dict[str, int]]]
    shared_locations: dict[str, int]
    """Pixel locations found in more than one split, by the set of splits ("train+test")."""
    distance_to_train: dict[str, dict]
    """Per held-out split (each fold, with folds): pixels, within_100m, within_1km, their
    fractions, and min_distance_to_train_m (EPSG:5070 metres; None when train is empty)."""
    seconds: float = 0.0
    held_out: list[str] | None = None
    """With folds: what each fold holds out, fold by fold (its year or box, or "blocks")."""

    @property
    def splits(self) -> tuple[str, ...]:
        """The split names in order: train, val, test, or fold0 .. fold<K-1>."""
        return tuple(self.rows)

    @property
    def split_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def excluded_rows(self) -> int:
        return sum(self.excluded.values())

    @property
    def accounted(self) -> bool:
        """Every input row is in exactly one split or excluded."""
        return self.input_rows == self.split_rows + self.excluded_rows

    def to_json(self) -> str:
        return json.dumps(
            asdict(self) | {"split_rows": self.split_rows, "excluded_rows": self.excluded_rows},
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> SplitReport:
        data = json.loads(text)
        data.pop("split_rows", None)
        data.pop("excluded_rows", None)
        return cls(**data)

    def summary(self) -> str:
        """A readable summary: rows, exclusions, classes and leakage per split."""
        lines = [
            f"01_split {self._how()}: {self.input_path} -> {self.output_path}",
            f"  input rows {self.input_rows:,} = split rows {self.split_rows:,} "
            f"+ excluded {self.excluded_rows:,}  ({self.seconds:.1f} s)",
        ]
        for split in self.splits:
            years = ", ".join(f"{y}: {n:,}" for y, n in sorted(self.rows_by_year[split].items()))
            lines.append(
                f"  {split:<5} rows {self.rows[split]:>10,}  pixels {self.pixels[split]:>9,}  "
                f"blocks {self.blocks[split]:>6,}  years {years or '-'}"
            )
        for split in self.splits:
            mix = ", ".join(f"{c} {n:,}" for c, n in self.classes[split].items())
            lines.append(f"  classes {split}: {mix or '-'}")
        if self.held_out is not None:
            missing = self.classes_missing()
            lines.append(
                "  classes missing from a fold: "
                + (", ".join(f"{f}: {', '.join(c)}" for f, c in missing.items()) or "none")
            )
        if self.excluded:
            reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(self.excluded.items()))
            lines.append(f"  excluded: {reasons}")
        shared = ", ".join(f"{k} {n:,}" for k, n in sorted(self.shared_locations.items()))
        lines.append(f"  locations in more than one split: {shared or 'none'}")
        for split, d in self.distance_to_train.items():
            if not d["pixels"]:
                continue
            minimum = d["min_distance_to_train_m"]
            lines.append(
                f"  {split} vs {'its ' if self.held_out is not None else ''}train: min distance "
                + ("- (no train)" if minimum is None else f"{minimum:,.1f} m")
                + f", within 100 m {d['fraction_within_100m']:.1%}"
                f", within 1 km {d['fraction_within_1km']:.1%}"
            )
        return "\n".join(lines)

    def _how(self) -> str:
        folds = self.config.get("folds")
        if folds is None:
            return str(self.config.get("strategy"))
        held = self.held_out or []
        return f"folds {folds}" + ("" if set(held) == {"blocks"} else f" ({' | '.join(held)})")

    def classes_missing(self) -> dict[str, list[str]]:
        """Per split, the classes other splits hold and it does not ({} when none is)."""
        present = {c for split in self.splits for c, n in self.classes[split].items() if n}
        missing = {
            split: sorted(present - {c for c, n in self.classes[split].items() if n})
            for split in self.splits
        }
        return {split: classes for split, classes in missing.items() if classes}


def _nested(rows, *keys: str, value: str = "count") -> dict:
    """Nested dicts keyed by the string values of `keys` from Spark rows."""
    out: dict = {}
    for r in rows:
        node = out
        for k in keys[:-1]:
            node = node.setdefault(str(r[k]), {})
        node[str(r[keys[-1]])] = r[value]
    return out


def measure(
    spark,
    split_rows,
    excluded,
    points,
    *,
    input_path,
    output_path,
    config,
    input_rows,
    splits: tuple[str, ...] = SPLITS,
    held_out: tuple[str, ...] | None = None,
):
    """The report of a split dataset: `split_rows` (with `split`), `excluded` and `points`
    (one row per split and location, see `leakage.pixel_points`) are Spark DataFrames;
    `splits` are its split names (the folds' with folds, which hold out `held_out`)."""
    classes = load_legend(config.legend).classes
    by_label = split_rows.groupBy("split", "year", "label").count().collect()
    # Distinct counts as distinct rows, then counted: a rollup of two countDistinct expands
    # every row six times (2.2 s against these three jobs' 1.8 s at 1M pixel-years). A
    # pixel_id has one location, so a split's pixels are its rows of `points`.
    per_year = split_rows.select("split", "year", "pixel_id").distinct()
    pixels_by_year = per_year.groupBy("split", "year").count().collect()
    blocks = split_rows.select("split", "block_id").distinct().groupBy("split").count().collect()
    pixels = points.groupBy("split").count().collect()
    reasons = excluded.groupBy("reason").count().collect()

    empty = {s: 0 for s in splits}
    rows, classes_total = dict(empty), {s: {} for s in splits}
    rows_by_year: dict[str, dict[str, int]] = {s: {} for s in splits}
    classes_by_year: dict[str, dict] = {s: {} for s in splits}
    for r in sorted(by_label, key=lambda r: (r["split"], r["year"], r["label"])):
        name, year = classes[r["label"]], str(r["year"])
        rows[r["split"]] += r["count"]
        by_year = rows_by_year[r["split"]]
        by_year[year] = by_year.get(year, 0) + r["count"]
        total = classes_total[r["split"]]
        total[name] = total.get(name, 0) + r["count"]
        classes_by_year[r["split"]].setdefault(year, {})[name] = r["count"]
    return SplitReport(
        input_path=str(input_path),
        output_path=str(output_path),
        config=asdict(config) | {"double_crops_in": list(config.kept_double_crops)},
        input_rows=input_rows,
        rows=rows,
        excluded={r["reason"]: r["count"] for r in sorted(reasons, key=lambda r: r["reason"])},
        rows_by_year=rows_by_year,
        pixels=empty | {r["split"]: r["count"] for r in pixels},
        pixels_by_year={s: {} for s in splits} | _nested(pixels_by_year, "split", "year"),
        blocks=empty | {r["split"]: r["count"] for r in blocks},
        classes=classes_total,
        classes_by_year=classes_by_year,
        shared_locations=shared_locations(points, splits),
        distance_to_train=distance_to_train(spark, points, training_splits(splits)),
        held_out=None if held_out is None else list(held_out),
    )

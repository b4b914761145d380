"""`stats.json`: the statistics 02_stats hands to the loader, written atomically, read with checks.

`Stats` is the in-memory form (numpy arrays); `write_stats` writes it to a temporary name and
renames it into place; `load_stats` reads it back and refuses a file the loader could not
normalize with (wrong bands, non-finite values, a zero std). Computing the numbers is
`stage`'s business.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow.fs as pafs

from cropseries.layout import BANDS
from cropseries.publish import publish
from cropseries.reader import resolve
from cropseries.split_dataset import stats_path
from cropseries.stats.errors import StatsError

FORMAT = "cropseries-stats/1"


@dataclass(frozen=True)
class IndexStats:
    """Mean, population std (float64) and count (int64) of each spectral index of `names`
    (`indices.INDICES`) over the same valid observations as the bands (an index counts
    where all its bands do)."""

    names: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    count: np.ndarray

    def to_dict(self) -> dict:
        return {
            "names": list(self.names),
            "mean": _nan_to_none(self.mean[None])[0],
            "std": _nan_to_none(self.std[None])[0],
            "count": self.count.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict, where: str) -> IndexStats:
        names = tuple(data.get("names", ()))
        arrays = {}
        for key in ("mean", "std", "count"):
            try:
                arrays[key] = np.array(_none_to_nan([data[key]])[0], np.float64)
            except (KeyError, TypeError, ValueError):
                raise StatsError(f"{where}: 'indices.{key}' is missing or not numbers") from None
            wrong = arrays[key].shape != (len(names),)
            if wrong or (key == "count" and np.isnan(arrays[key]).any()):
                raise StatsError(
                    f"{where}: 'indices.{key}' must be {len(names)} numbers, one per name"
                )
        return cls(names, arrays["mean"], arrays["std"], arrays["count"].astype(np.int64))


@dataclass(frozen=True)
class Stats:
    """Normalization statistics of the train split and class statistics of every split.

    `mean`, `std` float64 [12] (DN, population std), `count` int64 [12] (valid
    observations) and `median` float64 [12] (exact, as numpy's; None in files written before
    it) follow `bands`; `index_stats` holds the spectral indices' (None in older files);
    `class_counts` maps a split to int64 [num_classes] rows per label, `class_weights` is
    float64 [num_classes]; `label_count` / `label_mean` /
    `label_std` are [num_classes, 12] (NaN for a label without observations) or None.
    """

    bands: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    count: np.ndarray
    classes: tuple[str, ...]
    legend: str
    class_counts: dict[str, np.ndarray]
    class_weights: np.ndarray
    label_count: np.ndarray | None = None
    label_mean: np.ndarray | None = None
    label_std: np.ndarray | None = None
    definitions: dict[str, str] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    median: np.ndarray | None = None
    index_stats: IndexStats | None = None

    def to_dict(self) -> dict:
        """The JSON document (NaN written as null)."""
        per_label = None
        if self.label_count is not None:
            per_label = {
                "count": self.label_count.tolist(),
                "mean": _nan_to_none(self.label_mean),
                "std": _nan_to_none(self.label_std),
            }
        return {
            "format": FORMAT,
            "bands": list(self.bands),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "count": self.count.tolist(),
            **({} if self.median is None else {"median": self.median.tolist()}),
            **({} if self.index_stats is None else {"indices": self.index_stats.to_dict()}),
            "classes": list(self.classes),
            "legend": self.legend,
            "class_counts": {split: c.tolist() for split, c in self.class_counts.items()},
            "class_weights": self.class_weights.tolist(),
            "per_label": per_label,
            "definitions": dict(self.definitions),
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict, where: str) -> Stats:
        """Parse and check a JSON document; `StatsError` naming `where` and the key otherwise."""

        def need(key: str):
            if key not in data:
                raise StatsError(f"{where}: key {key!r} is missing")
            return data[key]

        bands = tuple(need("bands"))
        if bands != BANDS:
            raise StatsError(f"{where}: 'bands' is {list(bands)}, expected {list(BANDS)}")
        mean = _vector(need("mean"), where, "mean", len(BANDS))
        std = _vector(need("std"), where, "std", len(BANDS))
        count = _vector(need("count"), where, "count", len(BANDS)).astype(np.int64)
        median = _vector(data["median"], where, "median", len(BANDS)) if "median" in data else None
        for key, values, ok in (("std", std, std > 0), ("count", count, count > 0)):
            if not ok.all():
                band = BANDS[int(np.argmin(ok))]
                raise StatsError(
                    f"{where}: {key!r} of band {band} is {values[int(np.argmin(ok))]}, must be > 0"
                )
        classes = tuple(need("classes"))
        weights = _vector(need("class_weights"), where, "class_weights", len(classes))
        if (weights < 0).any():
            raise StatsError(f"{where}: 'class_weights' has a negative weight: {weights.tolist()}")
        counts = {
            split: _vector(c, where, f"class_counts.{split}", len(classes)).astype(np.int64)
            for split, c in need("class_counts").items()
        }
        per_label = data.get("per_label") or {}
        label = {
            key: np.array(_none_to_nan(per_label[key]), np.float64) if key in per_label else None
            for key in ("count", "mean", "std")
        }
        return cls(
            bands=bands,
            mean=mean,
            std=std,
            count=count,
            classes=classes,
            legend=str(need("legend")),
            class_counts=counts,
            class_weights=weights,
            label_count=None if label["count"] is None else label["count"].astype(np.int64),
            label_mean=label["mean"],
            label_std=label["std"],
            definitions=dict(data.get("definitions", {})),
            metadata=dict(data.get("metadata", {})),
            median=median,
            index_stats=IndexStats.from_dict(data["indices"], where) if "indices" in data else None,
        )


def write_stats(stats: Stats, path: str) -> str:
    """Write `stats` as JSON to `path` (any `reader.resolve` spelling), published whole."""
    text = _json_text(stats.to_dict())
    with publish(path) as staging:
        fs, target = resolve(staging)
        with fs.open_output_stream(target) as stream:
            stream.write(text.encode())
    return path


def load_stats(path: str) -> Stats:
    """Read and check a `stats.json`; `path` is the file or the split directory holding it.

    Raises `StatsError` naming the file and the key if it is missing, not JSON, not this
    format, or holds statistics the loader cannot normalize with.
    """
    fs, target = resolve(path)
    if fs.get_file_info(target).type == pafs.FileType.Directory:
        path = stats_path(path)
        fs, target = resolve(path)
    try:
        with fs.open_input_stream(target) as stream:
            data = json.loads(stream.read().decode())
    except FileNotFoundError:
        raise StatsError(
            f"{path}: no such file; run 02_stats (python -m cropseries stats --splits DIR, with "
            "--fold all for a dataset split into folds) first"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StatsError(f"{path}: not a readable JSON file: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise StatsError(f"{path}: 'format' is {found!r}, expected {FORMAT!r}")
    return Stats.from_dict(data, path)


def _json_text(document: dict) -> str:
    """JSON with one top-level key per line (lists stay on one line, readable by a person)."""
    lines = (f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in document.items())
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _vector(values, where: str, key: str, length: int) -> np.ndarray:
    """A finite float64 vector of `length` values, or `StatsError` naming the key."""
    try:
        array = np.array(values, np.float64)
    except (TypeError, ValueError):
        raise StatsError(f"{where}: {key!r} is not a list of numbers: {values!r}") from None
    if array.shape != (length,):
        raise StatsError(f"{where}: {key!r} has shape {array.shape}, expected ({length},)")
    if not np.isfinite(array).all():
        raise StatsError(f"{where}: {key!r} has a value that is not finite: {values!r}")
    return array


def _nan_to_none(array: np.ndarray) -> list:
    return [[None if math.isnan(v) else v for v in row] for row in array.tolist()]


def _none_to_nan(rows: list) -> list:
    return [[math.nan if v is None else v for v in row] for row in rows]

"""The split dataset: the contract between 01_split and every stage that reads its output.

    <root>/split=train/part-*.parquet    one folder per split: train, val, test
    <root>/split=val/, <root>/split=test/
    <root>/excluded/part-*.parquet       the rows no split may use, each with its reason
    <root>/split_report.json             01_split's report: counts, exclusions, leakage
    <root>/legend.yaml                   the class legend 01_split labelled with, whole
    <root>/stats.json                    02_stats' statistics of the train split

A cross-validation dataset (01_split with folds) has `split=fold0/` .. `split=fold<K-1>/`
instead of the three splits; fold f's selection tests on fold f, validates on fold f + 1
(mod K) and trains on the rest (`fold_parts`), and its statistics are `stats-fold<f>.json`.

The data files hold the course layout's raw columns unchanged, then `DERIVED_SCHEMA`. The
names of these folders, files and columns are written here and nowhere else.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.fs as pafs

from cropseries.legend import ClassLegend, LegendError, load_legend, parse_legend
from cropseries.reader import LayoutError, parquet_files, resolve

#: The splits 01_split writes, in order.
SPLITS: tuple[str, ...] = ("train", "val", "test")
#: Folder names of cross-validation folds: `fold0`, `fold1`, ...
FOLD_PREFIX = "fold"
#: Folder (and the pseudo-split while Spark writes) of the excluded rows.
EXCLUDED = "excluded"
REPORT_FILE = "split_report.json"
LEGEND_FILE = "legend.yaml"
STATS_FILE = "stats.json"
#: Columns 01_split adds after the raw course columns, in file order; `reason` says why a row
#: is excluded and is null in split files.
DERIVED_SCHEMA = pa.schema(
    [
        ("cdl_code", pa.int32()),
        ("label", pa.int32()),
        ("is_double_crop", pa.bool_()),
        ("pixel_id", pa.int64()),
        ("block_id", pa.int64()),
        ("reason", pa.string()),
    ]
)
DERIVED_COLUMNS: tuple[str, ...] = tuple(DERIVED_SCHEMA.names)
_PREFIX = "split="


def folder_name(split: str) -> str:
    """`train` -> `split=train` (Hive-style, so Spark reads `split` as a column)."""
    return f"{_PREFIX}{split}"


def split_of(name: str) -> str | None:
    """The split a folder name holds (`split=val` -> `val`), or None for any other name."""
    return name[len(_PREFIX) :] if name.startswith(_PREFIX) else None


def split_path(root: str, split: str) -> str:
    """The folder of one split: `<root>/split=<split>`."""
    return _join(root, folder_name(split))


def excluded_path(root: str) -> str:
    """The folder of the excluded rows: `<root>/excluded`."""
    return _join(root, EXCLUDED)


def report_path(root: str) -> str:
    """01_split's report: `<root>/split_report.json`."""
    return _join(root, REPORT_FILE)


def legend_path(root: str) -> str:
    """The legend 01_split labelled with, whole: `<root>/legend.yaml`."""
    return _join(root, LEGEND_FILE)


def dataset_legend(root: str, spec: str | None = None) -> ClassLegend:
    """The legend a split dataset was labelled with (`legend.yaml`), or `spec` ("course",
    "slides" or a file; course by default) for a dataset written without one.

    A `spec` that differs from the dataset's legend is a `LegendError` naming both: a later
    stage must count and one-hot encode the classes 01_split wrote.
    """
    fs, path = resolve(legend_path(root))
    try:
        with fs.open_input_stream(path) as stream:
            text = stream.read().decode()
    except FileNotFoundError:
        return load_legend(spec or "course")
    stored = parse_legend(text, legend_path(root))
    if spec is not None and load_legend(spec) != stored:
        raise LegendError(
            f"{root}: labelled with legend {stored.name!r} ({legend_path(root)}), not with "
            f"{spec!r}; leave the legend out to use the dataset's"
        )
    return stored


def stats_path(root: str, fold: int | None = None) -> str:
    """Where 02_stats writes by default: `stats.json` beside the split folders, or
    `stats-fold<f>.json` for the training part of fold f."""
    if fold is None:
        return _join(root, STATS_FILE)
    return _join(root, f"stats-{fold_name(fold)}.json")


def fold_name(fold: int) -> str:
    """Fold 2's split name: `fold2`."""
    return f"{FOLD_PREFIX}{fold}"


def fold_names(num_folds: int) -> tuple[str, ...]:
    """The split names of `num_folds` folds, in order."""
    return tuple(fold_name(f) for f in range(num_folds))


def fold_parts(num_folds: int, fold: int) -> dict[str, tuple[str, ...]]:
    """The folds each split of fold `fold`'s selection reads: test fold f, val fold f + 1
    (mod K), train the other K - 2; over f = 0 .. K-1 every fold is tested exactly once."""
    if num_folds < 3:
        raise LayoutError(f"cross-validation needs at least 3 folds, found {num_folds}")
    if not 0 <= fold < num_folds:
        raise LayoutError(f"fold {fold}: this dataset has folds 0..{num_folds - 1}")
    held = {"test": fold, "val": (fold + 1) % num_folds}
    train = tuple(fold_name(f) for f in range(num_folds) if f not in held.values())
    return {"train": train, "val": (fold_name(held["val"]),), "test": (fold_name(fold),)}


def num_folds(root: str) -> int:
    """How many `split=fold<f>/` folders `root` holds (0: not a cross-validation dataset)."""
    names = set(split_names(root))
    count = 0
    while fold_name(count) in names:
        count += 1
    return count


def _folds_of(root: str) -> int:
    """`num_folds(root)`, or LayoutError if it has none."""
    folds = num_folds(root)
    if not folds:
        raise LayoutError(f"{root}: no split={fold_name(0)}/ folder: not split into folds")
    return folds


def selected_folds(root: str, fold: int | str | None) -> list[int | None]:
    """The folds a stage runs for: [None] (no folds), [fold], or every fold for "all"
    (LayoutError if `root` has none)."""
    if fold != "all":
        return [fold]
    return list(range(_folds_of(root)))


def part_folders(root: str, split: str, fold: int | None = None) -> tuple[str, ...]:
    """The split names whose rows are `split`: itself, or with `fold`, the folds of that
    fold's selection (`fold_parts`). LayoutError for a fold of a dataset without folds."""
    if fold is None:
        return (split,)
    parts = fold_parts(_folds_of(root), fold)
    if split not in parts:
        raise LayoutError(f"split {split!r} of fold {fold}: choose one of {tuple(parts)}")
    return parts[split]


def split_files(root: str, split: str, fold: int | None = None) -> list[str]:
    """The Parquet files of one split (or of `split` in fold `fold`'s selection), sorted by
    folder; hidden and `_` names (staging) are skipped."""
    folders = part_folders(root, split, fold)
    return [f for name in folders for f in parquet_files(split_path(root, name))]


def split_names(root: str) -> list[str]:
    """The splits that have a folder under `root`: `SPLITS` first, then others by name."""
    fs, local = resolve(root)
    entries = fs.get_file_info(pafs.FileSelector(local, allow_not_found=True))
    names = [
        split_of(e.base_name)
        for e in entries
        if e.type == pafs.FileType.Directory and split_of(e.base_name)
    ]
    return sorted(names, key=_split_order)


def _split_order(name: str) -> tuple:
    """SPLITS in order, then folds by number, then other names."""
    if name in SPLITS:
        return (0, SPLITS.index(name), "")
    number = name[len(FOLD_PREFIX) :]
    if name.startswith(FOLD_PREFIX) and number.isdigit():
        return (1, int(number), "")
    return (2, 0, name)


def _join(root: str, name: str) -> str:
    return f"{str(root).rstrip('/')}/{name}"

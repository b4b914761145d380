"""The split dataset: the contract between 01_split and every stage that reads its output.

    <root>/split=train/part-*.parquet    one folder per split: train, val, test
    <root>/split=val/, <root>/split=test/
    <root>/excluded/part-*.parquet       the rows no split may use, each with its reason
    <root>/split_report.json             01_split's report: counts, exclusions, leakage
    <root>/legend.yaml                   the class legend 01_split labelled with, whole
    <root>/stats.json                    02_stats' statistics of the train split

The data files hold the course layout's raw columns unchanged, then `DERIVED_SCHEMA`. The
names of these folders, files and columns are written here and nowhere else.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.fs as pafs

from cropseries.legend import ClassLegend, LegendError, load_legend, parse_legend
from cropseries.reader import parquet_files, resolve

#: The splits 01_split writes, in order.
SPLITS: tuple[str, ...] = ("train", "val", "test")
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


def stats_path(root: str) -> str:
    """Where 02_stats writes by default: `stats.json` beside the split folders."""
    return _join(root, STATS_FILE)


def split_files(root: str, split: str) -> list[str]:
    """The Parquet files of one split, sorted; hidden and `_` names (staging) are skipped."""
    return parquet_files(split_path(root, split))


def split_names(root: str) -> list[str]:
    """The splits that have a folder under `root`: `SPLITS` first, then others by name."""
    fs, local = resolve(root)
    entries = fs.get_file_info(pafs.FileSelector(local, allow_not_found=True))
    names = [
        split_of(e.base_name)
        for e in entries
        if e.type == pafs.FileType.Directory and split_of(e.base_name)
    ]
    return sorted(names, key=lambda n: (SPLITS.index(n) if n in SPLITS else len(SPLITS), n))


def _join(root: str, name: str) -> str:
    return f"{str(root).rstrip('/')}/{name}"

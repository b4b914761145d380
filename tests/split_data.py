"""Test helpers around split datasets: generated input, and readers of what 01_split wrote.

`generated` writes a small realistic course-layout dataset with the project's generator
(pixel locations recur every year, as in the course's data); `read_split` reads one folder
of a split dataset with pyarrow; `file_bytes` snapshots every file of an output.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.dataset as ds

from cropseries.synth import SynthConfig, generate


def generated(root, pixels: int, boxes: int = 2, seed: int = 2, years=(2019, 2020, 2021)) -> str:
    """A generated course-layout dataset of `pixels` locations x `years` at `root`."""
    config = SynthConfig(pixels=pixels, years=tuple(years), seed=seed, boxes=boxes)
    generate(str(root), config, progress=False)
    return str(root)


def read_split(output: str, folder: str) -> pa.Table:
    """All rows of one folder of a split dataset ("split=train", "excluded", ...)."""
    return ds.dataset(os.path.join(output, folder), format="parquet").to_table()


def file_bytes(output: str) -> dict[str, bytes]:
    """Every file below `output` by relative path, with its bytes."""
    found = {}
    for folder, _, files in os.walk(output):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, output)] = handle.read()
    return found

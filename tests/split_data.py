"""Small course-layout datasets whose pixel locations recur every year, and readers of a split
dataset, for the 01_split tests (and any test that needs a split dataset).

`located_dataset` lays pixels on a regular lon/lat grid in two boxes, with the same
locations in every year (as the course's data has) and fresh random names and series each
year. `read_split` reads one folder of a split dataset with pyarrow.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
from course_data import course_rows

from cropseries.writer import write_partition

#: South-west corners (lon, lat) of the two boxes; about 40 km apart in the Delta.
CORNERS = ((-91.00, 33.30), (-90.62, 33.45))
NAMES = (
    "Corn",
    "Soybeans",
    "Rice",
    "Cotton",
    "Fallow/Idle Cropland",
    "Grassland/Pasture",
    "Peanuts",
    "Woody Wetlands",
    "Dbl Crop WinWht/Soybeans",
)


def grid_locations(side: int, spacing_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat [boxes * side**2] of every pixel: a side x side grid in each box."""
    steps = np.arange(side) * spacing_deg
    lon = np.concatenate([x0 + np.tile(steps, side) for x0, _ in CORNERS])
    lat = np.concatenate([y0 + np.repeat(steps, side) for _, y0 in CORNERS])
    return lon, lat


def located_dataset(
    root,
    years=(2019, 2020, 2021),
    side: int = 12,
    spacing_deg: float = 0.002,
    seed: int = 0,
    names=NAMES,
) -> str:
    """Write every grid location once per year (one partition per box and year)."""
    lon, lat = grid_locations(side, spacing_deg)
    per_box = side * side
    for b in range(len(CORNERS)):
        where = slice(b * per_box, (b + 1) * per_box)
        for year in years:
            table = course_rows(
                per_box, year, seed=seed + 10 * b + year, images=(1, 30), names=names
            )
            table = table.set_column(0, "lon", pa.array(lon[where]))
            table = table.set_column(1, "lat", pa.array(lat[where]))
            write_partition(str(root), f"{b}.0, 0.0, {b + 1}.0, 1.0", year, table)
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

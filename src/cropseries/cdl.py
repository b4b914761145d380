"""The USDA NASS Cropland Data Layer legend: every CDL code with its name, group and flags.

The legend (all 256 codes, public domain) ships with the package as `data/cdl_legend.csv`.
This module maps CDL names to codes and knows which codes are crops and double crops; which
training class a code belongs to is a class legend's business (`legend`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Names used in older CDL years (or by other tools) for a code whose name has changed.
NAME_ALIASES: dict[str, int] = {"Grassland/Pasture": 176}


@dataclass(frozen=True)
class CdlClass:
    """One row of the CDL legend: code, name, group, and whether it is a crop or a double crop."""

    code: int
    name: str
    group: str
    is_crop: bool
    is_double_crop: bool


@cache
def cdl_classes() -> tuple[CdlClass, ...]:
    """Every named CDL code, from the packaged legend."""
    text = resources.files("cropseries").joinpath("data/cdl_legend.csv").read_text("utf-8")
    return tuple(
        CdlClass(
            int(r["code"]),
            r["name"],
            r["nass_group"],
            r["is_crop"] == "1",
            r["is_double_crop"] == "1",
        )
        for r in csv.DictReader(text.splitlines())
        if r["name"]
    )


@cache
def name_to_code() -> dict[str, int]:
    """CDL name to code, current names plus `NAME_ALIASES`.

    Two codes share the names "Barren" (65, 131) and "Shrubland" (64, 152); the NLCD-derived
    code, which current CDL years use, wins.
    """
    mapping = {c.name: c.code for c in sorted(cdl_classes(), key=lambda c: c.code)}
    return {**mapping, **NAME_ALIASES}


@cache
def double_crop_codes() -> frozenset[int]:
    """CDL codes of double crops: 26, 225-241 and 254, less Lettuce (227) and Pumpkins (229)."""
    return frozenset(c.code for c in cdl_classes() if c.is_double_crop)


def cdl_codes(names: pa.Array) -> np.ndarray:
    """CDL codes of an Arrow array of names (binary or string): int16 [n], -1 if unknown."""
    mapping = name_to_code()
    keys = pa.array(list(mapping), pa.string())
    as_text = names.cast(pa.string()) if not pa.types.is_string(names.type) else names
    index = pc.index_in(as_text, value_set=keys)
    codes = np.asarray(list(mapping.values()), np.int16)
    found = np.asarray(index.fill_null(-1), np.int64)
    return np.where(found >= 0, codes[found], -1).astype(np.int16)

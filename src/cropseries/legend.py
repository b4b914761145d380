"""Labels: CDL class names to CDL codes, and CDL codes to the 7-class training legend.

The CDL legend (all 256 codes, USDA NASS, public domain) ships with the package. A class
legend is a small frozen object: the class names in index order and which CDL codes fall
in each; everything not listed is the "uncultivated" class. The vegetation rule that turns
a crop into "No Crop Growing" is applied per window by the loader, not here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cropseries.errors import ConfigError

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


COURSE_CULTIVATED = (
    "Other Hay/Non Alfalfa",
    "Pop or Orn Corn",
    "Peanuts",
    "Sorghum",
    "Oats",
    "Peaches",
    "Clover/Wildflowers",
    "Pecans",
    "Sod/Grass Seed",
    "Other Crops",
    "Dry Beans",
    "Winter Wheat",
    "Alfalfa",
    "Potatoes",
    "Peas",
    "Herbs",
    "Rye",
    "Cantaloupes",
    "Sunflower",
    "Watermelons",
    "Sweet Corn",
    "Sweet Potatoes",
)


@dataclass(frozen=True)
class ClassLegend:
    """The training classes in index order, and the CDL codes that make up each.

    Codes listed in no class fall into `uncultivated`. `no_crop` is the class the
    vegetation rule assigns; it has no CDL codes of its own.
    """

    classes: tuple[str, ...]
    members: tuple[tuple[str, tuple[int, ...]], ...]
    uncultivated: str = "Uncultivated"
    no_crop: str = "No Crop Growing"
    name: str = field(default="custom", compare=False)

    def __post_init__(self) -> None:
        for label in (self.uncultivated, self.no_crop, *(m for m, _ in self.members)):
            if label not in self.classes:
                raise ValueError(f"class {label!r} is not in the legend's classes {self.classes}")
        codes = [c for _, cs in self.members for c in cs]
        if len(codes) != len(set(codes)):
            raise ValueError("a CDL code is listed in more than one class")

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def uncultivated_index(self) -> int:
        return self.classes.index(self.uncultivated)

    @property
    def no_crop_index(self) -> int:
        return self.classes.index(self.no_crop)

    def code_to_label(self) -> np.ndarray:
        """Lookup table int8 [256]: CDL code to class index, before the vegetation rule."""
        table = np.full(256, self.uncultivated_index, np.int8)
        for label, codes in self.members:
            table[list(codes)] = self.classes.index(label)
        return table

    def label_of(self, cdl_name: str) -> int | None:
        """Class index of a CDL name, None if the name is not in the CDL legend."""
        code = name_to_code().get(cdl_name)
        return None if code is None else int(self.code_to_label()[code])


def _codes(*names: str) -> tuple[int, ...]:
    mapping = name_to_code()
    return tuple(mapping[n] for n in names)


def course_legend() -> ClassLegend:
    """The course code's legend and index order (the order its trained model uses)."""
    return ClassLegend(
        classes=(
            "Uncultivated",
            "Cultivated",
            "No Crop Growing",
            "Soybeans",
            "Rice",
            "Corn",
            "Cotton",
        ),
        members=(
            ("Cultivated", _codes(*COURSE_CULTIVATED)),
            ("Soybeans", _codes("Soybeans")),
            ("Rice", _codes("Rice")),
            ("Corn", _codes("Corn")),
            ("Cotton", _codes("Cotton")),
        ),
        name="course",
    )


def slides_legend() -> ClassLegend:
    """The same seven classes in the order the course slides list them."""
    course = course_legend()
    return ClassLegend(
        classes=(
            "No Crops Growing",
            "Uncultivated",
            "Cultivated",
            "Corn",
            "Soybeans",
            "Cotton",
            "Rice",
        ),
        members=course.members,
        no_crop="No Crops Growing",
        name="slides",
    )


LEGENDS = {"course": course_legend, "slides": slides_legend}


def legend_by_name(name: str) -> ClassLegend:
    """A named legend: "course" (default) or "slides"."""
    try:
        return LEGENDS[name]()
    except KeyError:
        raise ConfigError(f"unknown legend {name!r}; choose one of {sorted(LEGENDS)}") from None

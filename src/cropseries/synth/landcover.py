"""What grows where: the CDL class of every field in every year, from crop rotations.

A field follows a management program (a cycle of CDL classes such as corn/cotton or
rice/soybeans) from a random phase, so one location carries different labels in different
years; now and then a field leaves its rotation for a year. Program shares are tuned to
the class mix of the course's 2019 test box (course_facts section 5) and vary by box.
How a class looks through the year is `phenology`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cropseries.cdl import name_to_code


@dataclass(frozen=True)
class Program:
    """A field's management: its share of fields and the classes it cycles through."""

    name: str
    share: float
    cycle: tuple[str, ...]
    cropland: bool = True


#: Management programs of Delta fields. Shares are of fields (field sizes do not depend on
#: the program); each box scales them by a random factor around 1.
PROGRAMS: tuple[Program, ...] = (
    Program("rice/soybeans", 0.27, ("Rice", "Soybeans", "Rice")),
    Program("continuous rice", 0.06, ("Rice",)),
    Program("corn/cotton", 0.22, ("Corn", "Cotton")),
    Program("corn/soybeans", 0.10, ("Corn", "Soybeans")),
    Program("continuous cotton", 0.06, ("Cotton",)),
    Program("wheat-soybeans double crop/corn", 0.07, ("Dbl Crop WinWht/Soybeans", "Corn")),
    Program("winter wheat/soybeans", 0.012, ("Winter Wheat", "Soybeans")),
    Program("peanuts/cotton", 0.03, ("Peanuts", "Cotton")),
    Program("idle", 0.10, ("Fallow/Idle Cropland", "Fallow/Idle Cropland", "Soybeans")),
    Program("hay", 0.01, ("Other Hay/Non Alfalfa",), cropland=False),
    Program("pasture", 0.01, ("Grass/Pasture",), cropland=False),
    Program("bottomland forest", 0.025, ("Woody Wetlands",), cropland=False),
    Program("ponds", 0.012, ("Open Water",), cropland=False),
    Program("town", 0.008, ("Developed/Low Intensity",), cropland=False),
    Program("farmstead", 0.012, ("Developed/Open Space",), cropland=False),
    Program("unmapped", 0.015, ("Background",), cropland=False),
)
#: Class of road pixels (the roads of `geometry.FieldMap`).
ROAD_CLASS = "Developed/Open Space"
#: Chance that a cropland field leaves its rotation for a year, and the classes it takes then.
OFF_ROTATION = 0.06
OFF_ROTATION_CLASSES = ("Soybeans", "Fallow/Idle Cropland")

#: Every class the generator writes, in a fixed order (index = class id inside `synth`).
CLASSES: tuple[str, ...] = tuple(
    dict.fromkeys([c for p in PROGRAMS for c in p.cycle] + [ROAD_CLASS, *OFF_ROTATION_CLASSES])
)
_unknown = [c for c in CLASSES if c not in name_to_code()]
if _unknown:  # a typo here would write names the CDL legend does not know
    raise ValueError(f"class names not in the CDL legend: {_unknown}")


@dataclass(frozen=True)
class FieldPlan:
    """Management of a box's fields: program index, rotation phase, off-rotation draws."""

    program: np.ndarray  # int64 [fields]
    phase: np.ndarray  # int64 [fields]
    seed: int

    def classes(self, year: int) -> np.ndarray:
        """Class id (index into `CLASSES`) of every field in `year`: int64 [fields]."""
        index = {c: i for i, c in enumerate(CLASSES)}
        lengths = np.array([len(p.cycle) for p in PROGRAMS])
        cycles = np.full((len(PROGRAMS), lengths.max()), -1)
        for k, p in enumerate(PROGRAMS):
            cycles[k, : len(p.cycle)] = [index[c] for c in p.cycle]
        step = (year + self.phase) % lengths[self.program]
        result = cycles[self.program, step]
        rng = np.random.default_rng([self.seed, year])
        cropland = np.array([p.cropland for p in PROGRAMS])[self.program]
        leaves = cropland & (rng.random(len(result)) < OFF_ROTATION)
        substitutes = np.array([index[c] for c in OFF_ROTATION_CLASSES])
        result[leaves] = substitutes[rng.integers(0, len(substitutes), int(leaves.sum()))]
        return result


def field_plan(rng: np.random.Generator, num_fields: int) -> FieldPlan:
    """Draw a program and phase for each field; program shares vary by +-35 % per box."""
    shares = np.array([p.share for p in PROGRAMS]) * rng.gamma(8.0, 1 / 8.0, len(PROGRAMS))
    program = rng.choice(len(PROGRAMS), size=num_fields, p=shares / shares.sum())
    phase = rng.integers(0, 6, size=num_fields)
    return FieldPlan(program=program, phase=phase, seed=int(rng.integers(2**63)))

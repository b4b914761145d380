"""Locations: EPSG:5070 metres, a stable pixel id, and square grid cells.

EPSG:5070 (NAD83 / Conus Albers, GRS80) is written once here, in numpy (forward and
inverse, for the generator) and as Spark column expressions (so that projecting every row
of a split runs inside the JVM, with no Python worker); the pixel id likewise, in Spark and
in numpy. This module owns the formulas; it knows nothing about splits or files.
"""

from __future__ import annotations

import math

import numpy as np

# GRS80 ellipsoid and the EPSG:5070 parameters (no false easting or northing).
_A = 6378137.0
_F = 1 / 298.257222101
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)
_LAT1, _LAT2, _LAT0, _LON0 = (math.radians(d) for d in (29.5, 45.5, 23.0, -96.0))


def _q(sin_phi):
    """Snyder's authalic q of sin(latitude): floats or numpy arrays."""
    es = _E * sin_phi
    return (1 - _E2) * (sin_phi / (1 - es * es) - np.log((1 - es) / (1 + es)) / (2 * _E))


def _m(phi: float) -> float:
    s = math.sin(phi)
    return math.cos(phi) / math.sqrt(1 - _E2 * s * s)


_N = (_m(_LAT1) ** 2 - _m(_LAT2) ** 2) / (_q(math.sin(_LAT2)) - _q(math.sin(_LAT1)))
_C = _m(_LAT1) ** 2 + _N * _q(math.sin(_LAT1))
_RHO0 = _A * math.sqrt(_C - _N * _q(math.sin(_LAT0))) / _N

#: Degrees are rounded to this many units per degree for the pixel id (1e-7 deg is ~1 cm).
PIXEL_ID_SCALE = 10_000_000
#: Grid indices are offset by this before packing two of them into one int64.
_CELL_OFFSET = 1 << 30


def albers_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:4326 degrees to EPSG:5070 metres: (x, y) float64 arrays of the inputs' shape."""
    phi = np.radians(np.asarray(lat, np.float64))
    theta = _N * (np.radians(np.asarray(lon, np.float64)) - _LON0)
    rho = _A * np.sqrt(_C - _N * _q(np.sin(phi))) / _N
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


def albers_inverse(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:5070 metres to EPSG:4326 degrees: (lon, lat) float64 arrays of the inputs' shape.

    Latitude comes from Snyder's fixed-point iteration (eq. 3-16), run a fixed number of
    times: it converges to below 1e-12 degrees within the conterminous US.
    """
    x = np.asarray(x, np.float64)
    dy = _RHO0 - np.asarray(y, np.float64)
    rho = np.hypot(x, dy)
    theta = np.arctan2(x, dy)
    q = (_C - (rho * _N / _A) ** 2) / _N
    phi = np.arcsin(q / 2)
    for _ in range(8):
        s = np.sin(phi)
        one = 1 - _E2 * s * s
        phi = phi + one**2 / (2 * np.cos(phi)) * (
            q / (1 - _E2) - s / one + np.log((1 - _E * s) / (1 + _E * s)) / (2 * _E)
        )
    return np.degrees(_LON0 + theta / _N), np.degrees(phi)


def albers_xy(lon, lat):
    """EPSG:4326 degrees (two double Columns) to EPSG:5070 (x, y) metres, two double Columns."""
    from pyspark.sql import functions as F

    sin_phi = F.sin(F.radians(lat))
    es = sin_phi * _E
    q = (sin_phi / (1 - es * es) - F.log((1 - es) / (1 + es)) / (2 * _E)) * (1 - _E2)
    rho = F.sqrt(_C - q * _N) * (_A / _N)
    theta = (F.radians(lon) - _LON0) * _N
    return rho * F.sin(theta), _RHO0 - rho * F.cos(theta)


def pixel_id(lon, lat):
    """A stable int64 id of a location: lon and lat rounded to 1e-7 degrees, packed.

    round((lon + 180) * 1e7) < 2**32 sits above round((lat + 90) * 1e7) < 2**31, so the id is
    non-negative, unique per rounded location and the same in every year. `lon`, `lat` must
    be in range (the stage excludes rows that are not).
    """
    from pyspark.sql import functions as F

    ilon = F.round((lon + 180.0) * PIXEL_ID_SCALE).cast("long")
    ilat = F.round((lat + 90.0) * PIXEL_ID_SCALE).cast("long")
    return F.shiftleft(ilon, 31).bitwiseOR(ilat)


def pixel_ids(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """`pixel_id` in numpy for arrays of degrees: int64 [n], the same ids 01_split writes.

    For readers of a course layout without 01_split (the loader), so their ids join with a
    split dataset's. Rounds half up, as Spark's `round` does for these non-negative values.
    """
    ilon = np.floor((np.asarray(lon, np.float64) + 180.0) * PIXEL_ID_SCALE + 0.5).astype(np.int64)
    ilat = np.floor((np.asarray(lat, np.float64) + 90.0) * PIXEL_ID_SCALE + 0.5).astype(np.int64)
    return (ilon << 31) | ilat


def cell_index(coordinate, size_m: float):
    """Index of the grid cell of edge `size_m` metres holding `coordinate` (metres): long Column."""
    from pyspark.sql import functions as F

    return F.floor(coordinate / float(size_m)).cast("long")


def cell_id(x, y, size_m: float):
    """One int64 per square cell of edge `size_m` metres: (floor(x/size) + 2**30) * 2**32
    + floor(y/size) + 2**30. Columns in (metres), a long Column out."""
    from pyspark.sql import functions as F

    cx = cell_index(x, size_m) + _CELL_OFFSET
    cy = cell_index(y, size_m) + _CELL_OFFSET
    return F.shiftleft(cx, 32).bitwiseOR(cy)

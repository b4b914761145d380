"""Where generated pixels lie: EPSG:5070 coordinates, the Delta boxes, fields and sampling grid.

Coordinates are EPSG:5070 (NAD83 / Conus Albers; `cropseries.geo` projects them), so the
generator needs no projection library. A box is a square of 500 x 500 CDL pixels (30 m,
centres on multiples of 30 m as in the CDL grid) cut into rectangular fields; pixels are
sampled from it on a regular grid. What grows in a field is `landcover`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cropseries.layout import bbox_string

#: Edge of a CDL pixel, metres.
PIXEL_M = 30.0
#: Pixels along each edge of a box (15 km).
BOX_PIXELS = 500


@dataclass(frozen=True)
class TileCover:
    """A Sentinel-2 MGRS tile and the part of a box it covers, as fractions of the box edge."""

    tile: str
    x0: float = 0.0
    x1: float = 1.0
    y0: float = 0.0
    y1: float = 1.0


@dataclass(frozen=True)
class Box:
    """A 15 km square of the CDL grid; `left`, `bottom` are EPSG:5070 pixel edges (metres)."""

    name: str
    left: float
    bottom: float
    tiles: tuple[TileCover, ...]

    @property
    def size(self) -> float:
        return BOX_PIXELS * PIXEL_M

    @property
    def bbox(self) -> str:
        """The course's partition value, e.g. "457065.0, 1152735.0, 472065.0, 1167735.0"."""
        return bbox_string(self.left, self.bottom, self.left + self.size, self.bottom + self.size)


#: Boxes in the lower Mississippi Delta, near the towns they are named after. Tile coverage
#: follows the Sentinel-2 tiling (109.8 km tiles overlapping by 9.8 km), straightened to the
#: box edges; where two tiles cover a pixel it is imaged twice on the same day.
DELTA_BOXES: tuple[Box, ...] = (
    Box("Greenville MS", 457065.0, 1152735.0, (TileCover("15SXT"), TileCover("15SXS", y1=0.67))),
    Box(
        "Cleveland MS",
        472425.0,
        1192725.0,
        (TileCover("15SXT", x1=0.77), TileCover("15SYT", x0=0.13)),
    ),
    Box("Clarksdale MS", 484485.0, 1240395.0, (TileCover("15SYT"), TileCover("15SYU", y0=0.93))),
    Box("Indianola MS", 495165.0, 1166025.0, (TileCover("15SYT"),)),
    Box("Belzoni MS", 506445.0, 1130895.0, (TileCover("15SYS"),)),
    Box("Stuttgart AR", 402495.0, 1269735.0, (TileCover("15SXU"),)),
    Box("Dumas AR", 414675.0, 1206525.0, (TileCover("15SXT"),)),
)


@dataclass(frozen=True)
class FieldMap:
    """A box cut into fields: north-south strips, each cut into rectangles along its length.

    `strip_start[k]` is the first pixel column of strip k; `keys` holds, sorted, one entry
    `strip * 1000 + first_row` per field, so a field id is a position in `keys`.
    `road_col` / `road_row` [500] flag pixel columns and rows that carry a road.
    """

    strip_start: np.ndarray
    keys: np.ndarray
    road_col: np.ndarray
    road_row: np.ndarray

    @property
    def num_fields(self) -> int:
        return len(self.keys)

    def field_of(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Field id (int64) of pixels given by column and row index within the box."""
        strip = np.searchsorted(self.strip_start, col, side="right") - 1
        return np.searchsorted(self.keys, strip * 1000 + row, side="right") - 1

    def is_road(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        return self.road_col[col] | self.road_row[row]


def _cuts(rng: np.random.Generator, low_m: float, high_m: float, size: int) -> np.ndarray:
    """Start indices (from 0) of consecutive runs whose lengths are uniform in [low, high] m."""
    lengths = rng.integers(int(low_m // PIXEL_M), int(high_m // PIXEL_M) + 1, size=size)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    first = rng.integers(0, lengths[0])  # a random phase: the first run is cut by the box edge
    starts = np.concatenate([[0], starts[1:] - first])
    return starts[starts < BOX_PIXELS]


def field_map(rng: np.random.Generator) -> FieldMap:
    """Fields of one box: strips 270-900 m wide, fields 300-1500 m long, roads on some edges.

    Delta fields are large (typically 20-100 ha); section-line roads run every mile or so.
    """
    strip_start = _cuts(rng, 270, 900, 64)
    rows = [_cuts(rng, 300, 1500, 64) for _ in strip_start]
    keys = np.concatenate([k * 1000 + r for k, r in enumerate(rows)]).astype(np.int64)
    road_col = np.zeros(BOX_PIXELS, bool)
    road_col[strip_start[1:][rng.random(len(strip_start) - 1) < 0.3]] = True
    road_row = np.zeros(BOX_PIXELS, bool)
    road_row[_cuts(rng, 1200, 2000, 16)[1:]] = True
    return FieldMap(
        strip_start=strip_start, keys=np.sort(keys), road_col=road_col, road_row=road_row
    )


def sample_grid(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` pixels of a box on a regular grid from a random offset: (col, row) int64 [count].

    The stride is the largest that leaves at least `count` grid points (the course took
    every 15th pixel); when the grid holds more, `count` of them are drawn at random. Rows
    come in row-major order.
    """
    if not 0 < count <= BOX_PIXELS**2:
        raise ValueError(f"a box holds 1 to {BOX_PIXELS**2} pixels, asked for {count}")
    stride = max(1, BOX_PIXELS // int(np.ceil(np.sqrt(count))))
    off_col, off_row = rng.integers(0, stride, size=2)
    cols = np.arange(off_col, BOX_PIXELS, stride)
    rows = np.arange(off_row, BOX_PIXELS, stride)
    chosen = np.sort(rng.choice(len(cols) * len(rows), size=count, replace=False))
    return cols[chosen % len(cols)], rows[chosen // len(cols)]


def pixel_centres(box: Box, col: np.ndarray, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:5070 centres (x, y metres) of pixels by column (west to east) and row (south up)."""
    return box.left + (col + 0.5) * PIXEL_M, box.bottom + (row + 0.5) * PIXEL_M

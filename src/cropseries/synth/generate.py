"""Generating a course-layout dataset: boxes, fields, years and images, written as Parquet.

Ties the other `synth` modules together. Everything is drawn from `numpy.random` generators
seeded by (seed, box, year, chunk), and Parquet is written with fixed settings, so the same
arguments give byte-identical files. Work is vectorized over whole chunks of pixels; memory
is bounded by `SynthConfig.chunk_rows`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cropseries.codecs import DEFAULT_CODEC, PixelSeries, codec_dtype, encode_table
from cropseries.errors import CropseriesError
from cropseries.geo import albers_inverse
from cropseries.layout import NUM_BANDS
from cropseries.publish import publish
from cropseries.synth import acquisitions, geometry, landcover, phenology, spectra
from cropseries.writer import write_partition

#: Years with both Sentinel-2A and 2B in orbit (5-day revisit) and L2A values without the
#: +1000 offset of processing baseline 04.00 (2022-01-25 on).
SUPPORTED_YEARS = range(2018, 2022)


class SynthError(CropseriesError, ValueError):
    """The generator was asked for something it cannot produce; the message says why."""


@dataclass(frozen=True)
class SynthConfig:
    """What to generate."""

    pixels: int
    """Pixel locations; each gets one row per year (rows = pixels x years)."""
    years: tuple[int, ...] = (2019, 2020, 2021)
    """Years to generate (the course's train/val set covered 2019-2021)."""
    seed: int = 0
    """Seed of every random draw."""
    codec: str = DEFAULT_CODEC
    """Element type of bands/img_dates: "uint16be" (course code) or "int32le" (slides)."""
    boxes: int = len(geometry.DELTA_BOXES)
    """How many of `geometry.DELTA_BOXES` to spread the pixels over (course: 7)."""
    chunk_rows: int = 20_000
    """Rows generated and written at a time (one Parquet file each); bounds memory."""

    def __post_init__(self) -> None:
        """Raise `SynthError` for arguments the generator cannot honour."""
        codec_dtype(self.codec)
        if self.seed < 0:
            raise SynthError(f"seed={self.seed} must not be negative")
        if not 1 <= self.boxes <= len(geometry.DELTA_BOXES):
            raise SynthError(f"boxes must be 1..{len(geometry.DELTA_BOXES)}, got {self.boxes}")
        if not 0 < self.pixels <= self.boxes * geometry.BOX_PIXELS**2:
            raise SynthError(
                f"pixels must be 1..{self.boxes * geometry.BOX_PIXELS**2} for {self.boxes} "
                f"boxes of {geometry.BOX_PIXELS}x{geometry.BOX_PIXELS} pixels, got {self.pixels}"
            )
        bad = [y for y in self.years if y not in SUPPORTED_YEARS]
        if bad or not self.years or len(set(self.years)) != len(self.years):
            raise SynthError(
                f"years must be distinct and within {SUPPORTED_YEARS.start}-"
                f"{SUPPORTED_YEARS.stop - 1} (5-day revisit, no +1000 DN offset), got "
                f"{list(self.years)}"
            )
        if self.chunk_rows < 1:
            raise SynthError(f"chunk_rows must be positive, got {self.chunk_rows}")


@dataclass(frozen=True)
class BoxPixels:
    """The sampled pixels of one box, fixed across years."""

    box: geometry.Box
    index: int
    x: np.ndarray  # float64 [n], EPSG:5070 metres
    y: np.ndarray
    lon: np.ndarray  # float64 [n], degrees
    lat: np.ndarray
    unit: np.ndarray  # int64 [n]: field id; road pixels share the id "number of fields"
    soil: np.ndarray  # float32 [n]: soil brightness factor
    plan: landcover.FieldPlan


def box_pixels(seed: int, index: int, count: int) -> BoxPixels:
    """Fields, management and `count` sampled pixels of box `index`."""
    box = geometry.DELTA_BOXES[index]
    rng = np.random.default_rng([seed, index])
    fields = geometry.field_map(rng)
    plan = landcover.field_plan(rng, fields.num_fields)
    field_soil = np.clip(rng.normal(0.95, 0.32, fields.num_fields + 1), 0.4, 1.8)
    col, row = geometry.sample_grid(rng, count)
    x, y = geometry.pixel_centres(box, col, row)
    lon, lat = albers_inverse(x, y)
    unit = np.where(fields.is_road(col, row), fields.num_fields, fields.field_of(col, row))
    soil = field_soil[unit] * np.clip(rng.normal(1.0, 0.05, count), 0.8, 1.2)
    return BoxPixels(
        box=box,
        index=index,
        x=x,
        y=y,
        lon=lon,
        lat=lat,
        unit=unit,
        soil=soil.astype(np.float32),
        plan=plan,
    )


def _tiles_strings(tokens: np.ndarray, offsets: np.ndarray) -> list[str]:
    """Comma-joined `tokens` [images] (str) for each row; row i owns offsets[i]:offsets[i+1]."""
    counts = np.diff(offsets)
    if not len(tokens):
        return [""] * len(counts)
    names, which = np.unique(tokens, return_inverse=True)
    encoded = [n.encode() + b"," for n in names.tolist()]
    width = max(len(e) for e in encoded)
    table = np.zeros((len(names), width), np.uint8)
    for k, e in enumerate(encoded):
        table[k, : len(e)] = np.frombuffer(e, np.uint8)
    sizes = np.array([len(e) for e in encoded])[which]  # bytes per image, comma included
    joined = table[which][np.arange(width) < sizes[:, None]]
    ends = np.concatenate([[0], np.cumsum(sizes)])[offsets[1:]]  # byte end of each row
    keep = np.ones(len(joined), bool)
    keep[ends[counts > 0] - 1] = False  # the comma after each row's last token
    byte_offsets = np.concatenate([[0], ends - np.cumsum(counts > 0)]).astype(np.int32)
    array = pa.BinaryArray.from_buffers(
        pa.binary(), len(counts), [None, pa.py_buffer(byte_offsets), pa.py_buffer(joined[keep])]
    )
    return array.cast(pa.string()).to_pylist()


def chunk_table(
    pixels: BoxPixels,
    rows: slice,
    year: int,
    scenes: acquisitions.Scenes,
    unit_class: np.ndarray,
    unit_values: np.ndarray,
    seed: int,
    chunk: int,
    codec: str,
) -> pa.Table:
    """The course-layout rows of `pixels[rows]` in `year` (one row per pixel)."""
    rng = np.random.default_rng([seed, pixels.index, year, chunk])
    unit = pixels.unit[rows]
    params = phenology.pixel_parameters(rng, unit_values, unit_class, unit)
    x, y = pixels.x[rows] - pixels.box.left, pixels.y[rows] - pixels.box.bottom
    sky = acquisitions.sky(scenes, x, y)
    seen = acquisitions.covered(pixels.box, scenes, x / pixels.box.size, y / pixels.box.size)
    seen &= ~sky.cloudy[:, scenes.date]
    pixel, image = np.nonzero(seen)  # row-major: each pixel's images in time order
    date = scenes.date[image]
    first, _ = acquisitions.year_days(year)
    doy = scenes.day[image] - first + 1

    fractions = phenology.cover(params[pixel], doy)
    canopy = params[pixel, phenology.NAMES.index("canopy")]
    reflectance = spectra.surface(
        fractions,
        canopy,
        pixels.soil[rows][pixel],
        scenes.wetness[date].astype(np.float32),
        unit_class[unit][pixel],
    )
    haze, shadow = sky.haze[pixel, date], sky.shadow[pixel, date]
    observed = spectra.observe(
        rng,
        reflectance,
        scenes.aerosol[image].astype(np.float32),
        scenes.gain[image].astype(np.float32),
        haze,
        shadow,
    )
    scl = spectra.scene_classification(rng, observed, shadow, haze > acquisitions.CIRRUS_HAZE)

    offsets = np.zeros(len(unit) + 1, np.int64)
    np.cumsum(np.bincount(pixel, minlength=len(unit)), out=offsets[1:])
    series = PixelSeries(
        bands=spectra.to_dn(observed).reshape(-1, NUM_BANDS),
        dates=scenes.day[image],
        scl=scl,
        offsets=offsets,
    )
    names = np.array(landcover.CLASSES, dtype=object)[unit_class[unit]]
    return encode_table(
        lon=pixels.lon[rows],
        lat=pixels.lat[rows],
        cdl=list(names),
        series=series,
        tiles=_tiles_strings(scenes.token[image], offsets),
        codec=codec,
    )


def _pixels_per_box(config: SynthConfig) -> list[int]:
    share, extra = divmod(config.pixels, config.boxes)
    return [share + (i < extra) for i in range(config.boxes)]


def write_box_years(root: str, config: SynthConfig, index: int, count: int, progress) -> int:
    """Write every year of box `index`; returns the number of files written.

    `progress` is a tqdm bar, advanced by the rows written.
    """
    if count == 0:  # fewer pixels than boxes
        return 0
    pixels = box_pixels(config.seed, index, count)
    files = 0
    for year in config.years:
        rng = np.random.default_rng([config.seed, index, year])
        scenes = acquisitions.scenes(pixels.box, index, year, rng)
        road = landcover.CLASSES.index(landcover.ROAD_CLASS)
        unit_class = np.append(pixels.plan.classes(year), road)  # roads: the last unit
        unit_values = phenology.field_parameters(
            rng, unit_class, rng.normal(0.0, phenology.YEAR_SHIFT_SD)
        )
        for chunk, start in enumerate(range(0, count, config.chunk_rows)):
            rows = slice(start, min(start + config.chunk_rows, count))
            table = chunk_table(
                pixels,
                rows,
                year,
                scenes,
                unit_class,
                unit_values,
                config.seed,
                chunk,
                config.codec,
            )
            write_partition(root, pixels.box.bbox, year, table, part=chunk)
            files += 1
            progress.update(table.num_rows)
    return files


def generate(out: str, config: SynthConfig, progress: bool = True, overwrite: bool = False) -> int:
    """Write a course-layout dataset to `out`; returns the number of Parquet files.

    The dataset is built in a hidden sibling directory and moved into place at the end,
    so a failed run leaves nothing at `out`. An existing `out` is an error unless
    `overwrite`.
    """
    from tqdm import tqdm

    out = os.path.abspath(out)
    if os.path.exists(out) and not overwrite:
        raise SynthError(f"{out} already exists; choose another --out or pass --overwrite")
    total = config.pixels * len(config.years)
    files = 0
    with (
        publish(out, folder=True) as staging,
        tqdm(
            total=total, unit=" pixel-years", disable=not progress, file=sys.stderr, unit_scale=True
        ) as bar,
    ):
        for index, count in enumerate(_pixels_per_box(config)):
            files += write_box_years(staging, config, index, count, bar)
    return files

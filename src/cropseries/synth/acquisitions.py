"""When a box is imaged and what the sky does: Sentinel-2A/B dates, tiles, clouds, wetness.

Sentinel-2A and 2B together revisit every 5 days; a pixel inside two overlapping MGRS tiles
is delivered twice on the same day (tile string `<MGRS>_<n>`, n the item's sequence
number, almost always 0). The weather is shared by every pixel of a box on a date: an
overcast date is skipped altogether (the course kept scenes with more than 30 % clear
land), a partly cloudy one loses the pixels under clouds and leaves haze, thin cirrus and
shadows near them. This module does not know about the ground (see `phenology`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cropseries.synth.geometry import Box

#: Days between acquisitions of the Sentinel-2A/B constellation.
REVISIT_DAYS = 5
#: Waves summed into a cloud pattern, and their wavelengths (metres).
WAVES = 4
WAVELENGTH_M = (2500.0, 12000.0)
#: Where a cloud's shadow falls relative to it (metres east, north).
SHADOW_SHIFT_M = (-450.0, 350.0)
#: Width of the hazy fringe around clouds (in cloud-pattern units) and its peak haze.
FRINGE, FRINGE_HAZE = 0.12, 0.9
#: Haze above which Sen2Cor calls a pixel cloud (SCL 8), so Part 1 dropped it.
DROP_HAZE = 0.55
#: Haze above which Sen2Cor flags thin cirrus (fraction of a thick cloud's reflectance).
CIRRUS_HAZE = 0.08


def overcast_chance(doy: np.ndarray) -> np.ndarray:
    """Chance that a date is too cloudy to keep: about 44 % in January, 10 % in July."""
    return 0.27 + 0.17 * np.cos(2 * np.pi * (doy - 15) / 365.25)


@dataclass(frozen=True)
class Scenes:
    """The images of one box and year, in time order (same-day images by tile).

    Per image: `day` (days since 1970-01-01), `date` (index into the per-date arrays),
    `tile` (index into the box's tiles), `token` (its `<MGRS>_<n>` string), residual
    `aerosol` and `gain` (error of its atmospheric correction, about 1). Per kept date:
    `cloud` (cover fraction, 0 when clear), `cirrus` (haze of a cirrus veil, mostly 0),
    `wetness` of the soil in [0, 1] and the cloud pattern `waves` [dates, WAVES, 3] (wave
    vector x, y in radians per metre, phase).
    """

    day: np.ndarray
    date: np.ndarray
    tile: np.ndarray
    token: np.ndarray
    aerosol: np.ndarray
    gain: np.ndarray
    cloud: np.ndarray
    cirrus: np.ndarray
    wetness: np.ndarray
    waves: np.ndarray


def year_days(year: int) -> tuple[int, int]:
    """First and last day of `year` in days since 1970-01-01."""
    first = int(np.datetime64(f"{year}-01-01", "D").astype(np.int64))
    return first, int(np.datetime64(f"{year + 1}-01-01", "D").astype(np.int64)) - 1


def _wetness(rng: np.random.Generator, days: int) -> np.ndarray:
    """Daily soil wetness [days] in [0, 1]: rain now and then, drying within a few days."""
    rain = np.where(rng.random(days) < 0.15, rng.uniform(0.3, 1.0, days), 0.0)
    wet = np.empty(days)
    level = rng.uniform(0, 1)
    for d in range(days):  # 365 steps per box and year, not per pixel
        level = max(level * 0.7, rain[d])
        wet[d] = level
    return wet


def scenes(box: Box, box_index: int, year: int, rng: np.random.Generator) -> Scenes:
    """Draw the images of `box` in `year`; the date phase is fixed per box (its orbit)."""
    first, last = year_days(year)
    phase = (3 * box_index + 1) % REVISIT_DAYS
    all_days = np.arange(first, last + 1)
    days = all_days[(all_days - phase) % REVISIT_DAYS == 0]
    doy = days - first + 1
    kept = rng.random(len(days)) >= overcast_chance(doy)
    days = days[kept]
    dates = len(days)
    cloud = np.where(rng.random(dates) < 0.65, 0.0, rng.uniform(0.02, 0.35, dates))
    cirrus = np.where(rng.random(dates) < 0.1, rng.uniform(0.02, 0.12, dates), 0.0)
    wetness = _wetness(rng, last - first + 1)[days - first]
    length = rng.uniform(*WAVELENGTH_M, (dates, WAVES))
    angle = rng.uniform(0, 2 * np.pi, (dates, WAVES))
    waves = np.stack(
        [
            2 * np.pi / length * np.cos(angle),
            2 * np.pi / length * np.sin(angle),
            rng.uniform(0, 2 * np.pi, (dates, WAVES)),
        ],
        axis=2,
    )
    base_aerosol = rng.lognormal(-0.2, 0.6, dates)

    tiles = len(box.tiles)
    date = np.repeat(np.arange(dates), tiles)
    tile = np.tile(np.arange(tiles), dates)
    sequence = (rng.random(len(date)) < 0.02).astype(int)
    names = np.array([t.tile for t in box.tiles])
    token = np.char.add(np.char.add(names[tile], "_"), sequence.astype(str))
    aerosol = base_aerosol[date] * rng.uniform(0.85, 1.15, len(date))
    gain = rng.normal(1.0, 0.07, dates)[date] * rng.normal(1.0, 0.01, len(date))
    return Scenes(
        day=days[date].astype(np.int32),
        date=date,
        tile=tile,
        token=token,
        aerosol=aerosol,
        gain=gain,
        cloud=cloud,
        cirrus=cirrus,
        wetness=wetness,
        waves=waves,
    )


def covered(box: Box, scenes: Scenes, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """Whether each pixel lies in each image's tile: bool [pixels, images].

    `fx`, `fy` [pixels] are positions as fractions of the box edge (0 west / south).
    """
    rect = np.array([[t.x0, t.x1, t.y0, t.y1] for t in box.tiles])[scenes.tile]
    return (
        (fx[:, None] >= rect[:, 0])
        & (fx[:, None] <= rect[:, 1])
        & (fy[:, None] >= rect[:, 2])
        & (fy[:, None] <= rect[:, 3])
    )


def _pattern(waves: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cloud pattern in (0, 1), roughly uniform: float32 [pixels, dates]."""
    total = np.zeros((len(x), len(waves)), np.float32)
    for k in range(WAVES):
        kx, ky, ph = (waves[:, k, i].astype(np.float32) for i in range(3))
        total += np.cos(x[:, None] * kx + y[:, None] * ky + ph)
    return 1 / (1 + np.exp(-1.7 * total / np.sqrt(WAVES / 2)))


@dataclass(frozen=True)
class Sky:
    """What the sky does to each pixel on each kept date: arrays [pixels, dates]."""

    cloudy: np.ndarray  # bool: under a cloud, so the image is dropped for this pixel
    haze: np.ndarray  # float32: fraction of a thick cloud's reflectance added
    shadow: np.ndarray  # bool: in a cloud's shadow


def sky(scenes: Scenes, x: np.ndarray, y: np.ndarray) -> Sky:
    """Clouds, haze and shadows at pixels `x`, `y` (metres, any origin) on every date."""
    x, y = x.astype(np.float32), y.astype(np.float32)
    cloud = scenes.cloud.astype(np.float32)
    here = _pattern(scenes.waves, x, y)
    fringe = np.clip(1 - (here - cloud) / FRINGE, 0, 1) * (cloud > 0)
    haze = fringe * FRINGE_HAZE
    swapped = scenes.waves[:, :, [1, 0, 2]] * np.array([1.0, 1.0, -1.0])
    veil = _pattern(swapped, x, y)  # a second pattern, independent of the clouds
    haze = haze + scenes.cirrus.astype(np.float32) * veil * 2
    shadow_x, shadow_y = SHADOW_SHIFT_M
    shaded = _pattern(scenes.waves, x - shadow_x, y - shadow_y) < cloud
    cloudy = (here < cloud) | (haze > DROP_HAZE)
    haze = np.where(cloudy, 0, haze)
    return Sky(cloudy=cloudy, haze=haze.astype(np.float32), shadow=shaded & ~cloudy & (haze < 0.1))

"""How each CDL class covers the ground through the year: green, senesced, water, soil.

Every class has a calendar: days of year for emergence, senescence and harvest (two
seasons at most), how green the canopy gets, winter cover, flooding and impervious share,
each with a spread between fields and between pixels of a field. `cover` turns the drawn
parameters and a day of year into the fractions of six surface materials that `spectra`
mixes. Dates follow Delta practice (MSU / UA extension planting windows); this module does
not know about reflectance or clouds.
"""

from __future__ import annotations

import numpy as np

from cropseries.synth.landcover import CLASSES

# The parameter tables stay as written: one calendar entry per line reads best aligned.
# fmt: off
#: Parameters of a calendar and their defaults: days of year (d), rates in days (r) or
#: fractions of a pixel (f). "Never" is a day far outside the year.
PARAMS: dict[str, tuple[str, float]] = {
    "up": ("d", 999), "up_rate": ("r", 7), "peak": ("f", 0), "down": ("d", 999),
    "down_rate": ("r", 7), "harvest": ("d", 999), "residue": ("f", 0.2),
    "up2": ("d", 999), "up2_rate": ("r", 7), "peak2": ("f", 0), "down2": ("d", 999),
    "down2_rate": ("r", 7), "harvest2": ("d", 999), "residue2": ("f", 0.2),
    "winter_green": ("f", 0.03), "burndown": ("d", 999), "winter_brown": ("f", 0.25),
    "fall_up": ("d", 999), "fall_green": ("f", 0), "frost": ("d", 999),
    "flood_start": ("d", 999), "flood_end": ("d", -999), "flood": ("f", 0),
    "winter_flood_end": ("d", -999), "winter_flood": ("f", 0),
    "impervious": ("f", 0), "canopy": ("c", 1.0), "lint": ("f", 0), "burn": ("f", 0),
}
NAMES = tuple(PARAMS)
#: Default spread (between fields, between pixels of a field) by parameter kind.
SPREAD = {"d": (6.0, 1.5), "r": (1.0, 0.3), "f": (0.05, 0.03), "c": (0.12, 0.06)}
#: Parameters drawn as "flooded or not" per field: the calendar gives the chance, the
#: value when flooded is fixed here.
BERNOULLI = {"winter_flood": 0.85, "burn": 1.0}
#: Day parameters moved by the year's weather (a wet spring delays planting and harvest).
WEATHER_SHIFTED = ("up", "down", "harvest", "up2", "down2", "harvest2", "flood_start", "flood_end",
                   "fall_up", "burndown")
#: Day parameters of a field's season, moved together by its planting date: a field planted
#: late is burned down, emerges, floods, matures, is harvested and regrows late (the frost
#: is the weather's, not the field's).
SEASON_DATES = ("burndown", "up", "down", "harvest", "up2", "down2", "harvest2", "flood_start",
                "flood_end", "fall_up")
#: Standard deviation (days) of a field's planting date around its crop's calendar, on top
#: of each date's own field spread: the statewide span from 10 % to 90 % planted in the
#: NASS Mississippi Crop Progress five-year averages (2007-2011; corn at least 5 weeks,
#: cotton 38 days, rice 40, soybeans 51) is 2.56 standard deviations of a normal spread, of
#: which the calendar's own emergence spread (7-9 days) is a part; winter wheat from its
#: harvest span (22 days). docs/generated-data.md cites each figure.
PLANTING_SD = {"Corn": 13.0, "Cotton": 13.0, "Rice": 13.9, "Soybeans": 17.7,
               "Winter Wheat": 6.2, "Dbl Crop WinWht/Soybeans": 6.2}
#: Standard deviation (days) of a year's shift of every date of a box: early and late years
#: move the statewide 50 % planting and harvest dates by one to two weeks (2012: rice and
#: cotton planted 11-13 days early; 2019: Arkansas rice 3-4 weeks late).
YEAR_SHIFT_SD = 9.0

#: Winter annual weeds in crop fields, killed by the herbicide burndown before planting.
_WINTER_WEEDS = {"winter_green": (0.1, 0.08, 0.04), "burndown": (95, 8, 0)}
_WHEAT = {"winter_green": 0.35, "winter_brown": 0.15, "up": 68, "up_rate": 9, "peak": 0.88,
          "down": 128, "down_rate": 6, "harvest": 156, "residue": 0.45, "burn": 0.25}

#: Calendars: a value is a mean (default spread) or (mean, field spread, pixel spread).
CALENDARS: dict[str, dict[str, float | tuple[float, float, float]]] = {
    # Corn: planted late March to mid April, tassels in June, dries down in the field in
    # August, harvested late August to mid September; heavy stalk residue.
    "Corn": {**_WINTER_WEEDS, "burndown": (78, 6, 0), "up": (122, 7, 1.5), "up_rate": 8,
             "peak": (0.93, 0.04, 0.03), "down": 215, "down_rate": 8, "harvest": 240,
             "residue": 0.45, "winter_brown": 0.3,
             "fall_up": 265, "fall_green": (0.25, 0.12, 0.05), "frost": 330},
    # Soybeans (early production system): planted mid April to May, peak in late July,
    # leaves drop in September, harvested late September to October.
    "Soybeans": {**_WINTER_WEEDS, "up": (148, 9, 1.5), "up_rate": 7, "peak": (0.95, 0.03, 0.02),
                 "down": 248, "down_rate": 6, "harvest": 271, "residue": 0.15, "fall_up": 300,
                 "fall_green": (0.15, 0.08, 0.04), "frost": 330},
    # Rice: drill-seeded in April, permanent flood at the 4-5 leaf stage (late May) while the
    # canopy is still sparse, drained two weeks before the September harvest; many fields
    # are flooded again in winter for waterfowl.
    "Rice": {**_WINTER_WEEDS, "fall_up": 282, "fall_green": (0.25, 0.12, 0.05), "frost": 328,
             "up": (170, 7, 1.5), "up_rate": 8, "peak": (0.94, 0.03, 0.02), "down": 245,
             "down_rate": 6, "harvest": 258, "residue": 0.5, "flood_start": 146,
             "flood_end": 230, "flood": (0.95, 0.03, 0.02), "winter_flood": 0.35, "burn": 0.2,
             "winter_flood_end": 50},
    # Cotton: planted late April to mid May, slow canopy closure, defoliated mid September
    # (white open bolls), picked late September to October.
    "Cotton": {**_WINTER_WEEDS, "fall_up": 305, "fall_green": (0.12, 0.06, 0.03), "frost": 330,
               "up": (170, 7, 1.5), "up_rate": 9, "peak": (0.88, 0.05, 0.03), "down": 250,
               "down_rate": 4, "harvest": 285, "residue": 0.2, "lint": (0.35, 0.08, 0.03)},
    "Peanuts": {**_WINTER_WEEDS, "fall_up": 295, "fall_green": (0.15, 0.08, 0.04), "frost": 330,
                "up": (168, 6, 1.5), "up_rate": 8, "peak": (0.88, 0.05, 0.03), "down": 258,
                "down_rate": 6, "harvest": 272, "residue": 0.15},
    # Winter wheat: tillered and green through winter, heads in April, harvested early
    # June; weeds follow, and the next crop is seeded in the fall.
    "Winter Wheat": {**_WHEAT, "up2": 205, "peak2": (0.35, 0.12, 0.05), "down2": 285,
                     "down2_rate": 12, "fall_up": 318, "fall_green": 0.2},
    # Wheat, then soybeans drilled into the stubble right after the June harvest.
    "Dbl Crop WinWht/Soybeans": {**_WHEAT, "up2": (198, 6, 1.5), "up2_rate": 6,
                                 "peak2": (0.88, 0.05, 0.03), "down2": 283, "down2_rate": 6,
                                 "harvest2": 305, "residue2": 0.15},
    # Idle fields: weeds green up in spring, patchy, brown by late fall; never harvested.
    "Fallow/Idle Cropland": {"winter_brown": 0.35, "winter_green": 0.08, "up": (125, 12, 3),
                             "up_rate": 12, "peak": (0.65, 0.15, 0.06), "down": 285,
                             "down_rate": 14},
    # Hay: greens up in March, first cutting late May, regrowth, dormant in winter.
    "Other Hay/Non Alfalfa": {"winter_brown": 0.5, "winter_green": 0.25, "up": 85,
                              "up_rate": 10, "peak": 0.85, "down": 148, "down_rate": 2,
                              "harvest": 151, "residue": 0.35, "up2": 172, "up2_rate": 8,
                              "peak2": 0.7, "down2": 298, "down2_rate": 12},
    "Grass/Pasture": {"winter_brown": 0.55, "winter_green": 0.2, "up": 88, "up_rate": 12,
                      "peak": (0.75, 0.08, 0.05), "down": 295, "down_rate": 15},
    # Bottomland hardwoods and cypress: leaf-out in early April, leaf fall in November,
    # a darker canopy than crops, standing water in winter in about half the stands.
    "Woody Wetlands": {"winter_brown": 0.75, "winter_green": 0.05, "up": 100, "up_rate": 7,
                       "peak": (0.88, 0.04, 0.03), "down": 308, "down_rate": 8,
                       "canopy": (0.8, 0.05, 0.03), "winter_flood": 0.5,
                       "winter_flood_end": 105},
    # Ponds (catfish and others): water all year, a little algae in summer.
    "Open Water": {"winter_brown": 0, "winter_green": 0, "up": 150, "peak": (0.05, 0.03, 0.01),
                   "down": 260, "flood_start": -999, "flood_end": 999, "flood": 1.0},
    "Developed/Open Space": {"impervious": (0.3, 0.1, 0.08), "winter_brown": 0.35,
                             "winter_green": 0.25, "up": 88, "up_rate": 12, "peak": 0.62,
                             "down": 300, "down_rate": 15},
    "Developed/Low Intensity": {"impervious": (0.55, 0.1, 0.08), "winter_brown": 0.3,
                                "winter_green": 0.2, "up": 92, "up_rate": 12, "peak": 0.5,
                                "down": 300, "down_rate": 15},
    # Pixels the CDL left unclassified: a mix of grass, trees and bare ground.
    "Background": {"impervious": (0.1, 0.08, 0.05), "winter_brown": 0.4, "winter_green": 0.15,
                   "up": 95, "up_rate": 12, "peak": (0.5, 0.15, 0.08), "down": 290,
                   "down_rate": 15},
}


# fmt: on


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MEAN, FIELD_SD, PIXEL_SD: float64 [classes, params]."""
    shape = (len(CLASSES), len(NAMES))
    mean, field_sd, pixel_sd = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for c, name in enumerate(CLASSES):
        calendar = CALENDARS[name]
        for p, param in enumerate(NAMES):
            kind, default = PARAMS[param]
            spec = calendar.get(param, default)
            if isinstance(spec, tuple):
                mean[c, p], field_sd[c, p], pixel_sd[c, p] = spec
            else:
                mean[c, p] = spec
                if (param in calendar or kind == "c") and param not in BERNOULLI:
                    field_sd[c, p], pixel_sd[c, p] = SPREAD[kind]
    return mean, field_sd, pixel_sd


MEAN, FIELD_SD, PIXEL_SD = _tables()
_FRACTIONS = np.array([PARAMS[p][0] == "f" for p in NAMES])
_RATES = np.array([PARAMS[p][0] == "r" for p in NAMES])
_SCALES = np.array([PARAMS[p][0] == "c" for p in NAMES])
_SHIFTED = np.isin(NAMES, WEATHER_SHIFTED)
_SEASON = np.isin(NAMES, SEASON_DATES)
_PLANTING_SD = np.array([PLANTING_SD.get(name, 0.0) for name in CLASSES])


def field_parameters(
    rng: np.random.Generator, field_class: np.ndarray, shift_days: float
) -> np.ndarray:
    """Calendar parameters of every field for one year: float64 [fields, len(NAMES)].

    `field_class` [fields] is each field's class id this year; `shift_days` moves the
    weather-dependent dates of every field of the box.
    """
    mean = MEAN[field_class]
    values = mean + FIELD_SD[field_class] * rng.standard_normal(mean.shape)
    values += np.where(_SHIFTED & (np.abs(mean) < 900), shift_days, 0.0)
    planting = _PLANTING_SD[field_class] * rng.standard_normal(len(field_class))
    values += np.where(_SEASON & (np.abs(mean) < 900), planting[:, None], 0.0)
    draws = rng.random((len(field_class), len(BERNOULLI)))
    for k, (param, flooded) in enumerate(BERNOULLI.items()):
        p = NAMES.index(param)
        values[:, p] = np.where(draws[:, k] < mean[:, p], flooded, 0.0)
    return values


def pixel_parameters(
    rng: np.random.Generator,
    field_values: np.ndarray,
    field_class: np.ndarray,
    pixel_field: np.ndarray,
) -> np.ndarray:
    """Parameters of pixels [pixels, len(NAMES)] float32: their field's plus pixel spread.

    `pixel_field` [pixels] is each pixel's field (a row of `field_values` / `field_class`).
    """
    cls = field_class[pixel_field]
    values = field_values[pixel_field] + PIXEL_SD[cls] * rng.standard_normal(
        (len(pixel_field), len(NAMES))
    )
    values[:, _FRACTIONS] = np.clip(values[:, _FRACTIONS], 0.0, 1.0)
    values[:, _RATES] = np.maximum(values[:, _RATES], 1.0)
    values[:, _SCALES] = np.clip(values[:, _SCALES], 0.5, 1.5)
    return values.astype(np.float32)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * z)


#: The surface materials of `cover`, in column order.
MATERIALS = ("green", "brown", "lint", "char", "water", "soil", "impervious")


def cover(params: np.ndarray, doy: np.ndarray) -> np.ndarray:
    """Fractions of each material in `MATERIALS`: float32 [n, 7], rows summing to 1.

    `params` [n, len(NAMES)] are the calendar parameters of each observation's pixel,
    `doy` [n] its day of year (1 = January 1st).
    """
    p = {name: params[:, i] for i, name in enumerate(NAMES)}
    t = doy.astype(np.float32)

    def season(up, up_rate, peak, down, down_rate, harvest, residue):
        on = _sigmoid((t - up) / up_rate)
        off = _sigmoid((t - down) / down_rate)
        cut = _sigmoid((t - harvest) / 2.0)
        green = peak * on * (1 - off)
        standing = peak * on * off * (1 - cut)
        return on, green, standing, residue * cut, cut

    on1, green1, standing1, residue1, cut1 = season(
        p["up"], p["up_rate"], p["peak"], p["down"], p["down_rate"], p["harvest"], p["residue"]
    )
    on2, green2, standing2, residue2, _ = season(
        p["up2"],
        p["up2_rate"],
        p["peak2"],
        p["down2"],
        p["down2_rate"],
        p["harvest2"],
        p["residue2"],
    )
    before = 1 - on1
    green = green1 + green2 + p["winter_green"] * before * (1 - _sigmoid((t - p["burndown"]) / 4.0))
    green += (
        p["fall_green"]
        * _sigmoid((t - p["fall_up"]) / 8.0)
        * (1 - _sigmoid((t - p["frost"]) / 6.0))
    )
    green = np.clip(green, 0, 1)
    standing = np.minimum(standing1 + standing2, 1 - green)
    ground = 1 - green - standing
    flood = p["flood"] * _sigmoid((t - p["flood_start"]) / 3.0) * (
        1 - _sigmoid((t - p["flood_end"]) / 3.0)
    ) + p["winter_flood"] * (1 - _sigmoid((t - p["winter_flood_end"]) / 5.0))
    water = ground * np.clip(flood, 0, 1)
    litter = np.clip(residue1 * (1 - on2) + residue2 + p["winter_brown"] * before, 0, 1)
    residue = (ground - water) * litter
    soil = ground - water - residue
    # Burned stubble: charred within two weeks of harvest, washed out over about two months.
    since = t - p["harvest"]
    char = (
        residue
        * p["burn"]
        * cut1
        * _sigmoid((since - 12) / 2.0)
        * np.exp(-np.clip(since - 12, 0, None) / 60.0)
    )
    lint = standing * p["lint"]
    natural = np.stack([green, standing - lint + residue - char, lint, char, water, soil], axis=1)
    imp = p["impervious"][:, None]
    return np.concatenate([natural * (1 - imp), imp], axis=1).astype(np.float32)

"""Surface reflectance of the 12 stored bands from material fractions, the sky, and SCL.

Reflectance is a linear mix of material spectra (green canopy, its shape per crop, senesced
canopy and residue, open cotton bolls, turbid water, soil darkened by wetness, pavement), plus what
atmospheric correction leaves behind (aerosol, haze near clouds, cloud shadow) and sensor
noise. The SCL value of each observation is then derived from its own spectrum with
Sen2Cor-like rules, so SCL 4 means a green canopy, 6 water, 5 bare ground. Fractions come
from `phenology`, the sky from `acquisitions`.
"""

from __future__ import annotations

import numpy as np

from cropseries.layout import BANDS
from cropseries.synth.landcover import CLASSES

# Band centres, nm:  443   490   560   665   705   740   783   842   865   945  1610  2190
#: Material spectra (surface reflectance) in `phenology.MATERIALS` order, bands as `BANDS`.
ENDMEMBERS = np.array(
    [
        [0.02, 0.03, 0.065, 0.03, 0.09, 0.35, 0.45, 0.49, 0.51, 0.53, 0.18, 0.075],  # green
        [0.055, 0.075, 0.11, 0.155, 0.20, 0.225, 0.24, 0.255, 0.27, 0.29, 0.39, 0.32],  # brown
        [0.30, 0.35, 0.40, 0.43, 0.45, 0.47, 0.49, 0.50, 0.51, 0.50, 0.45, 0.35],  # lint
        [0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.065, 0.07, 0.075, 0.09, 0.08],  # char
        [0.06, 0.07, 0.09, 0.08, 0.065, 0.04, 0.03, 0.028, 0.022, 0.015, 0.008, 0.005],  # water
        [0.055, 0.08, 0.115, 0.15, 0.185, 0.205, 0.215, 0.22, 0.235, 0.25, 0.35, 0.31],  # dry soil
        [0.11, 0.12, 0.14, 0.16, 0.17, 0.18, 0.19, 0.20, 0.21, 0.21, 0.24, 0.22],  # pavement
    ],
    np.float32,
)
GREEN, SOIL = 0, 5
#: How a crop's green canopy departs from the common one, as per-band factors, at the same
#: red and NIR (so at the same NDVI). Directions from published Sentinel-2 and Landsat
#: studies, sizes ours (docs/generated-data.md): cotton's red edge is brighter at peak
#: greenness (B5 x B6 "much larger" than other crops', Xun et al. 2021); corn and soybeans,
#: confused in the visible and NIR, separate in the SWIR through the season (Ungar and Goward
#: 1983; C4 corn leaves brighter there than soybeans'). The double crop's summer canopy is
#: soybeans.
LEAF_SHAPES: dict[str, dict[str, float]] = {
    "Cotton": {"B05": 1.30, "B06": 1.12},
    "Corn": {"B11": 1.12, "B12": 1.18},
    "Soybeans": {"B11": 0.92, "B12": 0.90},
    "Dbl Crop WinWht/Soybeans": {"B11": 0.92, "B12": 0.90},
}


def _leaf_table() -> np.ndarray:
    """float32 [classes, 12]: each class's green-canopy factors (1 where not given)."""
    table = np.ones((len(CLASSES), len(BANDS)), np.float32)
    for name, factors in LEAF_SHAPES.items():
        for band, factor in factors.items():
            table[CLASSES.index(name), BANDS.index(band)] = factor
    return table


LEAF_TABLE = _leaf_table()
#: The endmembers mixed as they are (not the green canopy, shaped per class, nor the soil).
_PLAIN = [m for m in range(len(ENDMEMBERS)) if m not in (GREEN, SOIL)]
#: Relative darkening of fully wet soil per band (water absorbs most in the SWIR).
WET_DARKENING = np.array(
    [0.35, 0.35, 0.38, 0.40, 0.40, 0.40, 0.40, 0.40, 0.40, 0.42, 0.55, 0.6], np.float32
)
#: Path reflectance left by atmospheric correction per unit of residual aerosol.
AEROSOL = np.array(
    [0.012, 0.009, 0.005, 0.003, 0.002, 0.002, 0.0015, 0.0015, 0.0015, 0.002, 0.0005, 0.0002],
    np.float32,
)
#: Reflectance of optically thick cloud; haze adds a fraction of it.
CLOUD = np.array(
    [0.65, 0.65, 0.65, 0.65, 0.65, 0.66, 0.67, 0.67, 0.67, 0.60, 0.50, 0.38], np.float32
)
assert ENDMEMBERS.shape[1] == len(BANDS)

_B03, _B04, _B08, _B11 = (BANDS.index(b) for b in ("B03", "B04", "B08", "B11"))


def surface(
    fractions: np.ndarray,
    canopy: np.ndarray,
    soil_brightness: np.ndarray,
    wetness: np.ndarray,
    land_class: np.ndarray,
) -> np.ndarray:
    """Surface reflectance float32 [n, 12] of material `fractions` [n, 7].

    `canopy` [n] scales the green canopy's spectrum (leaf area, forest shade) and
    `land_class` [n] (indices of `CLASSES`) shapes it (`LEAF_SHAPES`); `soil_brightness` [n]
    scales the soil's, `wetness` [n] in [0, 1] darkens the soil.
    """
    green = (fractions[:, GREEN] * canopy)[:, None] * (ENDMEMBERS[GREEN] * LEAF_TABLE[land_class])
    soil = (fractions[:, SOIL] * soil_brightness)[:, None] * (
        ENDMEMBERS[SOIL] * (1 - wetness[:, None] * WET_DARKENING)
    )
    return green + fractions[:, _PLAIN] @ ENDMEMBERS[_PLAIN] + soil


def observe(
    rng: np.random.Generator,
    reflectance: np.ndarray,
    aerosol: np.ndarray,
    gain: np.ndarray,
    haze: np.ndarray,
    shadow: np.ndarray,
) -> np.ndarray:
    """Top-of-canopy reflectance as Sentinel-2 L2A reports it: float32 [n, 12].

    Adds residual `aerosol` [n], scales by the image's correction error `gain` [n] (about
    1), adds `haze` [n] (fraction of a thick cloud's reflectance), dims pixels in cloud
    `shadow` [n] (bool) to diffuse light, and adds sensor noise.
    """
    seen = (reflectance + aerosol[:, None] * AEROSOL) * gain[:, None] + haze[:, None] * CLOUD
    dim = rng.uniform(0.3, 0.55, len(seen)).astype(np.float32)
    seen = np.where(shadow[:, None], seen * dim[:, None], seen)
    noise = rng.standard_normal(seen.shape, dtype=np.float32)
    return seen * (1 + 0.02 * noise) + 0.002 * rng.standard_normal(seen.shape, dtype=np.float32)


def scene_classification(
    rng: np.random.Generator, reflectance: np.ndarray, shadow: np.ndarray, cirrus: np.ndarray
) -> np.ndarray:
    """SCL uint8 [n] of observed reflectance [n, 12], only values Part 1 stored.

    Shadow gives 3, thin cirrus 10; otherwise water-like spectra (dark in the NIR and SWIR,
    including flooded fields under a sparse canopy) give 6, green ones 4, very dark ones 2,
    the rest 5. About 2 % are misclassified to a neighbouring class, as
    Sen2Cor does.
    """
    red, green, nir, swir = (reflectance[:, b] for b in (_B04, _B03, _B08, _B11))
    ndvi = (nir - red) / np.maximum(nir + red, 1e-4)
    ndwi = (green - nir) / np.maximum(green + nir, 1e-4)
    scl = np.full(len(reflectance), 5, np.uint8)
    scl[ndvi > 0.4] = 4
    scl[(nir < 0.12) & (swir < 0.14) & (ndvi <= 0.4)] = 2
    scl[((ndwi > 0.05) & (nir < 0.12)) | ((swir < 0.08) & (nir < 0.15) & (ndvi < 0.35))] = 6
    wrong = rng.random(len(scl)) < 0.02
    confused = np.array([0, 0, 6, 3, 5, 4, 2, 0, 0, 0, 10, 0], np.uint8)
    scl = np.where(wrong, confused[scl], scl)
    scl[cirrus] = 10
    scl[shadow] = 3
    return scl


def to_dn(reflectance: np.ndarray) -> np.ndarray:
    """L2A digital numbers, int32 [n, 12]: reflectance x 10000, at least 1 (0 is no data)."""
    return np.clip(np.rint(reflectance * 10000), 1, 65535).astype(np.int32)

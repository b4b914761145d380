"""Spectral indices of Sentinel-2 images, from their 12 band values (DN), in one home.

02_stats computes each index's mean and std over the train split with this module, and the
loader appends the indices a user asks for to x after the bands, normalized with them, so
both compute the same float64 values. An index is undefined (NaN) where one of its bands is
0 (no data), and 0 where its denominator is 0; `values` says which is which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cropseries.errors import ConfigError
from cropseries.layout import BANDS

#: DN per unit of surface reflectance (Sentinel-2 L2A, as the course's data); EVI's constants
#: are in reflectance.
REFLECTANCE_SCALE = 10_000.0


@dataclass(frozen=True)
class Index:
    """A spectral index: its `bands` (names of `layout.BANDS`) and a formula of their
    float64 DN giving (numerator, denominator)."""

    name: str
    bands: tuple[str, ...]
    formula: Callable[..., tuple[np.ndarray, np.ndarray]]
    description: str


def _difference(a, b):
    return a - b, a + b


def _evi(nir, red, blue):
    """EVI's constants are in reflectance: its 1 is 10,000 DN (ratios of differences need no
    scaling, which keeps them exact on whole DN)."""
    return 2.5 * (nir - red), nir + 6.0 * red - 7.5 * blue + REFLECTANCE_SCALE


def _ndvi100(nir, red):
    """The course's NDVI feature (`loader.bucketing.ndvi`): `values` truncates 100 NDVI to a
    whole percent, which float64 does exactly on whole DN."""
    return 100.0 * (nir - red), nir + red


#: Every index the loader can append, in their documented order.
INDICES: dict[str, Index] = {
    index.name: index
    for index in (
        Index("ndvi", ("B08", "B04"), _difference, "(B08 - B04) / (B08 + B04)"),
        Index(
            "evi",
            ("B08", "B04", "B02"),
            _evi,
            "2.5 (B08 - B04) / (B08 + 6 B04 - 7.5 B02 + 1), on reflectance (DN / 10,000), "
            "clipped to [-1, 1]",
        ),
        Index("ndwi", ("B03", "B08"), _difference, "(B03 - B08) / (B03 + B08) (McFeeters)"),
        Index("ndmi", ("B08", "B11"), _difference, "(B08 - B11) / (B08 + B11)"),
        Index("ndre", ("B08", "B05"), _difference, "(B08 - B05) / (B08 + B05)"),
        Index(
            "ndvi100",
            ("B08", "B04"),
            _ndvi100,
            "the course's NDVI x 100: clip(trunc(100 NDVI), -100, 100)",
        ),
    )
}


def check_indices(names: tuple[str, ...]) -> None:
    """Known index names, each once; ConfigError otherwise."""
    unknown = [n for n in names if n not in INDICES]
    if unknown:
        raise ConfigError(f"indices {unknown}: choose from {', '.join(INDICES)}", value=unknown)
    if len(set(names)) != len(names):
        raise ConfigError(f"indices {list(names)}: an index is named twice", value=names)


def values(bands: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """float64 [n, len(names)]: each index of each image of `bands` [n, 12] (DN, any
    integer dtype); NaN where one of its bands is 0, 0 where its denominator is 0."""
    out = np.empty((len(bands), len(names)), np.float64)
    dn = bands.astype(np.float64)  # once: each index reads columns of it
    for column, name in enumerate(names):
        index = INDICES[name]
        inputs = [dn[:, BANDS.index(b)] for b in index.bands]
        numerator, denominator = index.formula(*inputs)
        quotient = np.divide(
            numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0
        )
        if name == "ndvi100":
            quotient = np.trunc(quotient).clip(-100, 100)
        elif name == "evi":  # its denominator nears 0 over bright cloud or snow: outliers
            quotient = quotient.clip(-1.0, 1.0)
        missing = np.logical_or.reduce([v == 0 for v in inputs])
        out[:, column] = np.where(missing, np.nan, quotient)
    return out


def validity(valid_bands: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """bool [n, len(names)]: an index counts where every one of its bands does
    (`valid_bands` [n, 12], e.g. `moments.valid_observations`)."""
    columns = [
        valid_bands[:, [BANDS.index(b) for b in INDICES[n].bands]].all(axis=1) for n in names
    ]
    return np.stack(columns, axis=1) if columns else np.zeros((len(valid_bands), 0), bool)

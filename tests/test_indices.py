"""Spectral indices against their formulas, written out per pixel, on random band values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.indices import INDICES, validity, values
from cropseries.layout import BANDS
from cropseries.loader.bucketing import ndvi


def band(pixel, name):
    return float(pixel[BANDS.index(name)])


def reference(pixel, name):
    """One index of one pixel (12 DN), plainly: NaN if a band is 0, 0 if the denominator is."""
    b02, b03, b04, b05, b08, b11 = (
        band(pixel, n) for n in ("B02", "B03", "B04", "B05", "B08", "B11")
    )
    pairs = {
        "ndvi": (b08 - b04, b08 + b04),
        "ndwi": (b03 - b08, b03 + b08),
        "ndmi": (b08 - b11, b08 + b11),
        "ndre": (b08 - b05, b08 + b05),
        "ndvi100": (100 * (b08 - b04), b08 + b04),
        # reflectance = DN / 10,000: 2.5 (N - R) / (N + 6 R - 7.5 B + 1)
        "evi": (2.5 * (b08 - b04) / 1e4, (b08 + 6 * b04 - 7.5 * b02) / 1e4 + 1),
    }
    if any(band(pixel, b) == 0 for b in INDICES[name].bands):
        return np.nan
    top, bottom = pairs[name]
    quotient = 0.0 if bottom == 0 else top / bottom
    if name == "evi":
        return min(max(quotient, -1.0), 1.0)
    return float(np.clip(np.trunc(quotient), -100, 100)) if name == "ndvi100" else quotient


pixels = st.lists(
    st.lists(
        st.one_of(st.just(0), st.integers(0, 3), st.integers(0, 20000)), min_size=12, max_size=12
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(pixels=pixels)
def test_every_index_equals_its_formula_with_no_data_and_zero_denominators(pixels):
    bands = np.array(pixels, np.uint16)
    names = tuple(INDICES)
    got = values(bands, names)
    for i, pixel in enumerate(pixels):
        for j, name in enumerate(names):
            expected = reference(pixel, name)
            if np.isnan(expected):
                assert np.isnan(got[i, j]), (name, pixel)
            else:
                np.testing.assert_allclose(got[i, j], expected, rtol=1e-12, atol=1e-12)
    # The course's NDVI feature is exactly the kernel's NDVI channel where its bands hold data.
    course = ndvi(bands.astype(np.int64))
    defined = ~np.isnan(got[:, names.index("ndvi100")])
    np.testing.assert_array_equal(got[defined, names.index("ndvi100")], course[defined])
    np.testing.assert_array_equal(validity(bands != 0, names), ~np.isnan(got))


def test_a_zero_denominator_gives_zero_and_a_missing_band_nan():
    pixel = np.full((1, 12), 700, np.uint16)
    pixel[0, [BANDS.index("B08"), BANDS.index("B04"), BANDS.index("B02")]] = 1100, 400, 1800
    # EVI's denominator in DN: 1100 + 6 * 400 - 7.5 * 1800 + 10,000 = 0, its numerator is not
    assert values(pixel, ("evi",))[0, 0] == 0.0
    assert values(pixel, ("ndvi",))[0, 0] == (1100 - 400) / (1100 + 400)
    pixel[0, BANDS.index("B11")] = 0  # no data: NDMI is undefined, the others are not
    got = dict(zip(INDICES, values(pixel, tuple(INDICES))[0], strict=True))
    assert np.isnan(got["ndmi"]) and not np.isnan([got[n] for n in INDICES if n != "ndmi"]).any()

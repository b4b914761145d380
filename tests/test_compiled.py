"""The compiled kernel's normalization is numpy's float32 arithmetic, bit for bit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.loader.compiled import native, normalize_into

#: Every DN a uint16 band can hold, as one image per value of band 0.
EVERY_DN = np.arange(2**16, dtype=np.uint16)

positive_float32 = st.floats(2**-10, 2**17, width=32)


@settings(max_examples=60, deadline=None)
@given(mean=st.floats(-(2**14), 2**17, width=32), std=positive_float32, big_endian=st.booleans())
def test_normalization_equals_numpys_float32_division_for_every_dn(mean, std, big_endian):
    bands = np.zeros((len(EVERY_DN), 12), ">u2" if big_endian else "<u2")
    bands[:, 3] = EVERY_DN
    view, swapped = native(bands)
    means, stds = np.full(12, mean, np.float32), np.full(12, std, np.float32)
    fill = np.full(12, -7.5, np.float32)
    out = np.empty((len(EVERY_DN), 1), np.float32)
    images = np.arange(len(EVERY_DN), dtype=np.int64)
    normalize_into(view, swapped, images, images, means, stds, fill, np.array([3]), out)
    dn = EVERY_DN.astype(np.float32)
    expected = np.where(EVERY_DN == 0, fill[3], (dn - means[3]) / stds[3])
    np.testing.assert_array_equal(out[:, 0].view(np.uint32), expected.view(np.uint32))

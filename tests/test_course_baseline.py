"""The benchmark's restatement of the course pipeline computes the reference's examples.

This keeps bench/loader.py honest: its baseline does the same work as the loader.
"""

from __future__ import annotations

import numpy as np
from course_pipeline import make_parse
from fixture_data import course_rows
from loader_reference import reference_example, reference_label

from cropseries.codecs import decode_series
from cropseries.legend import course_legend
from cropseries.loader.normalization import COURSE_NORMALIZATION


def test_course_parse_matches_the_reference_at_pinned_start_days():
    legend, norm = course_legend(), COURSE_NORMALIZATION
    table = course_rows(12, 2021, seed=8, images=(0, 70))
    series = decode_series(table)
    labels = [legend.label_of(n.decode()) for n in table.column("CDL").to_pylist()]
    for start in (0, 45, 200):
        parse = make_parse(norm.mean, norm.std, legend, start_day=start, subsample=False)
        for i in range(table.num_rows):
            x, y, raw = parse(
                table.column("bands")[i].as_py(),
                table.column("img_dates")[i].as_py(),
                table.column("scl_vals")[i].as_py(),
                np.int32(labels[i]),
            )
            lo, hi = series.offsets[i], series.offsets[i + 1]
            want, _, vegetated = reference_example(
                series.dates[lo:hi], series.bands[lo:hi], series.scl[lo:hi], start
            )
            np.testing.assert_array_equal(raw.numpy(), want, err_msg=f"row {i}, start {start}")
            bands = want[:, :12].astype(np.float32)
            expected_x = np.where(bands == 0, 0, (bands - norm.mean) / norm.std)
            np.testing.assert_allclose(x.numpy(), expected_x, rtol=1e-6)
            label = reference_label(labels[i], vegetated, legend.rest_index, legend.no_crop_index)
            assert int(np.argmax(y.numpy())) == label

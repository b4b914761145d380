"""Class counts per split, the legend check and class weights."""

import numpy as np
import pytest

from cropseries.cdl import name_to_code
from cropseries.legend import course_legend, load_legend
from cropseries.stats.classes import class_counts, class_weights
from cropseries.stats.errors import StatsError

CORN, RICE, FALLOW = (name_to_code()[n] for n in ("Corn", "Rice", "Fallow/Idle Cropland"))


def test_balanced_weights_average_one_per_train_row():
    counts = np.array([50, 25, 0, 25, 0, 0, 0])
    weights = class_weights(counts, no_crop_index=2)
    np.testing.assert_allclose(weights, [100 / 150, 100 / 75, 1.0, 100 / 75, 0, 0, 0])
    present = counts > 0
    assert (counts[present] * weights[present]).sum() / counts.sum() == pytest.approx(1.0)


def test_no_crop_class_counted_in_the_data_is_weighted_like_any_other():
    weights = class_weights(np.array([10, 0, 10, 0]), no_crop_index=2)
    np.testing.assert_allclose(weights, [1.0, 0.0, 1.0, 0.0])


def test_counts_are_summed_per_split_and_label():
    legend = course_legend()
    rows = [("train", CORN, 5, 7), ("train", FALLOW, 0, 3), ("val", RICE, 4, 2), ("train", 0, 0, 1)]
    counts = class_counts(rows, legend, "DIR")
    assert counts["train"].tolist() == [4, 0, 0, 0, 0, 7, 0]
    assert counts["val"].tolist() == [0, 0, 0, 0, 2, 0, 0]


def test_labels_of_another_legend_are_refused_with_the_fitting_one_named():
    slides = load_legend("slides")
    corn = int(slides.code_to_label()[CORN])
    with pytest.raises(
        StatsError,
        match=r"cdl_code 1 have label 3 .*legend 'course'.*fits "
        r"legend 'slides'",
    ):
        class_counts([("train", CORN, corn, 9)], course_legend(), "DIR")


def test_a_label_outside_the_legend_is_refused():
    with pytest.raises(StatsError, match="DIR: split=test: 2 rows have label 9, outside 0..6"):
        class_counts([("test", CORN, 9, 2)], course_legend(), "DIR")

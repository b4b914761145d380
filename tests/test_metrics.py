"""Scores by start day against a plain per-example reference, on random predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.train.metrics import Scores

DAYS = (0, 15, 30)
CLASSES = ("a", "b", "c", "d")


def reference(day, true, predicted, d, c):
    """Accuracy at day d, and class c's precision, recall and F1 there, example by example."""
    at = [i for i in range(len(day)) if day[i] == d]
    accuracy = sum(true[i] == predicted[i] for i in at) / len(at) if at else math.nan
    hits = sum(true[i] == c and predicted[i] == c for i in at)
    said = sum(predicted[i] == c for i in at)
    real = sum(true[i] == c for i in at)
    precision = hits / said if said else math.nan
    recall = hits / real if real else math.nan
    both = precision + recall
    f1 = 2 * precision * recall / both if both and not math.isnan(both) else math.nan
    return accuracy, precision, recall, f1


examples = st.lists(
    st.tuples(st.sampled_from(DAYS), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=80
)


@settings(max_examples=60, deadline=None)
@given(examples, st.integers(1, 4))
def test_scores_match_the_per_example_reference(rows, pieces):
    day, true, predicted = (np.array(column) for column in zip(*rows, strict=True))
    scores = Scores.empty(DAYS, CLASSES)
    for part in np.array_split(np.arange(len(day)), pieces):  # counted batch by batch
        scores.add(day[part], true[part], predicted[part])
    per_class = scores.per_class()
    for s, d in enumerate(DAYS):
        for c in range(len(CLASSES)):
            accuracy, precision, recall, f1 = reference(day, true, predicted, d, c)
            np.testing.assert_equal(scores.accuracy_by_start_day[s], accuracy)
            np.testing.assert_allclose(
                [per_class["precision"][s, c], per_class["recall"][s, c], per_class["f1"][s, c]],
                [precision, recall, f1],
            )
    assert scores.examples == len(day)
    assert scores.accuracy == pytest.approx(np.mean(true == predicted))
    assert scores.majority_rate == pytest.approx(np.bincount(true).max() / len(true))
    np.testing.assert_array_equal(scores.confusion.sum(axis=1), np.bincount(true, minlength=4))


def test_undefined_scores_are_null_in_the_summary_and_unknown_start_days_an_error():
    scores = Scores.empty(DAYS, CLASSES)
    scores.add(np.array([0, 0]), np.array([0, 1]), np.array([0, 0]))
    summary = scores.summary()
    assert summary["accuracy_by_start_day"] == [0.5, None, None]
    assert summary["per_class"]["precision"][0] == [0.5, None, None, None]
    assert summary["per_class"]["recall"][0] == [1.0, 0.0, None, None]
    with pytest.raises(ValueError, match=r"\[7\]"):
        scores.add(np.array([7]), np.array([0]), np.array([0]))

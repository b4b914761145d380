"""Scores by start day from confusion counts: accuracy, per-class precision, recall and F1.

Evaluation only ever adds to one int64 array `counts[start_day, true, predicted]`, so memory
stays at a few hundred numbers however large the test split; every score derives from it.
A score with an empty denominator (a class never predicted, or absent) is NaN, not 0:
"undefined" is not "wrong", and it must not pull averages down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    """Confusion counts `counts[s, t, p]` (start day `start_days[s]`, true class t, predicted
    class p) and what derives from them."""

    start_days: tuple[int, ...]
    classes: tuple[str, ...]
    counts: np.ndarray

    @classmethod
    def empty(cls, start_days: tuple[int, ...], classes: tuple[str, ...]) -> Scores:
        shape = (len(start_days), len(classes), len(classes))
        return cls(tuple(start_days), tuple(classes), np.zeros(shape, np.int64))

    def add(self, start_day: np.ndarray, true: np.ndarray, predicted: np.ndarray) -> None:
        """Count examples (three int arrays of one length); unknown start days are an error."""
        days = np.asarray(self.start_days)
        order = np.argsort(days)
        found = np.minimum(np.searchsorted(days[order], start_day), len(days) - 1)
        if (days[order][found] != start_day).any():
            unknown = sorted(set(start_day.tolist()) - set(self.start_days))
            raise ValueError(f"start days {unknown} are not scored")
        np.add.at(self.counts, (order[found], true, predicted), 1)

    @property
    def confusion(self) -> np.ndarray:
        """int64 [classes, classes]: true class by row, predicted by column, all start days."""
        return self.counts.sum(axis=0)

    @property
    def examples(self) -> int:
        return int(self.counts.sum())

    @property
    def accuracy(self) -> float:
        return _ratio(np.trace(self.confusion), self.examples)

    @property
    def accuracy_by_start_day(self) -> np.ndarray:
        """float64 [start days]."""
        hits = np.trace(self.counts, axis1=1, axis2=2)
        return _ratio(hits, self.counts.sum(axis=(1, 2)))

    @property
    def majority_rate(self) -> float:
        """The accuracy of always answering the most common true class."""
        return _ratio(self.confusion.sum(axis=1).max(), self.examples)

    def per_class(self) -> dict[str, np.ndarray]:
        """`precision`, `recall`, `f1` float64 [start days, classes] and `support` int64."""
        hits = np.diagonal(self.counts, axis1=1, axis2=2)
        support = self.counts.sum(axis=2)
        precision = _ratio(hits, self.counts.sum(axis=1))
        recall = _ratio(hits, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        return {"precision": precision, "recall": recall, "f1": f1, "support": support}

    def table(self) -> list[dict]:
        """One record per start day and class: the per-class scores, long form."""
        scores = self.per_class()
        by_day = self.accuracy_by_start_day
        return [
            {
                "start_day": day,
                "class": name,
                "accuracy": float(by_day[s]),
                **{key: _plain(values[s, c]) for key, values in scores.items()},
            }
            for s, day in enumerate(self.start_days)
            for c, name in enumerate(self.classes)
        ]

    def summary(self) -> dict:
        """Everything as JSON-ready values (NaN as null)."""
        return {
            "classes": list(self.classes),
            "start_days": list(self.start_days),
            "examples": self.examples,
            "accuracy": _plain(self.accuracy),
            "majority_rate": _plain(self.majority_rate),
            "accuracy_by_start_day": [_plain(a) for a in self.accuracy_by_start_day],
            "per_class": {
                key: [[_plain(v) for v in row] for row in values]
                for key, values in self.per_class().items()
            },
            "confusion": self.confusion.tolist(),
        }


def _ratio(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.true_divide(numerator, denominator)
    return float(result) if np.ndim(result) == 0 else result


def _plain(value):
    if isinstance(value, np.integer):
        return int(value)
    value = float(value)
    return None if np.isnan(value) else value

"""Class counts per split and class weights for training, from (split, CDL code, label) counts.

The counts are of the labels 01_split wrote, derived from the CDL class alone: the loader's
vegetation rule, which turns a crop into "No Crop Growing", depends on the window and so is
not in them. This module also checks that the labels follow the configured legend. It
does not read data (the Spark stage hands it the aggregated counts).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cropseries.legend import BUILT_IN, ClassLegend, load_legend
from cropseries.stats.errors import StatsError

#: How `class_weights` weighs the classes, as written into stats.json.
WEIGHT_FORMULA = (
    "w_c = N / (K * n_c) for every class c with n_c > 0 train rows, where N is the number of "
    "train rows and K the number of classes present (so the mean weight per train row is 1); "
    "w_c = 0 for an absent class, except the no-crop class, which the loader's vegetation rule "
    "creates per window and which gets the neutral weight 1"
)


def class_counts(
    rows: Iterable[tuple[str, int, int, int]], legend: ClassLegend, where: str
) -> dict[str, np.ndarray]:
    """Label counts int64 [num_classes] per split, from (split, cdl_code, label, rows) tuples.

    Raises `StatsError` if a (CDL code, label) pair does not follow `legend`, naming the
    split, the code and the legend that would fit; `where` names the dataset in messages.
    """
    rows = list(rows)
    problem = legend_problem(rows, legend)
    if problem:
        fits = [name for name in BUILT_IN if not legend_problem(rows, load_legend(name))]
        hint = f"; the data fits legend {fits[0]!r}" if fits else ""
        raise StatsError(f"{where}: {problem} (legend {legend.name!r}){hint}")
    counts: dict[str, np.ndarray] = {}
    for split, _, label, n in rows:
        counts.setdefault(split, np.zeros(legend.num_classes, np.int64))[label] += n
    return counts


def legend_problem(rows: list[tuple[str, int, int, int]], legend: ClassLegend) -> str | None:
    """The first (split, CDL code, label) that disagrees with `legend`, as a sentence; else None."""
    table = legend.code_to_label()
    for split, code, label, n in rows:
        if not 0 <= label < legend.num_classes:
            return (
                f"split={split}: {n} rows have label {label}, outside 0..{legend.num_classes - 1}"
            )
        if not 0 <= code < len(table):
            return f"split={split}: {n} rows have cdl_code {code}, not a CDL code (0..255)"
        if table[code] != label:
            return (
                f"split={split}: {n} rows of cdl_code {code} have label {label} "
                f"({legend.classes[label]}), the legend says {table[code]} "
                f"({legend.classes[table[code]]})"
            )
    return None


def class_weights(train_counts: np.ndarray, no_crop_index: int | None) -> np.ndarray:
    """Balanced inverse-frequency weights, float64 [num_classes], by `WEIGHT_FORMULA`
    (`no_crop_index` is the vegetation rule's class, None for a legend without a rule)."""
    counts = np.asarray(train_counts, np.int64)
    present = counts > 0
    weights = np.zeros(len(counts))
    weights[present] = counts.sum() / (present.sum() * counts[present])
    if no_crop_index is not None and not present[no_crop_index]:
        weights[no_crop_index] = 1.0
    return weights

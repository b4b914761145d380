"""The loader's labels: a row's class before the window, and after the vegetation rule.

A split dataset carries the class in its `label` column; a course-layout dataset carries a
label name, mapped here by the same legend 01_split uses. The legend's vegetation rule (the
course's: course_facts section 3) turns a crop whose window shows no vegetation into the
no-crop class.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa

from cropseries.legend import ClassLegend


def course_labels(names: pa.Array, legend: ClassLegend) -> tuple[np.ndarray, np.ndarray]:
    """Class index int32 [n] and double-crop flag bool [n] from label names (the `CDL`
    column), by the legend. Unknown names get class -1 (the caller reports them)."""
    codes = legend.codes(names)  # -1 (unknown) reads the last entry of each table: -1, False
    labels, double = _code_tables(legend)
    return labels[codes], double[codes]


@cache
def _code_tables(legend: ClassLegend) -> tuple[np.ndarray, np.ndarray]:
    """Class index int32 and double-crop flag of every label code, and -1 / False after the
    last (for unknown names), built once per legend: the loader asks for every piece."""
    labels = np.append(legend.code_to_label(), -1).astype(np.int32)
    double = np.zeros(legend.num_codes + 1, bool)
    double[list(legend.double_crops)] = True
    labels.flags.writeable = double.flags.writeable = False
    return labels, double


def apply_vegetation_rule(
    labels: np.ndarray, vegetated: np.ndarray, legend: ClassLegend
) -> np.ndarray:
    """Labels after the legend's vegetation rule, int32 [E].

    A label not exempt from the rule becomes the rule's class unless the window was
    vegetated (`vegetated`, bool [E]: an SCL value of the rule among the last filled buckets;
    an empty window is never vegetated). Without a rule the labels stay as they are.
    """
    labels = np.asarray(labels, np.int32)
    if legend.rule is None:
        return labels
    turned = ~_exempt(legend)[labels] & ~vegetated
    return np.where(turned, np.int32(legend.no_crop_index), labels)


@cache
def _exempt(legend: ClassLegend) -> np.ndarray:
    """bool [classes]: the classes the vegetation rule leaves alone, built once per legend."""
    exempt = np.zeros(legend.num_classes, bool)
    exempt[[legend.classes.index(c) for c in legend.rule.exempt]] = True
    exempt.flags.writeable = False
    return exempt


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """float32 [E, num_classes] with a 1 at each label, in the legend's order."""
    out = np.zeros((len(labels), num_classes), np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out

"""The loader's labels: a row's class before the window, and after the vegetation rule.

A split dataset carries the class in its `label` column; a course-layout dataset carries a
CDL name, mapped here by the same legend code 01_split uses. The vegetation rule (course
facts section 3) turns a crop whose window shows no vegetation into the no-crop class.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cropseries.legend import ClassLegend, cdl_codes, double_crop_codes


def course_labels(names: pa.Array, legend: ClassLegend) -> tuple[np.ndarray, np.ndarray]:
    """Class index int32 [n] and double-crop flag bool [n] from CDL names.

    Unknown names get class -1 (the caller reports them).
    """
    codes = cdl_codes(names).astype(np.int64)
    known = codes >= 0
    labels = np.full(len(codes), -1, np.int32)
    labels[known] = legend.code_to_label()[codes[known]]
    double = np.isin(codes, np.fromiter(double_crop_codes(), np.int64))
    return labels, double


def apply_vegetation_rule(
    labels: np.ndarray, vegetated: np.ndarray, legend: ClassLegend
) -> np.ndarray:
    """Labels after the vegetation rule, int32 [E].

    A label other than the uncultivated class becomes the no-crop class unless SCL 4
    (vegetation) is among the last two filled buckets (`vegetated`, bool [E]); an empty
    window is never vegetated.
    """
    labels = np.asarray(labels, np.int32)
    no_crop = (labels != legend.uncultivated_index) & ~vegetated
    return np.where(no_crop, np.int32(legend.no_crop_index), labels)


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """float32 [E, num_classes] with a 1 at each label, in the legend's order."""
    out = np.zeros((len(labels), num_classes), np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out

"""CDL names to CDL codes, 7-class labels and the double-crop flag, as Spark columns.

The mappings come from `cropseries.legend` (the packaged CDL legend and the class
legends); this module only restates them as literal Spark expressions so that every row is
labelled inside the JVM. The vegetation rule ("No Crop Growing") is the loader's business.
"""

from __future__ import annotations

from cropseries.legend import ClassLegend, double_crop_codes, name_to_code


def cdl_code(cdl):
    """CDL code (int Column) of a binary or string Column of CDL names; null if unknown."""
    from pyspark.sql import functions as F

    pairs = [F.lit(v) for name, code in sorted(name_to_code().items()) for v in (name, code)]
    return F.element_at(F.create_map(*pairs), cdl.cast("string")).cast("int")


def label(code, legend: ClassLegend):
    """Class index (int Column) in `legend` of a CDL code Column, before the vegetation rule."""
    from pyspark.sql import functions as F

    table = F.array(*[F.lit(int(v)) for v in legend.code_to_label()])
    return F.when(code.between(0, 255), F.element_at(table, code + 1)).cast("int")


def is_double_crop(code):
    """True for the double-crop CDL codes (26, 225-241 less 227 and 229, 254): boolean Column."""
    return code.isin(sorted(double_crop_codes()))

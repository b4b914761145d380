"""Label names to label codes, class indices and the double-crop flag, as Spark columns.

The mappings come from the class legend (`cropseries.legend`); this module only restates
them as literal Spark expressions so that every row is labelled inside the JVM. The
vegetation rule ("No Crop Growing") is the loader's business.
"""

from __future__ import annotations

from cropseries.legend import ClassLegend


def cdl_code(cdl, legend: ClassLegend):
    """Label code (int Column) of a binary or string Column of label names, by the legend
    (CDL codes, or positions in the legend's own names); null if unknown."""
    from pyspark.sql import functions as F

    pairs = [F.lit(v) for name, code in sorted(legend.name_codes().items()) for v in (name, code)]
    return F.element_at(F.create_map(*pairs), cdl.cast("string")).cast("int")


def label(code, legend: ClassLegend):
    """Class index (int Column) in `legend` of a label code Column, before the vegetation rule."""
    from pyspark.sql import functions as F

    table = F.array(*[F.lit(int(v)) for v in legend.code_to_label()])
    return F.when(code.between(0, legend.num_codes - 1), F.element_at(table, code + 1)).cast("int")


def is_double_crop(code, legend: ClassLegend):
    """Whether a label code is one of the legend's double crops (boolean Column)."""
    from pyspark.sql import functions as F

    if not legend.double_crops:
        return F.lit(False)
    return code.isin(sorted(legend.double_crops))

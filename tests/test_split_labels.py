"""The Spark label columns agree with the legend's numpy tables for every CDL name."""

import pyarrow as pa
import pytest

from cropseries.cdl import NAME_ALIASES, cdl_classes, double_crop_codes, name_to_code
from cropseries.legend import course_legend, load_legend

pytestmark = pytest.mark.spark


def _labelled(spark, names, legend):
    from pyspark.sql import functions as F

    from cropseries.split import labels

    frame = spark.createDataFrame(pa.table({"CDL": pa.array([n.encode() for n in names])}))
    code = labels.cdl_code(F.col("CDL"), legend)
    return frame.select(
        F.col("CDL").cast("string").alias("name"),
        code.alias("code"),
        labels.label(code, legend).alias("label"),
        labels.is_double_crop(code, legend).alias("double"),
    ).collect()


@pytest.mark.parametrize(
    "legend", [course_legend(), load_legend("slides")], ids=["course", "slides"]
)
def test_every_cdl_name_maps_to_its_code_and_the_legend_label(spark, legend):
    names = [c.name for c in cdl_classes()] + list(NAME_ALIASES) + ["Kale", ""]
    table = legend.code_to_label()
    rows = {r["name"]: r for r in _labelled(spark, names, legend)}
    for name, code in name_to_code().items():
        row = rows[name]
        assert row["code"] == code, name
        assert row["label"] == table[code], name
        assert row["double"] == (code in double_crop_codes()), name
    for unknown in ("Kale", ""):
        assert rows[unknown]["code"] is None and rows[unknown]["label"] is None


def test_the_course_labels_of_the_crops_and_old_names(spark):
    rows = {
        r["name"]: r
        for r in _labelled(
            spark,
            [
                "Corn",
                "Cotton",
                "Rice",
                "Soybeans",
                "Grassland/Pasture",
                "Sorghum",
                "Dbl Crop WinWht/Soybeans",
            ],
            course_legend(),
        )
    }
    assert {n: r["label"] for n, r in rows.items()} == {
        "Corn": 5,
        "Cotton": 6,
        "Rice": 4,
        "Soybeans": 3,
        "Grassland/Pasture": 0,  # code 176, Uncultivated
        "Sorghum": 1,
        "Dbl Crop WinWht/Soybeans": 0,
    }
    assert rows["Grassland/Pasture"]["code"] == 176
    assert rows["Dbl Crop WinWht/Soybeans"]["double"] is True

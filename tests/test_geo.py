"""EPSG:5070 (Spark and numpy) against PROJ and each other, and the pixel id."""

import pytest

pytestmark = pytest.mark.spark

#: (lon, lat, x, y): PROJ 9 via pyproj 3.7.2, Transformer EPSG:4326 -> EPSG:5070, always_xy.
PROJ_POINTS = [
    (-90.9, 33.4, 471009.6111, 1160589.6357),
    (-96.0, 23.0, 0.0, 0.0),
    (-91.25, 34.5, 432571.8135, 1281685.4855),
    (-122.4194, 37.7749, -2275431.9147, 1955935.4171),
    (-70.0, 45.0, 2021877.4784, 2724040.2168),
    (-80.19, 25.76, 1594288.1460, 434316.2392),
]


def test_albers_matches_proj_to_a_millimetre(spark):
    from pyspark.sql import functions as F

    from cropseries.geo import albers_xy

    frame = spark.createDataFrame(PROJ_POINTS, "lon double, lat double, ex double, ey double")
    x, y = albers_xy(F.col("lon"), F.col("lat"))
    for row in frame.select("ex", "ey", x.alias("x"), y.alias("y")).collect():
        assert row["x"] == pytest.approx(row["ex"], abs=1e-3)
        assert row["y"] == pytest.approx(row["ey"], abs=1e-3)


def test_albers_agrees_with_the_generators_numpy_version(spark):
    import numpy as np
    from pyspark.sql import functions as F

    from cropseries.geo import albers_forward, albers_xy

    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-125, -66, 500), rng.uniform(24, 50, 500)
    rows = list(zip(lon.tolist(), lat.tolist(), strict=True))
    frame = spark.createDataFrame(rows, "lon double, lat double")
    x, y = albers_xy(F.col("lon"), F.col("lat"))
    got = np.array(frame.select(x, y).collect())
    assert np.abs(got - np.stack(albers_forward(lon, lat), axis=1)).max() < 1e-6


def test_pixel_id_packs_rounded_degrees_and_separates_neighbours(spark):
    from pyspark.sql import functions as F

    from cropseries.geo import pixel_id

    points = [(-90.9, 33.4), (-90.9 + 4e-9, 33.4 - 4e-9), (-90.9 + 3e-7, 33.4), (180.0, -90.0)]
    frame = spark.createDataFrame(points, "lon double, lat double")
    ids = [r[0] for r in frame.select(pixel_id(F.col("lon"), F.col("lat"))).collect()]
    expected = (round((-90.9 + 180) * 1e7) << 31) | round((33.4 + 90) * 1e7)
    assert ids[0] == ids[1] == expected  # the same location up to 1e-7 degrees
    assert ids[2] != ids[0]
    assert ids[3] == 3_600_000_000 << 31  # the largest longitude, smallest latitude
    assert all(i >= 0 for i in ids)


def test_numpy_pixel_ids_equal_the_ids_01_split_writes(spark):
    import numpy as np
    from pyspark.sql import functions as F

    from cropseries.geo import pixel_id, pixel_ids

    rng = np.random.default_rng(5)
    lon = np.concatenate([-91.5 + rng.random(2000), [-90.9, 180.0, -180.0]])
    lat = np.concatenate([33.0 + rng.random(2000), [33.4, -90.0, 90.0]])
    frame = spark.createDataFrame(
        [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)], "lon double, lat double"
    )
    spark_ids = [r[0] for r in frame.select(pixel_id(F.col("lon"), F.col("lat"))).collect()]
    np.testing.assert_array_equal(pixel_ids(lon, lat), spark_ids)

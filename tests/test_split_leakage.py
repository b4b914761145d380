"""The leakage measures agree with a brute-force numpy computation on small point sets."""

import numpy as np
import pytest

pytestmark = pytest.mark.spark

ORIGIN = np.array([430_000.0, 1_200_000.0])


def _points(spark, **sets):
    rows, next_id = [], 0
    for split, xy in sets.items():
        for x, y in xy:
            rows.append((split, next_id, float(x), float(y)))
            next_id += 1
    return spark.createDataFrame(rows, "split string, pixel_id long, x double, y double")


def _nearest(held, train):
    return np.sqrt(((held[:, None, :] - train[None, :, :]) ** 2).sum(-1)).min(axis=1)


def test_near_sets_match_brute_force(spark):
    from cropseries.split.leakage import distance_to_train

    rng = np.random.default_rng(7)
    train = ORIGIN + rng.random((300, 2)) * 4000
    test = ORIGIN + [3000, 500] + rng.random((150, 2)) * 3000
    test[:5] = train[:5]  # five test pixels on train locations
    val = ORIGIN + [9000, 0] + rng.random((40, 2)) * 500  # about 5 km from train
    report = distance_to_train(spark, _points(spark, train=train, test=test, val=val))
    for split, held in (("test", test), ("val", val)):
        d = _nearest(held, train)
        got = report[split]
        assert got["pixels"] == len(held)
        assert got["within_100m"] == int((d <= 100).sum())
        assert got["within_1km"] == int((d <= 1000).sum())
        assert got["fraction_within_1km"] == pytest.approx((d <= 1000).mean())
        assert got["min_distance_to_train_m"] == pytest.approx(d.min(), abs=1e-6)
    assert report["test"]["min_distance_to_train_m"] == 0.0
    assert report["val"]["within_1km"] == 0  # so its minimum came from the far search


def test_held_pixels_on_train_locations_are_at_distance_zero(spark):
    """A year split: every val pixel repeats a train location; test pixels repeat some, and
    one lies a metre off a train pixel, so the coordinate join must not claim it."""
    from cropseries.split.leakage import distance_to_train

    rng = np.random.default_rng(9)
    train = ORIGIN + rng.random((200, 2)) * 3000
    val = train[::2].copy()
    test = np.concatenate([train[:20], ORIGIN + [2000, 2000] + rng.random((30, 2)) * 2000])
    test[0] += [1.0, 0.0]
    report = distance_to_train(spark, _points(spark, train=train, test=test, val=val))
    assert report["val"] == {
        "pixels": 100,
        "within_100m": 100,
        "within_1km": 100,
        "fraction_within_100m": 1.0,
        "fraction_within_1km": 1.0,
        "min_distance_to_train_m": 0.0,
    }
    d = _nearest(test, train)
    assert report["test"]["within_100m"] == int((d <= 100).sum())
    assert report["test"]["within_1km"] == int((d <= 1000).sum())
    assert report["test"]["min_distance_to_train_m"] == 0.0


def test_far_search_is_exact_hundreds_of_kilometres_away(spark):
    from cropseries.split.leakage import far_min_distance

    rng = np.random.default_rng(8)
    train = ORIGIN + rng.random((200, 2)) * 6000
    test = ORIGIN + [-150_000, 150_000] + rng.random((30, 2)) * 2000  # north-west, 210 km
    got = far_min_distance(spark, _points(spark, train=train, test=test), "test")
    assert got == pytest.approx(_nearest(test, train).min(), abs=1e-6)


def test_shared_locations_count_each_set_of_splits(spark):
    from cropseries.split.leakage import shared_locations

    rows = [
        ("train", 1),
        ("test", 1),
        ("train", 2),
        ("val", 2),
        ("test", 2),
        ("val", 3),
        ("test", 4),
    ]
    frame = spark.createDataFrame(rows, "split string, pixel_id long")
    assert shared_locations(frame) == {"train+test": 1, "train+val+test": 1}


def test_shared_locations_of_more_splits_than_a_bitmask_holds(spark):
    from cropseries.split.leakage import shared_locations

    splits = tuple(f"fold{k}" for k in range(130))  # e.g. leave-one-box-out over 130 boxes
    rows = [("fold0", 1), ("fold62", 1), ("fold63", 1), ("fold129", 1), ("fold64", 2)]
    rows += [("fold126", 3), ("fold127", 3), ("fold128", 4), ("fold128", 5), ("fold129", 5)]
    frame = spark.createDataFrame(rows, "split string, pixel_id long")
    assert shared_locations(frame, splits) == {
        "fold0+fold62+fold63+fold129": 1,
        "fold126+fold127": 1,
        "fold128+fold129": 1,
    }

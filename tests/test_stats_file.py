"""stats.json: atomic write, exact round trip, and the checks `load_stats` makes for the loader."""

import json
import os

import numpy as np
import pytest

from cropseries.layout import BANDS
from cropseries.stats import Stats, StatsError, load_stats
from cropseries.stats.file import write_stats

CLASSES = ("Uncultivated", "Cultivated", "No Crop Growing", "Soybeans", "Rice", "Corn", "Cotton")


def example(**changes) -> Stats:
    fields = dict(
        bands=BANDS,
        mean=np.linspace(600.1, 3300.7, 12),
        std=np.linspace(430.3, 1400.9, 12),
        count=np.arange(1000, 1012, dtype=np.int64),
        classes=CLASSES,
        legend="course",
        class_counts={"train": np.arange(7, dtype=np.int64), "val": np.ones(7, np.int64)},
        class_weights=np.array([0.0, 2.1, 1.0, 1.05, 0.7, 0.525, 0.42]),
        label_count=np.zeros((7, 12), np.int64),
        label_mean=np.full((7, 12), np.nan),
        label_std=np.full((7, 12), np.nan),
        metadata={"rows": 21},
    )
    fields["label_mean"][3] = 1.5
    fields["label_std"][3] = 0.5
    fields.update(changes)
    return Stats(**fields)


def test_round_trip_is_exact_and_leaves_no_temporary_file(tmp_path):
    stats = example()
    write_stats(stats, str(tmp_path / "stats.json"))
    assert os.listdir(tmp_path) == ["stats.json"]
    back = load_stats(str(tmp_path))  # the split directory is enough
    np.testing.assert_array_equal(back.mean, stats.mean)
    np.testing.assert_array_equal(back.std, stats.std)
    np.testing.assert_array_equal(back.count, stats.count)
    np.testing.assert_array_equal(back.class_weights, stats.class_weights)
    assert back.classes == CLASSES and back.bands == BANDS
    assert {k: v.tolist() for k, v in back.class_counts.items()} == {
        "train": list(range(7)),
        "val": [1] * 7,
    }
    np.testing.assert_array_equal(back.label_mean, stats.label_mean)  # NaN survives as null
    assert back.metadata == {"rows": 21}
    assert back.median is None  # a file written before medians were computed
    write_stats(example(median=np.arange(12) + 0.5), str(tmp_path / "stats.json"))
    np.testing.assert_array_equal(load_stats(str(tmp_path)).median, np.arange(12) + 0.5)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "stats.json"
    write_stats(example(), str(path))
    before = path.read_text()
    with pytest.raises(ValueError):
        write_stats(example(mean=np.full(12, np.nan)), str(path))
    assert path.read_text() == before and os.listdir(tmp_path) == ["stats.json"]


def edit(document: dict, key: str, value) -> dict:
    return {**document, key: value}


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: edit(d, "bands", list(reversed(BANDS))), r"'bands' is \['B12'"),
        (lambda d: edit(d, "std", [1.0] * 11 + [0.0]), r"'std' of band B12 is 0.0, must be > 0"),
        (lambda d: edit(d, "mean", [float("nan")] + [1.0] * 11), r"'mean' has a value that is not"),
        (lambda d: edit(d, "count", [1] * 11), r"'count' has shape \(11,\), expected \(12,\)"),
        (lambda d: {k: v for k, v in d.items() if k != "std"}, r"key 'std' is missing"),
        (lambda d: edit(d, "format", "other/9"), r"'format' is 'other/9'"),
        (lambda d: edit(d, "class_weights", [1.0] * 6), r"'class_weights' has shape \(6,\)"),
        (lambda d: edit(d, "median", [1.0] * 13), r"'median' has shape \(13,\)"),
    ],
)
def test_load_refuses_statistics_the_loader_cannot_use(tmp_path, change, message):
    path = tmp_path / "stats.json"
    write_stats(example(), str(path))
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    with pytest.raises(StatsError, match=rf"{path}: {message}"):
        load_stats(str(path))


def test_load_names_a_missing_or_broken_file(tmp_path):
    with pytest.raises(StatsError, match=r"stats.json: no such file; run 02_stats"):
        load_stats(str(tmp_path))
    (tmp_path / "stats.json").write_text("{not json")
    with pytest.raises(StatsError, match=r"stats.json: not a readable JSON file"):
        load_stats(str(tmp_path / "stats.json"))

"""The split dataset's names: folders per split and fold, the excluded folder, the report and
stats, and which folds each part of a fold's selection reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cropseries.config import FoldSpec, SplitConfig, parse_folds
from cropseries.errors import ConfigError
from cropseries.reader import LayoutError
from cropseries.split_dataset import (
    excluded_path,
    fold_name,
    fold_names,
    fold_parts,
    folder_name,
    num_folds,
    part_folders,
    report_path,
    selected_folds,
    split_names,
    split_of,
    split_path,
    stats_path,
)


def test_paths_of_a_split_dataset():
    root = "/Volumes/workspace/default/cropseries/splits/"
    assert split_path(root, "val") == f"{root}split=val"
    assert excluded_path(root) == f"{root}excluded"
    assert report_path(root) == f"{root}split_report.json"
    assert stats_path(root) == f"{root}stats.json"
    assert split_of(folder_name("test")) == "test" and split_of("excluded") is None


def test_split_names_come_in_split_order_then_by_name(tmp_path):
    for name in ("split=val", "split=test", "split=zz", "split=train", "excluded"):
        (tmp_path / name).mkdir()
    (tmp_path / "split=file").write_text("not a folder")
    assert split_names(str(tmp_path)) == ["train", "val", "test", "zz"]
    assert split_names(str(tmp_path / "missing")) == []


def test_fold_folders_sort_by_number_and_stats_go_per_fold(tmp_path):
    for fold in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9):
        (tmp_path / folder_name(fold_name(fold))).mkdir()
    (tmp_path / "split=foldx").mkdir()
    names = split_names(str(tmp_path))
    assert names == [fold_name(f) for f in range(11)] + ["foldx"]
    assert num_folds(str(tmp_path)) == 11
    assert stats_path(str(tmp_path), 3) == f"{tmp_path}/stats-fold3.json"
    assert selected_folds(str(tmp_path), "all") == list(range(11))
    assert selected_folds(str(tmp_path), 4) == [4] and selected_folds(str(tmp_path), None) == [None]
    assert part_folders(str(tmp_path), "val", 10) == ("fold0",)
    with pytest.raises(LayoutError, match="this dataset has folds 0..10"):
        part_folders(str(tmp_path), "train", 11)
    with pytest.raises(LayoutError, match="choose one of"):
        part_folders(str(tmp_path), "holdout", 1)
    with pytest.raises(LayoutError, match="not split into folds"):
        selected_folds(str(tmp_path / "none"), "all")


@given(st.integers(3, 12), st.data())
def test_every_fold_is_tested_once_validated_once_and_trains_otherwise(num, data):
    selections = [fold_parts(num, fold) for fold in range(num)]
    tested = [name for s in selections for name in s["test"]]
    validated = [name for s in selections for name in s["val"]]
    assert sorted(tested) == sorted(validated) == sorted(fold_names(num))
    fold = data.draw(st.integers(0, num - 1))
    parts = selections[fold]
    read = [name for names in parts.values() for name in names]
    assert sorted(read) == sorted(fold_names(num))  # each fold in exactly one part
    assert parts["test"] == (fold_name(fold),) and len(parts["train"]) == num - 2


def test_fewer_than_three_folds_are_refused():
    with pytest.raises(LayoutError, match="at least 3 folds"):
        fold_parts(2, 0)


@pytest.mark.parametrize(
    ("text", "spec"),
    [("block:5", FoldSpec("block", 5)), ("year", FoldSpec("year")), ("box", FoldSpec("box"))],
)
def test_fold_specs_parse(text, spec):
    assert parse_folds(text) == spec and str(spec) == text


@pytest.mark.parametrize("text", ["block", "block:2", "block:x", "year:3", "pixels", ""])
def test_bad_fold_specs_are_refused(text):
    with pytest.raises(ConfigError, match="folds"):
        SplitConfig(folds=text)

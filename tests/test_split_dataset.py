"""The split dataset's names: folders per split, the excluded folder, the report and stats."""

from __future__ import annotations

from cropseries.split_dataset import (
    excluded_path,
    folder_name,
    report_path,
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

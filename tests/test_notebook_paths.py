"""Notebooks find the repository from their own path, never from the working directory."""

from __future__ import annotations

from pathlib import Path

from cropseries.notebook import repository_path, repository_root


def test_a_workspace_notebook_path_is_read_through_the_workspace_file_system():
    path = "/Users/me@example.com/.bundle/cropseries/dev/files/notebooks/01_split"
    root = Path("/Workspace/Users/me@example.com/.bundle/cropseries/dev/files")
    assert repository_root(path) == root
    assert repository_root("/Repos/me/cropseries/notebooks/02_stats") == Path(
        "/Workspace/Repos/me/cropseries"
    )


def test_a_local_notebook_path_is_used_as_it_is():
    assert repository_root("/home/me/cropseries/notebooks/03_loader") == Path("/home/me/cropseries")


def test_relative_values_are_read_from_the_repository_and_others_pass_unchanged():
    root = Path("/Workspace/Users/me/cropseries")
    assert repository_path(root, "data/demo/course") == f"{root}/data/demo/course"
    for value in (
        "",
        "/Volumes/workspace/default/cropseries/course",
        "dbfs:/FileStore/cropseries/splits",
        "s3://bucket/course",
        "file:/tmp/course",
    ):
        assert repository_path(root, value) == value

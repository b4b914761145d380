"""Atomic directory outputs: a stage builds its output in a hidden sibling, then swaps it in.

A failed run leaves only a hidden `_<name>.tmp-<id>` sibling (which `discard` removes, and
which Spark and `reader` ignore), never a half-written output; a rerun replaces the old
output whole, so nothing is duplicated. The swap is two renames (pyarrow's `move`): atomic
on local disks, as good as the store's move elsewhere (`/Volumes`, `/dbfs`, `s3://`). This module
knows nothing about what a stage writes, beyond tidying the names of Spark's part files.
"""

from __future__ import annotations

import re
import uuid

import pyarrow.fs as pafs

from cropseries.reader import resolve

_SPARK_PART = re.compile(r"^(part-\d+)-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}(.*)$")


def sibling(path: str, tag: str) -> str:
    """A hidden path beside `path` (same parent, same spelling): `<parent>/_<name>.<tag>-<id>`."""
    path = str(path).rstrip("/")
    head, slash, name = path.rpartition("/")
    return f"{head}{slash}_{name}.{tag}-{uuid.uuid4().hex[:12]}"


def discard(path: str) -> None:
    """Remove a directory tree if it exists."""
    fs, local = resolve(path)
    if fs.get_file_info(local).type != pafs.FileType.NotFound:
        fs.delete_dir(local)


def commit(staging: str, final: str) -> None:
    """Put the finished directory `staging` at `final`, replacing whatever was there."""
    fs, final_local = resolve(final)
    _, staging_local = resolve(staging)
    old = None
    if fs.get_file_info(final_local).type != pafs.FileType.NotFound:
        old = resolve(sibling(final, "old"))[1]
        fs.move(final_local, old)
    fs.move(staging_local, final_local)
    if old is not None:
        fs.delete_dir(old)


def tidy_spark_files(root: str) -> list[str]:
    """Drop Spark's checksum files and the job id from part-file names, below `root`.

    `part-00003-<job uuid>.c000.zstd.parquet` becomes `part-00003.c000.zstd.parquet`, so a
    rerun writes the same names (and, with the same input, the same bytes). Returns the
    data files' new paths, sorted.
    """
    fs, local = resolve(root)
    files = []
    for info in fs.get_file_info(pafs.FileSelector(local, recursive=True)):
        if info.type != pafs.FileType.File:
            continue
        if info.base_name.endswith(".crc"):
            fs.delete_file(info.path)
            continue
        match = _SPARK_PART.match(info.base_name)
        if match:
            renamed = info.path[: -len(info.base_name)] + match.group(1) + match.group(2)
            fs.move(info.path, renamed)
            files.append(renamed)
    return sorted(files)

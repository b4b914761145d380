"""`python -m cropseries upload LOCAL_DIR /Volumes/...`: copy a dataset folder into a Volume.

Files go through the Unity Catalog Files API one PUT per file, so a remote file is either
complete or absent. A file already in the Volume with the same size is skipped, which makes
an interrupted upload resumable: run the same command again. Hidden files (names starting
with ".", such as Spark's .crc checksums) are not uploaded and are counted as such.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cropseries.databricks.client import (
    WorkspaceError,
    add_profile_argument,
    friendly_errors,
    workspace_client,
)


class UploadError(WorkspaceError):
    """The local folder or the destination path cannot be used; the message says which and why."""

    exit_status = 2


@dataclass(frozen=True)
class UploadSummary:
    """What one upload did: files and bytes sent, files already there, hidden files left out."""

    uploaded: int
    uploaded_bytes: int
    skipped: int
    hidden: int


def volume_path(path: str) -> str:
    """The path as `/Volumes/<catalog>/<schema>/<volume>/<folder>` (a `dbfs:` prefix is dropped)."""
    path = path[len("dbfs:") :] if path.startswith("dbfs:/Volumes/") else path
    parts = PurePosixPath(path).parts
    if len(parts) < 5 or parts[:2] != ("/", "Volumes"):
        raise UploadError(
            f"destination {path!r} is not a folder in a Unity Catalog volume: expected "
            "/Volumes/<catalog>/<schema>/<volume>/<folder>"
        )
    return str(PurePosixPath(*parts))


def local_files(local_dir: Path) -> tuple[dict[str, int], int]:
    """Relative POSIX path -> size in bytes of every non-hidden file below `local_dir`.

    Also returns how many hidden files (any path part starting with ".") were left out.
    """
    if not local_dir.is_dir():
        raise UploadError(f"{local_dir}: no such directory")
    files: dict[str, int] = {}
    hidden = 0
    for root, _, names in os.walk(local_dir):
        for name in names:
            relative = Path(root, name).relative_to(local_dir)
            if any(part.startswith(".") for part in relative.parts):
                hidden += 1
            else:
                files[relative.as_posix()] = Path(root, name).stat().st_size
    return dict(sorted(files.items())), hidden


def remote_files(client, dest: str) -> dict[str, int]:
    """Relative path -> size of every file below `dest` in the Volume ({} when `dest` is absent)."""
    from databricks.sdk.errors import NotFound

    found: dict[str, int] = {}
    pending = [dest]
    while pending:
        directory = pending.pop()
        try:
            entries = list(client.files.list_directory_contents(directory))
        except NotFound:
            continue
        for entry in entries:
            if entry.is_directory:
                pending.append(entry.path.rstrip("/"))
            else:
                found[entry.path[len(dest) + 1 :]] = entry.file_size or 0
    return found


def upload_tree(client, local_dir: Path, dest: str, progress: bool = True) -> UploadSummary:
    """Upload every file below `local_dir` that `dest` lacks or holds with another size."""
    from tqdm import tqdm

    dest = volume_path(dest)
    files, hidden = local_files(Path(local_dir))
    present = remote_files(client, dest)
    todo = {path: size for path, size in files.items() if present.get(path) != size}
    for folder in sorted({str(PurePosixPath(path).parent) for path in todo}):
        client.files.create_directory(dest if folder == "." else f"{dest}/{folder}")
    total = sum(todo.values())
    with tqdm(total=total, unit="B", unit_scale=True, disable=not progress, desc=dest) as bar:
        for path, size in todo.items():
            with open(Path(local_dir, path), "rb") as stream:
                client.files.upload(f"{dest}/{path}", stream, overwrite=True)
            bar.update(size)
    return UploadSummary(
        uploaded=len(todo), uploaded_bytes=total, skipped=len(files) - len(todo), hidden=hidden
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries upload`."""
    parser.add_argument("local_dir", type=Path, help="folder to upload (e.g. data/demo/course)")
    parser.add_argument("dest", help="/Volumes/<catalog>/<schema>/<volume>/<folder>")
    add_profile_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries upload`: copy a local folder into a Unity Catalog volume."""
    dest = volume_path(args.dest)
    client = workspace_client(args.profile)
    with friendly_errors(client):
        summary = upload_tree(client, args.local_dir, dest, progress=not args.quiet)
    print(
        f"{dest}: uploaded {summary.uploaded} files ({summary.uploaded_bytes:,} bytes), "
        f"{summary.skipped} already there with the same size, "
        f"{summary.hidden} hidden files left out"
    )
    return 0

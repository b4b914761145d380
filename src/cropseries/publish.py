"""Publishing output whole: build it under a staging name beside it, then rename it into place.

Every stage, the generator and the exports write through `publish`, for a single file or a
folder alike. The staging name is hidden (`_<name>.staging-<id>`): Spark, pyarrow datasets
and `reader` skip names starting with `_`, so nothing ever reads a half-written output. A run
that fails removes its staging, and any scratch whose name starts with it; a run that was
killed leaves it behind, and the next publication of the same output removes it. The swap is
renames (pyarrow's `move`): atomic on local disks, as good as the store's move elsewhere
(`/Volumes`, `/dbfs`, `s3://`).

Two runs publishing the same output at once would remove each other's staging, so a run
first takes a lock beside the output (`_<name>.lock`, created exclusively, holding host, pid
and time); a second run fails fast with `OutputBusy` naming the first. A lock whose process
is gone (same host) is stale and taken over. Stores without exclusive creation (`s3://`) are
not locked.
"""

from __future__ import annotations

import os
import posixpath
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow.fs as pafs

from cropseries.errors import CropseriesError, RunFailed
from cropseries.reader import resolve

STAGING = "staging"


class OutputBusy(RunFailed):
    """Another run is publishing the same output; the message names it and the lock."""


@contextmanager
def publish(final: str, folder: bool = False) -> Iterator[str]:
    """Yield the path to build `final` at (same spelling, nothing there yet); when the block
    ends, put what was built in place, replacing the old `final` whole. If the block raises,
    `final` stays as it was. The folder `final` goes into is created if need be.

    `folder` says whether `final` is a folder (else a file): an existing `final` of the other
    kind is refused before any work (`export --out data/` must not replace a folder).
    """
    fs, local = resolve(final)
    found = fs.get_file_info(local).type
    wrong = pafs.FileType.File if folder else pafs.FileType.Directory
    if found == wrong:
        kind = "a file" if folder else "a folder"
        wanted = "a folder" if folder else "a file"
        raise CropseriesError(f"{final}: is {kind}; give the path of {wanted} to write", file=final)
    parent = posixpath.dirname(local.rstrip("/"))
    if parent:
        fs.create_dir(parent, recursive=True)
    with _locked(final):
        remove_leftovers(final)
        staging = _staging_name(final)
        try:
            yield staging
            _put_in_place(staging, final)
        finally:
            remove_leftovers(final, prefix=posixpath.basename(staging))


@contextmanager
def _locked(final: str) -> Iterator[None]:
    """Hold `_<name>.lock` beside `final` while the block runs (local paths, /Volumes, /dbfs)."""
    fs, _ = resolve(final)
    if not isinstance(fs, pafs.LocalFileSystem):
        yield
        return
    lock = resolve(_beside(final, f"_{_name(final)}.lock"))[1]
    _acquire(lock, final)
    try:
        yield
    finally:
        os.remove(lock)


def _acquire(lock: str, final: str) -> None:
    holder = f"{socket.gethostname()} {os.getpid()} {time.time():.0f}"
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if not _stale(lock):
                with open(lock) as handle:
                    host, pid, since = (handle.read().split() + ["?", "?", "0"])[:3]
                started = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(since)))
                raise OutputBusy(
                    f"{final}: another run (pid {pid} on {host}, since {started}) is writing "
                    f"it; wait for it to end, or remove {lock} if none is running",
                    file=final,
                ) from None
            os.remove(lock)
            continue
        with os.fdopen(descriptor, "w") as handle:
            handle.write(holder)
        return
    raise OutputBusy(f"{final}: could not take the lock {lock}", file=final)


def _stale(lock: str) -> bool:
    """A lock of this host whose process has ended, or one left unwritten for a minute."""
    try:
        with open(lock) as handle:
            host, pid, _ = handle.read().split()
    except FileNotFoundError:
        return True
    except ValueError:  # being written this instant, or never finished
        return time.time() - os.path.getmtime(lock) > 60
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def remove(path: str) -> None:
    """Remove a file or a folder tree, if there is one."""
    fs, local = resolve(path)
    kind = fs.get_file_info(local).type
    if kind == pafs.FileType.Directory:
        fs.delete_dir(local)
    elif kind != pafs.FileType.NotFound:
        fs.delete_file(local)


def remove_leftovers(final: str, prefix: str | None = None) -> None:
    """Remove the staging of earlier runs publishing `final` (or the entries beside it whose
    names start with `prefix`)."""
    fs, local = resolve(final)
    parent, name = posixpath.split(local.rstrip("/"))
    prefix = prefix or f"_{name}.{STAGING}-"
    folder = fs.get_file_info(parent or ".")
    if folder.type != pafs.FileType.Directory:
        return
    for entry in fs.get_file_info(pafs.FileSelector(parent or ".")):
        if entry.base_name.startswith(prefix):
            remove(_beside(final, entry.base_name))


def _staging_name(final: str) -> str:
    return _beside(final, f"_{_name(final)}.{STAGING}-{uuid.uuid4().hex[:12]}")


def _put_in_place(staging: str, final: str) -> None:
    fs, final_local = resolve(final)
    _, staging_local = resolve(staging)
    if fs.get_file_info(staging_local).type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"{staging}: nothing was built to publish as {final}")
    old = None
    if fs.get_file_info(final_local).type != pafs.FileType.NotFound:
        old = resolve(f"{staging}.replaced")[1]
        fs.move(final_local, old)
    fs.move(staging_local, final_local)
    if old is not None:
        remove(f"{staging}.replaced")


def _name(path: str) -> str:
    return str(path).rstrip("/").rpartition("/")[2]


def _beside(path: str, name: str) -> str:
    """`name` in the folder of `path`, in the spelling of `path`."""
    head, slash, _ = str(path).rstrip("/").rpartition("/")
    return f"{head}{slash}{name}"

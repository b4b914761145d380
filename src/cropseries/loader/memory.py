"""Heap settings that keep the loader's transient arrays off fresh mmaps (glibc only).

glibc serves allocations above a threshold with a fresh `mmap` and gives them back with
`munmap`; it raises that threshold for transient arrays by itself, but once TensorFlow's
runtime has run (its library calls `mallopt`, which fixes the threshold) every large numpy
temporary costs a page fault per 4 KiB: we measured ten times the page faults and half the
loader's throughput under tf.data. The setting is process-wide; `LoaderConfig.tune_malloc`
turns it off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from functools import cache

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Allocations below this are served from the heap (64 MiB: larger than any loader array).
MMAP_THRESHOLD = 64 << 20
#: Free heap kept before it is returned to the system (128 MiB).
TRIM_THRESHOLD = 128 << 20


@cache
def _libc():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def keep_arrays_on_heap() -> bool:
    """Set glibc's mmap and trim thresholds (see module docstring); False where not glibc."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )

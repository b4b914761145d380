"""The peak resident memory of this process alone, for benchmarks that measure it in a child.

`getrusage`'s `ru_maxrss` survives `exec`: a child started from a large parent reports at
least the parent's resident size at the fork, not its own. Linux keeps the process's own
high-water mark in /proc/self/status (VmHWM), which starts afresh at `exec`; elsewhere
`ru_maxrss` is what there is.
"""

from __future__ import annotations

import resource
import sys


def peak_rss_mb() -> float:
    """Peak resident set size of this process since it started its program, in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024

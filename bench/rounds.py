"""Timing contenders side by side, for benchmarks whose figures are ratios between them.

On a shared VM the machine's speed drifts by up to 2x within minutes, so timing one
contender's runs and then the next one's compares runs made under different conditions. Here
a round times one run of every contender, back to back, and each ratio is taken within a
round; the median over rounds is the figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def paired_rounds(
    runs: dict[str, Callable[[], object]], rounds: int, warm_up: bool = True
) -> dict[str, list[tuple]]:
    """(wall seconds, result) of every run in each of `rounds` rounds, after one untimed run
    of each (which warms caches) unless the caller has warmed them. Each round starts one
    run further along, so that no run always follows the same one."""
    if warm_up:
        for run in runs.values():
            run()
    names = list(runs)
    timed: dict[str, list[tuple]] = {name: [] for name in names}
    for r in range(rounds):
        turn = r % len(names)
        for name in names[turn:] + names[:turn]:
            timed[name].append(timed_run(runs[name]))
    return timed


def timed_run(run: Callable[[], object]) -> tuple[float, object]:
    """(wall seconds, result) of `run()`."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def median_ratio(numerators: list[float], denominators: list[float]) -> tuple[float, list[float]]:
    """The median of the rounds' own ratios, and every round's."""
    ratios = [n / d for n, d in zip(numerators, denominators, strict=True)]
    return statistics.median(ratios), ratios

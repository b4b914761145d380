"""02_stats: exact per-band statistics of the train split, class counts and class weights.

`compute_stats` runs the Spark stage and writes `stats.json`; `load_stats` reads and checks
that file for the loader. Spark is imported only inside functions.
"""

from cropseries.stats.errors import StatsError
from cropseries.stats.file import Stats, load_stats
from cropseries.stats.stage import compute_stats

__all__ = ["Stats", "StatsError", "compute_stats", "load_stats"]

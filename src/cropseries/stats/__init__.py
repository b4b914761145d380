"""02_stats: exact per-band statistics of the train split, class counts and class weights.

Owns: `compute_stats` (the Spark stage, which writes `stats.json`), `load_stats` (reading and
checking that file for the loader), class counts and weights, and the `stats` command.
Spark is imported only inside functions.

May import: `cli`, `codecs`, `config`, `errors`, `histogram`, `indices`, `layout`, `legend`,
`moments`, `publish`, `reader`, `session`, `split_dataset`.
"""

from cropseries.stats.errors import StatsError
from cropseries.stats.file import Stats, load_stats
from cropseries.stats.stage import compute_stats

__all__ = ["Stats", "StatsError", "compute_stats", "load_stats"]

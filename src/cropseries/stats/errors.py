"""The exception of the 02_stats stage.

Raised on the driver (and by the Spark workers, whose message the driver passes on) when the
split dataset cannot give valid statistics, or when a `stats.json` is not valid. Its message
names the file or directory, the row or band, and what is wrong; when it is raised, nothing
has been written.
"""

from cropseries.errors import CropseriesError


class StatsError(CropseriesError, ValueError):
    """Bad input to 02_stats, or a bad stats.json; the message says what and where."""

"""01_split: course-layout rows into train / val / test without leakage, every row accounted for.

`run_split(spark, input_path, output_path, SplitConfig(...))` is the stage; the modules
below it are its parts: `checks` (what is refused or excluded), `labels`, `strategies`,
`assign`, `leakage`, `report` and `stage`.
"""

from cropseries.split.checks import REASONS, SplitError
from cropseries.split.report import SplitReport
from cropseries.split.stage import read_report, run_split

__all__ = ["REASONS", "SplitError", "SplitReport", "read_report", "run_split"]

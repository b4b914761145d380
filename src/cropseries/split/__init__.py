"""01_split: course-layout rows into train / val / test without leakage, every row accounted for.

Owns: the stage, `run_split(spark, input_path, output_path, SplitConfig(...))`, and its
parts: `checks` (what is refused or excluded), `labels`, `strategies`, `folds`
(cross-validation folds instead of train/val/test), `assign`, `leakage`, `report`, `stage`
and the `split` command (`cli`).

May import: `codecs`, `config`, `errors`, `geo`, `layout`, `legend`, `publish`, `reader`,
`session`, `split_dataset`.
"""

from cropseries.split.checks import REASONS, SplitError
from cropseries.split.report import SplitReport
from cropseries.split.stage import read_report, run_split

__all__ = ["REASONS", "SplitError", "SplitReport", "read_report", "run_split"]

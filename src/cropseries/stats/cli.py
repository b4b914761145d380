"""`python -m cropseries stats`: run 02_stats on a split dataset from the command line.

A thin wrapper over `stage.compute_stats`; Spark is imported only when the command runs.
"""

from __future__ import annotations

import argparse

from cropseries.cli import argument_type
from cropseries.codecs import CODECS, DEFAULT_CODEC
from cropseries.config import parse_codes, parse_fold
from cropseries.errors import ConfigError
from cropseries.layout import BANDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries stats`, one per `StatsConfig` field."""
    parser.add_argument(
        "--splits",
        required=True,
        help="the split dataset written by 01_split (holds split=train/ ...)",
    )
    parser.add_argument("--out", help="where to write stats.json (default: SPLITS/stats.json)")
    parser.add_argument(
        "--fold",
        type=argument_type(parse_fold),
        default=None,
        metavar="F",
        help="a dataset split into folds (01_split --folds): the statistics of fold F's training "
        "folds, into SPLITS/stats-fold<F>.json; 'all' for every fold",
    )
    parser.add_argument(
        "--exclude-scl",
        type=argument_type(parse_codes),
        default=(),
        metavar="CODES",
        help="SCL codes whose images do not count, e.g. 3,10 (default: none, as the course)",
    )
    parser.add_argument(
        "--per-label", action="store_true", help="also write band statistics per label"
    )
    parser.add_argument(
        "--legend",
        help="the legend 01_split labelled with (default: the split dataset's legend.yaml); "
        "a different one is an error",
    )
    parser.add_argument(
        "--indices",
        action="store_true",
        help="also the mean and std of every spectral index, for the loader's --indices",
    )
    parser.add_argument(
        "--medians",
        action="store_true",
        help="also each band's exact median, for the loader's --fill median",
    )
    parser.add_argument(
        "--codec",
        default=DEFAULT_CODEC,
        choices=sorted(CODECS),
        help="element type of the byte columns (default: uint16be, the course's)",
    )


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries stats`: 02_stats on a local Spark Connect session; prints the bands."""
    from cropseries.config import StatsConfig
    from cropseries.session import local_session
    from cropseries.split_dataset import selected_folds, stats_path
    from cropseries.stats.stage import compute_stats

    config = StatsConfig(
        exclude_scl=args.exclude_scl,
        per_label=args.per_label,
        indices=args.indices,
        medians=args.medians,
        legend=args.legend,
        codec=args.codec,
    )
    folds = selected_folds(args.splits, args.fold)
    if args.out and len(folds) > 1:
        raise ConfigError("--out names one file: leave it out with --fold all")
    for fold in folds:
        stats = compute_stats(local_session(), args.splits, config, out=args.out, fold=fold)
        _print(stats, args.out or stats_path(args.splits, fold))
    return 0


def _print(stats, path: str) -> None:
    """Where the statistics went, the bands' moments and the classes of every split."""
    print(f"wrote {path}: {stats.metadata['rows']} train rows, {stats.metadata['images']} images")
    print(f"{'band':>5} {'count':>12} {'mean':>10} {'std':>10}")
    for band, count, mean, std in zip(BANDS, stats.count, stats.mean, stats.std, strict=True):
        print(f"{band:>5} {count:>12} {mean:>10.2f} {std:>10.2f}")
    for split, counts in stats.class_counts.items():
        pairs = zip(stats.classes, counts, strict=True)
        print(f"{split}: " + ", ".join(f"{name} {n}" for name, n in pairs))

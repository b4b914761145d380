"""`python -m cropseries split`: run 01_split on a local Spark Connect session and print the report.

Arguments map one to one onto `SplitConfig`; Spark is imported only when the command runs.
"""

from __future__ import annotations

import argparse

from cropseries.codecs import CODECS
from cropseries.config import SPLIT_STRATEGIES, SplitConfig
from cropseries.split_dataset import SPLITS, report_path

_DEFAULT = SplitConfig()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries split`, one per `SplitConfig` field."""
    parser.add_argument("--input", required=True, help="course-layout dataset root")
    parser.add_argument("--output", required=True, help="split dataset folder (replaced)")
    parser.add_argument(
        "--strategy",
        choices=SPLIT_STRATEGIES,
        default=_DEFAULT.strategy,
        help="year: as the course; block: spatial blocks; year+block: both (default: %(default)s)",
    )
    parser.add_argument(
        "--folds",
        help="cross-validation folds instead of train/val/test: block:K (K spatial-block folds, "
        "stratified by class), year (leave one year out) or box (leave one box out)",
    )
    parser.add_argument("--seed", type=int, default=_DEFAULT.seed, help="seeds the block hash")
    for split in SPLITS:
        parser.add_argument(
            f"--{split}-years",
            type=int,
            nargs="*",
            default=list(_DEFAULT.years[split]),
            metavar="YEAR",
            help=f"years of {split} (default: %(default)s)",
        )
    parser.add_argument(
        "--block-size-m",
        type=float,
        default=_DEFAULT.block_size_m,
        help="edge of a square block, EPSG:5070 metres (default: %(default)s)",
    )
    parser.add_argument(
        "--fractions",
        type=float,
        nargs=3,
        default=list(_DEFAULT.fractions),
        metavar=("TRAIN", "VAL", "TEST"),
        help="target shares of blocks (default: %(default)s)",
    )
    parser.add_argument(
        "--legend",
        default=_DEFAULT.legend,
        help="the classes: course (default), slides, or a legend file of your own classes",
    )
    parser.add_argument(
        "--double-crops-in",
        nargs="*",
        choices=SPLITS,
        default=None,
        metavar="SPLIT",
        help="splits that keep double crops (default: the legend's keep_double_crops_in, the "
        "course's: test; none: give no value)",
    )
    parser.add_argument("--codec", choices=sorted(CODECS), default=_DEFAULT.codec)
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries split`: 01_split on a local Spark Connect session, then its report."""
    from cropseries.session import local_session
    from cropseries.split import run_split

    config = SplitConfig(
        strategy=args.strategy,
        train_years=args.train_years,
        val_years=args.val_years,
        test_years=args.test_years,
        block_size_m=args.block_size_m,
        fractions=args.fractions,
        seed=args.seed,
        legend=args.legend,
        double_crops_in=args.double_crops_in,
        codec=args.codec,
        folds=args.folds,
    )
    report = run_split(local_session(), args.input, args.output, config)
    print(report.to_json() if args.json else report.summary())
    print(f"report: {report_path(args.output)}")
    return 0

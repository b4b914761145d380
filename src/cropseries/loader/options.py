"""Command-line options shared by the loader's commands (export, inspect, loader-throughput).

They map one to one onto `LoaderConfig` fields and the input arguments of
`pipeline.plan`. The commands themselves live in their own modules.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from cropseries.cli import argument_type
from cropseries.codecs import CODECS, DEFAULT_CODEC
from cropseries.config import LoaderConfig, parse_codes
from cropseries.legend import LEGENDS
from cropseries.loader.pipeline import plan
from cropseries.split_dataset import stats_path


def add_input_arguments(parser: argparse.ArgumentParser, split: str) -> None:
    """--splits, --split, --stats, --layout."""
    parser.add_argument(
        "--splits", required=True, help="split dataset (01_split output) or course-layout dataset"
    )
    parser.add_argument("--split", default=split, help="split to read (default: %(default)s)")
    parser.add_argument(
        "--stats",
        help="stats.json of 02_stats (default: SPLITS/stats.json); 'course' for the course's "
        "published constants",
    )
    parser.add_argument(
        "--layout",
        choices=("auto", "split", "course"),
        default="auto",
        help="input layout (default: split if SPLITS has split=<name>/ folders, else course)",
    )


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The windowing options of `LoaderConfig`, course values by default."""
    defaults = LoaderConfig()
    parser.add_argument("--anchor", choices=("first_kept", "window_start"), default=defaults.anchor)
    parser.add_argument("--pick", choices=("earliest", "random"), default=defaults.pick)
    parser.add_argument(
        "--exclude-scl",
        type=argument_type(parse_codes),
        default=defaults.exclude_scl,
        help="comma-separated SCL classes dropped before windowing (default: none)",
    )
    parser.add_argument("--no-subsample", action="store_true", help="keep every image in a window")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--legend", choices=sorted(LEGENDS), default=defaults.legend)
    parser.add_argument("--codec", choices=sorted(CODECS), default=DEFAULT_CODEC)
    parser.add_argument("--seed", type=int, default=None, help="fix the random draws")


def config_from(args: argparse.Namespace, **overrides) -> LoaderConfig:
    return replace(
        LoaderConfig(),
        anchor=args.anchor,
        pick=args.pick,
        exclude_scl=tuple(args.exclude_scl),
        subsample=not args.no_subsample,
        batch_size=args.batch_size,
        legend=args.legend,
        codec=args.codec,
        seed=args.seed,
        **overrides,
    )


def stats_from(args: argparse.Namespace) -> str:
    """The --stats value: a path (SPLITS/stats.json by default) or "course"."""
    return args.stats or stats_path(args.splits)


def plan_from(args: argparse.Namespace, **kwargs):
    """The loader `Plan` a command's arguments describe: input, statistics, options, split."""
    return plan(
        args.splits,
        stats_from(args),
        config_from(args),
        split=args.split,
        layout=args.layout,
        **kwargs,
    )

"""`python -m cropseries report`: the run's report as one HTML file."""

from __future__ import annotations

import argparse

from cropseries.cli import at_least


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries report`."""
    from cropseries.report.build import Sampling

    defaults = Sampling()
    parser.add_argument("--splits", required=True, help="split dataset (01_split output)")
    parser.add_argument("--train", help="04_train's folder (model, training.json, results)")
    parser.add_argument(
        "--bench", help="a bench/loader.py result to show, e.g. bench/out/loader.json"
    )
    parser.add_argument("--out", required=True, help="the .html file to write")
    parser.add_argument(
        "--map-points", type=at_least(1), default=defaults.map_points, help="per split, on the map"
    )
    parser.add_argument(
        "--band-rows", type=at_least(1), default=defaults.band_rows, help="train rows, histograms"
    )
    parser.add_argument(
        "--pixels", type=at_least(1), default=defaults.pixels, help="pixels in the inspection"
    )
    parser.add_argument("--seed", type=at_least(0), default=defaults.seed, help="of every sample")


def run(args: argparse.Namespace) -> int:
    """Write the report and say where, and how large it is."""
    from cropseries.report.build import Sampling, write_report

    sampling = Sampling(args.map_points, args.band_rows, args.pixels, args.seed)
    size = write_report(args.splits, args.out, args.train, args.bench, sampling)
    print(f"wrote the report of {args.splits} to {args.out} ({size / 1e6:.1f} MB)")
    return 0

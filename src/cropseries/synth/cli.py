"""`python -m cropseries synth`: generate a dataset (--out) or report on one (--report).

A thin wrapper over `generate.generate` and `report.realism_report`.
"""

from __future__ import annotations

import argparse
import os

from cropseries.codecs import CODECS, DEFAULT_CODEC


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries synth`."""
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", metavar="DIR", help="write a new dataset to DIR")
    action.add_argument(
        "--report",
        metavar="DIR",
        help="compare one year of the dataset at DIR with the course's band "
        "statistics; exit code 1 if the realism target fails",
    )
    parser.add_argument(
        "--pixels",
        type=int,
        default=10_000,
        help="pixel locations; each gets one row per year, so rows = "
        "pixels x years (default: %(default)s)",
    )
    parser.add_argument(
        "--years",
        type=int,
        nargs="+",
        default=[2019, 2020, 2021],
        help="years to generate, 2018-2021 (default: 2019 2020 2021)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--codec",
        choices=sorted(CODECS),
        default=DEFAULT_CODEC,
        help="element type of bands/img_dates (default: %(default)s, as the course code)",
    )
    parser.add_argument(
        "--boxes",
        type=int,
        default=None,
        help="number of Delta boxes to spread the pixels over (default: all 7)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing DIR")
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        help="with --report: the year to compare (default: the latest present)",
    )
    parser.add_argument(
        "--figure",
        metavar="FILE",
        help="with --report: where to write the seasonal-curves figure (HTML; default: "
        "DIR-realism.html beside DIR)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def write_seasonal_figure(path: str, year: int, codec: str, out: str) -> bool:
    """Each crop's seasonal curves in `year` of the dataset at `path`, as offline HTML; False
    (and nothing written) when the year holds none of the crops."""
    from cropseries.figures.synth import seasonal_figure
    from cropseries.publish import publish
    from cropseries.reader import local_path
    from cropseries.synth.report import seasonal_curves

    curves = seasonal_curves(path, year, codec)
    if not curves.quantiles:
        return False
    with publish(local_path(out)) as staging:
        seasonal_figure(curves).write_html(staging, include_plotlyjs=True)
    return True


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries synth`: generate a dataset, or report on one's realism."""
    from cropseries.synth.generate import SynthConfig, generate
    from cropseries.synth.report import format_realism, realism_report

    if args.report:
        report = realism_report(args.report, year=args.year, codec=args.codec)
        print(format_realism(report))
        figure = args.figure or f"{os.path.abspath(args.report)}-realism.html"
        if write_seasonal_figure(args.report, report.year, args.codec, figure):
            print(f"wrote the seasonal curves of {report.year} beside the calendar to {figure}")
        else:
            print(f"no seasonal curves: year {report.year} has none of the crops they show")
        return 0 if report.passed else 1
    config = SynthConfig(
        pixels=args.pixels,
        years=tuple(args.years),
        seed=args.seed,
        codec=args.codec,
        **({"boxes": args.boxes} if args.boxes else {}),
    )
    files = generate(args.out, config, progress=not args.quiet, overwrite=args.overwrite)
    print(
        f"wrote {config.pixels * len(config.years):,} pixel-years ({config.pixels:,} pixels x "
        f"{len(config.years)} years) in {files} files to {args.out}"
    )
    return 0

"""The loader's commands: `export`, `inspect` and `loader-throughput`, and their shared options.

The options map one to one onto `LoaderConfig` fields and the input arguments of
`pipeline.plan`; each command builds its plan with `plan_from` and calls one library
function (`export.export_npz`, `inspection.inspect_pixels`, or the tf.data dataset).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from cropseries.cli import argument_type, at_least
from cropseries.codecs import CODECS, DEFAULT_CODEC
from cropseries.config import LoaderConfig, parse_bands, parse_codes, parse_names
from cropseries.indices import INDICES
from cropseries.layout import BANDS
from cropseries.loader.pipeline import plan
from cropseries.loader.windows import parse_start_days, parse_window
from cropseries.split_dataset import stats_path


def add_input_arguments(parser: argparse.ArgumentParser, split: str) -> None:
    """--splits, --split, --fold, --stats, --layout."""
    parser.add_argument(
        "--splits", required=True, help="split dataset (01_split output) or course-layout dataset"
    )
    parser.add_argument("--split", default=split, help="split to read (default: %(default)s)")
    add_fold_argument(parser, "read SPLIT (train, val or test) of fold F's selection")
    parser.add_argument(
        "--stats",
        help="stats.json of 02_stats (default: SPLITS/stats.json, or SPLITS/stats-fold<F>.json "
        "with --fold); 'course' for the course's published constants",
    )
    parser.add_argument(
        "--layout",
        choices=("auto", "split", "course"),
        default="auto",
        help="input layout (default: split if SPLITS has split=<name>/ folders, else course)",
    )


def add_fold_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--fold F, for a dataset that 01_split split into cross-validation folds."""
    parser.add_argument(
        "--fold",
        type=at_least(0),
        default=None,
        metavar="F",
        help=f"a dataset split into folds (01_split --folds): {what}",
    )


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The windowing options of `LoaderConfig`, course values by default."""
    defaults = LoaderConfig()
    add_example_arguments(parser)
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
    parser.add_argument(
        "--legend",
        help="the classes of y: default the split dataset's legend (the course's for a "
        "course-layout dataset); a name or legend file",
    )
    parser.add_argument("--codec", choices=sorted(CODECS), default=DEFAULT_CODEC)
    parser.add_argument("--seed", type=int, default=None, help="fix the random draws")


def window(text: str) -> str:
    """A window strategy's name, checked (`windows.parse_window`); the config keeps the name."""
    parse_window(text)
    return text.strip()


def add_example_arguments(parser: argparse.ArgumentParser) -> None:
    """What an example is: --window, --days-in-series, --days-per-bucket, --bands,
    --indices, --fill (the course's by default); a model is trained and judged with the
    same."""
    defaults = LoaderConfig()
    parser.add_argument(
        "--window",
        type=argument_type(window),
        help="where windows are cut: 'random', 'starts:0,15,...,200', 'ending:MM-DD' (the "
        "season as of that day) or 'season:early,mid,late' (default: the course's, random in "
        "training, the start-day grid in evaluation; a window overrides --start-days)",
    )
    parser.add_argument(
        "--days-in-series",
        type=at_least(1),
        default=defaults.days_in_series,
        help="window length in days (default: %(default)s)",
    )
    parser.add_argument(
        "--days-per-bucket",
        type=at_least(1),
        default=defaults.days_per_bucket,
        help="bucket width in days (default: %(default)s; buckets: length // width + 1)",
    )
    parser.add_argument(
        "--indices",
        type=parse_names,
        default=(),
        help=f"spectral indices x holds after the bands, in order, comma-separated: "
        f"{', '.join(INDICES)} (default: none)",
    )
    parser.add_argument(
        "--fill",
        choices=("zero", "median"),
        default=defaults.fill,
        help="what empty buckets hold: 'zero', the course's 0 (the train mean), or 'median', "
        "each band's train median from stats.json (default: %(default)s)",
    )
    parser.add_argument(
        "--bands",
        type=parse_bands,
        help=f"the bands x holds, in order, comma-separated (default: all 12, {','.join(BANDS)})",
    )


def example_options(args: argparse.Namespace) -> dict:
    """The `LoaderConfig` fields of `add_example_arguments`."""
    return {
        "window": args.window,
        "days_in_series": args.days_in_series,
        "days_per_bucket": args.days_per_bucket,
        "bands": args.bands,
        "fill": args.fill,
        "indices": args.indices,
    }


def config_from(args: argparse.Namespace) -> LoaderConfig:
    """The `LoaderConfig` the windowing options describe (course values where not given)."""
    return replace(
        LoaderConfig(),
        **example_options(args),
        anchor=args.anchor,
        pick=args.pick,
        exclude_scl=tuple(args.exclude_scl),
        subsample=not args.no_subsample,
        batch_size=args.batch_size,
        legend=args.legend,
        codec=args.codec,
        seed=args.seed,
    )


def plan_from(args: argparse.Namespace, **kwargs):
    """The loader `Plan` a command's arguments describe: input, statistics, options, split."""
    return plan(
        args.splits,
        args.stats or stats_path(args.splits, args.fold),
        config_from(args),
        split=args.split,
        layout=args.layout,
        fold=args.fold,
        **kwargs,
    )


# -- export ----------------------------------------------------------------------------------


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries export`."""
    add_input_arguments(parser, split="test")
    parser.add_argument(
        "--start-days",
        type=argument_type(parse_start_days),
        default=LoaderConfig().eval_start_days,
        help="evaluation window starts: '0,15,...,200' (the course's, default) or a list",
    )
    parser.add_argument("--out", required=True, help="the .npz file to write")
    add_config_arguments(parser)


def run_export(args: argparse.Namespace) -> int:
    """Evaluation-mode tensors of a split, extras included, in one `.npz`."""
    from cropseries.loader.export import export_npz

    job = plan_from(args, training=False, start_days=args.start_days, extras=True)
    rows = export_npz(job, args.out)
    cut = args.window or f"{len(args.start_days)} start days"
    print(f"wrote {rows:,} examples (split {job.source.split!r}, {cut}) to {args.out}")
    return 0


# -- inspect ---------------------------------------------------------------------------------


def add_inspect_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries inspect`."""
    add_input_arguments(parser, split="train")
    parser.add_argument("--out", required=True, help="the .html file to write")
    parser.add_argument("--pixels", type=at_least(1), default=12, help="pixels in the figure")
    parser.add_argument("--band", choices=(*BANDS, "NDVI"), default="B08", help="shown first")
    add_config_arguments(parser)


def run_inspect(args: argparse.Namespace) -> int:
    """The inspection figure of a split's first pixels, as a self-contained HTML file."""
    from cropseries.figures.loader import inspection_figure
    from cropseries.loader.inspection import inspect_pixels
    from cropseries.publish import publish

    job = plan_from(args, training=True)
    views = inspect_pixels(job, args.pixels, seed=args.seed or 0)
    with publish(args.out) as staging:
        inspection_figure(views, args.band).write_html(staging, include_plotlyjs=True)
    print(
        f"wrote the inspection of {len(views)} pixels of split {job.source.split!r} to {args.out}"
    )
    return 0


# -- loader-throughput -----------------------------------------------------------------------


def add_throughput_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries loader-throughput`."""
    add_input_arguments(parser, split="train")
    parser.add_argument("--epochs", type=at_least(1), default=2, help="epochs to time (default: 2)")
    add_config_arguments(parser)


def run_throughput(args: argparse.Namespace) -> int:
    """Training rows per second of the tf.data dataset over a split, epoch by epoch (for a
    comparison with the course's pipeline and the physical floor, see bench/loader.py)."""
    from cropseries.loader.pipeline import to_dataset

    job = plan_from(args, training=True)
    print(
        f"loader: split {job.source.split!r} of {args.splits}: {job.source.num_rows:,} rows in "
        f"{len(job.source.units)} row groups; batch {job.config.batch_size}, shuffle buffer "
        f"{job.config.shuffle_buffer:,}"
    )
    for epoch, (rows, seconds) in enumerate(time_epochs(to_dataset(job), args.epochs), 1):
        print(
            f"  epoch {epoch}: {rows:,} examples in {seconds:.2f} s = {rows / seconds:,.0f} rows/s"
        )
    return 0


def time_epochs(dataset, epochs: int) -> list[tuple[int, float]]:
    """(rows, seconds) of each of `epochs` epochs of a dataset of (x, y) batches."""
    results = []
    for _ in range(epochs):
        started, rows = time.perf_counter(), 0
        for x, _ in dataset:
            rows += int(x.shape[0])
        results.append((rows, time.perf_counter() - started))
    return results

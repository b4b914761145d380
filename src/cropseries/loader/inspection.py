"""What the loader does to a few pixels, kept whole for a person to look at.

`inspect_pixels` takes the first eligible rows of a split, cuts one training window each
with a seeded generator (the kernel the batches use) and keeps everything a figure needs:
the raw irregular series, the window, the bucket grid, the bucketed normalized bands and
the label before and after the vegetation rule. `batch_summary` describes one batch; the
`inspect` command writes the figure (drawn by `figures.loader`) to an HTML file.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from cropseries.config import LoaderConfig
from cropseries.layout import BANDS
from cropseries.legend import legend_by_name
from cropseries.loader.bucketing import bucketize, filter_observations, ndvi
from cropseries.loader.labels import apply_vegetation_rule
from cropseries.loader.options import (
    add_config_arguments,
    add_input_arguments,
    plan_from,
)
from cropseries.loader.pipeline import Plan, model_input, plan
from cropseries.loader.source import read_chunks
from cropseries.loader.windows import training_windows
from cropseries.publish import publish


@dataclass(frozen=True)
class PixelView:
    """One pixel through the loader.

    Raw series (n images): `days` int [n] since the first image, `bands` int [n, 12] DN,
    `ndvi` int [n], `scl` int [n]. Window: `start_day`, `end_day` (inclusive), `anchor_day`
    (where bucket 0 starts), `bucket_days` (width). Bucketed: `raw` int32 [25, 15],
    `filled` bool [25], `kept` int [filled buckets] (the raw image in each, by position),
    `x` float32 [25, 12] (what the model sees). Labels as class names.
    """

    pixel_id: int
    lon: float
    lat: float
    file: str
    row: int
    days: np.ndarray
    bands: np.ndarray
    ndvi: np.ndarray
    scl: np.ndarray
    start_day: int
    end_day: int
    anchor_day: int
    bucket_days: int
    raw: np.ndarray
    filled: np.ndarray
    kept: np.ndarray
    x: np.ndarray
    label: str
    final_label: str


def inspect_pixels(plan: Plan, pixels: int = 12, seed: int = 0) -> list[PixelView]:
    """Up to `pixels` rows (the first rows the loader keeps, in file order), one random
    training window each, drawn from `numpy.random.default_rng(seed)`."""
    config: LoaderConfig = plan.config
    legend = plan.legend
    rng = np.random.default_rng(seed)
    views: list[PixelView] = []
    chunks = read_chunks(
        plan.source, plan.source.units, legend, config.codec, config.read_rows, locations=True
    )
    for chunk in chunks:
        series = filter_observations(chunk.series, config.exclude_scl)
        rows = np.arange(series.num_rows)
        if not plan.keeps_double_crops:
            rows = rows[~chunk.double_crop]
        rows = rows[: pixels - len(views)]
        windows = training_windows(series, rows, rng, config)
        bucketed = bucketize(series, windows, config)
        raw, filled = bucketed.raw, bucketed.filled
        x = model_input(bucketed, plan.normalization)
        final = apply_vegetation_rule(chunk.labels[rows], bucketed.vegetated, legend)
        buckets = config.num_buckets
        for e, row in enumerate(rows):
            lo, hi = series.offsets[row], series.offsets[row + 1]
            first, last = np.searchsorted(bucketed.cells, [e * buckets, (e + 1) * buckets])
            bands = series.bands[lo:hi].astype(np.int32)
            dates = series.dates[lo:hi].astype(np.int64)
            start = int(windows.start_days[e])
            views.append(
                PixelView(
                    pixel_id=int(chunk.pixel_id[row]),
                    lon=float(chunk.lon[row]),
                    lat=float(chunk.lat[row]),
                    file=chunk.file,
                    row=chunk.first_row + int(row),
                    days=dates - dates[0] if len(dates) else dates,
                    bands=bands,
                    ndvi=ndvi(bands),
                    scl=series.scl[lo:hi].astype(np.int32),
                    start_day=start,
                    end_day=start + config.days_in_series,
                    anchor_day=int(bucketed.anchor_days[e]),
                    bucket_days=config.days_per_bucket,
                    raw=raw[e],
                    filled=filled[e],
                    kept=bucketed.images[first:last] - lo,
                    x=x[e],
                    label=legend.classes[chunk.labels[row]],
                    final_label=legend.classes[final[e]],
                )
            )
        if len(views) >= pixels:
            break
    return views


def batch_summary(batch: dict, classes: tuple[str, ...]) -> dict:
    """Shapes and dtypes of a batch's arrays, and its rows per class (from one-hot `y`)."""
    counts = np.asarray(batch["y"]).sum(axis=0).astype(int)
    return {
        "shapes": {k: (tuple(np.shape(v)), str(np.asarray(v).dtype)) for k, v in batch.items()},
        "label_counts": dict(zip(classes, counts.tolist(), strict=True)),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser, split="train")
    parser.add_argument("--out", required=True, help="the .html file to write")
    parser.add_argument("--pixels", type=int, default=12, help="pixels in the figure")
    parser.add_argument("--band", choices=(*BANDS, "NDVI"), default="B08", help="shown first")
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries inspect`: the inspection figure of a split, as an HTML file."""
    from cropseries.figures.loader import inspection_figure

    job = plan_from(args, training=True)
    views = inspect_pixels(job, args.pixels, seed=args.seed or 0)
    with publish(args.out) as staging:
        inspection_figure(views, args.band).write_html(staging, include_plotlyjs=True)
    print(
        f"wrote the inspection of {len(views)} pixels of split {job.source.split!r} to {args.out}"
    )
    return 0


@dataclass(frozen=True)
class Overview:
    """What the 03_loader notebook shows: the datasets, one batch described, pixels to inspect."""

    train: object
    val: object
    summary: dict
    views: list[PixelView]


def overview(
    splits: str,
    stats,
    config: LoaderConfig,
    *,
    train_split: str = "train",
    val_split: str = "val",
    layout: str = "auto",
    pixels: int = 12,
) -> Overview:
    """Build the training dataset of `train_split` and the evaluation dataset of `val_split`
    ((x, y) batches), describe the first training batch and inspect `pixels` pixels."""
    from cropseries.loader.pipeline import evaluation_dataset, training_dataset

    train = training_dataset(splits, stats, config, split=train_split, layout=layout)
    val = evaluation_dataset(splits, stats, config, split=val_split, extras=False, layout=layout)
    x, y = next(iter(train))
    classes = legend_by_name(config.legend).classes
    summary = batch_summary({"x": x.numpy(), "y": y.numpy()}, classes)
    job = plan(splits, stats, config, training=True, split=train_split, layout=layout)
    return Overview(train, val, summary, inspect_pixels(job, pixels, seed=config.seed or 0))

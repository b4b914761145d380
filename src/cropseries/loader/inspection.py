"""What the loader does to a few pixels, kept whole for a person to look at.

`inspect_pixels` takes the first eligible rows of a split, cuts one training window each
with a seeded generator (the kernel the batches use) and keeps everything a figure needs:
the raw irregular series, the window, the bucket grid, the bucketed normalized bands and
the label before and after the vegetation rule. `batch_summary` describes one batch. This
module only gathers data: `figures.loader` draws it, the `inspect` command (`loader.cli`)
writes the figure to HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from cropseries.config import LoaderConfig
from cropseries.loader.bucketing import ndvi
from cropseries.loader.pipeline import Plan, model_input, plan, windowed
from cropseries.loader.source import read_pieces


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
    pieces = read_pieces(
        plan.source, plan.source.units, legend, config.codec, config.read_rows, locations=True
    )
    for chunk in (piece.chunk() for piece in pieces):
        cut = windowed(chunk, plan, rng, limit=pixels - len(views))
        series, windows, bucketed = cut.series, cut.windows, cut.bucketed
        raw, filled = bucketed.raw, bucketed.filled
        x = model_input(bucketed, replace(plan.inputs, positions=None))  # all 12 bands
        buckets = config.num_buckets
        for e, row in enumerate(windows.rows):
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
                    label=legend.classes[cut.labels[e]],
                    final_label=legend.classes[cut.targets[e]],
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
    fold: int | None = None,
) -> Overview:
    """Build the training dataset of `train_split` and the evaluation dataset of `val_split`
    ((x, y) batches; of cross-validation fold `fold`'s selection, if given), describe the
    first training batch and inspect `pixels` pixels."""
    from cropseries.loader.pipeline import evaluation_dataset, training_dataset

    where = {"layout": layout, "fold": fold}
    train = training_dataset(splits, stats, config, split=train_split, **where)
    val = evaluation_dataset(splits, stats, config, split=val_split, extras=False, **where)
    x, y = next(iter(train))
    job = plan(splits, stats, config, training=True, split=train_split, **where)
    summary = batch_summary({"x": x.numpy(), "y": y.numpy()}, job.legend.classes)
    return Overview(train, val, summary, inspect_pixels(job, pixels, seed=config.seed or 0))

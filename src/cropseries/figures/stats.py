"""Figures of 02_stats: raw band distributions with the computed mean ± std, and classes per split.

Histograms come from a bounded random sample of train rows (drawn by Spark, binned with
numpy); the mean and std lines are the exact statistics of the whole split. This module
draws; computing the statistics is `cropseries.stats`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cropseries.codecs import decode_series
from cropseries.config import StatsConfig
from cropseries.figures.colours import class_colours
from cropseries.layout import BAND_NAMES, BANDS
from cropseries.moments import valid_observations
from cropseries.reader import spark_path
from cropseries.stats.file import Stats


@dataclass(frozen=True)
class BandSample:
    """Valid raw DN of a sample of train rows: `values` int32 [images, 12], `valid` bool
    [images, 12], drawn from `rows` rows."""

    values: np.ndarray
    valid: np.ndarray
    rows: int

    @classmethod
    def of(cls, table, config: StatsConfig) -> BandSample:
        """The sample of the rows of an Arrow table of the series columns."""
        series = decode_series(table, config.codec)
        return cls(series.bands, valid_observations(series, config.exclude_scl), table.num_rows)


def sample_band_values(
    spark,
    train_dir: str,
    stats: Stats,
    config: StatsConfig | None = None,
    max_rows: int = 2000,
    seed: int = 0,
) -> BandSample:
    """About `max_rows` random rows of the train split (never more), decoded on the driver."""
    config = config or StatsConfig()
    total = int(stats.metadata.get("rows", max_rows))
    fraction = min(1.0, 2.0 * max_rows / max(total, 1))
    frame = (
        spark.read.parquet(spark_path(train_dir))
        .select("num_images", "bands", "img_dates", "scl_vals")
        .sample(fraction=fraction, seed=seed)
        .limit(max_rows)
    )
    return BandSample.of(frame.toArrow(), config)


def band_distributions(sample: BandSample, stats: Stats, bins: int = 60) -> go.Figure:
    """Histograms of valid raw DN per band (3 x 4 panels), with mean (solid) and mean ± std
    (dashed) of the whole train split marked."""
    titles = [f"{band} {name}" for band, name in zip(BANDS, BAND_NAMES, strict=True)]
    fig = make_subplots(rows=3, cols=4, subplot_titles=titles)
    for band, name in enumerate(BANDS):
        row, col = band // 4 + 1, band % 4 + 1
        values = sample.values[sample.valid[:, band], band]
        mean, std = float(stats.mean[band]), float(stats.std[band])
        top = max(float(np.percentile(values, 99.5)) if len(values) else 0.0, mean + 1.5 * std)
        counts, edges = np.histogram(values, bins=bins, range=(0.0, top))
        fig.add_trace(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=counts,
                width=edges[1] - edges[0],
                name=name,
                showlegend=False,
                marker_color="#4C78A8",
                hovertemplate="DN %{x:.0f}: %{y} observations<extra>" + name + "</extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_vline(x=mean, line_color="black", row=row, col=col)
        for edge in (mean - std, mean + std):
            fig.add_vline(x=edge, line_color="black", line_dash="dash", row=row, col=col)
    fig.update_layout(
        title=f"Raw DN of valid observations in {sample.rows} sampled train rows (up to the "
        f"99.5th percentile); lines: mean ± std of all {stats.metadata.get('rows', '?')} rows",
        bargap=0,
        height=750,
    )
    return fig


def class_distribution(stats: Stats) -> go.Figure:
    """Share of rows per class in each split: one stacked bar per split, a segment per class
    in the legend's colours (counts on hover)."""
    splits = list(stats.class_counts)
    totals = {split: max(int(c.sum()), 1) for split, c in stats.class_counts.items()}
    colours = class_colours(tuple(stats.classes))
    fig = go.Figure()
    for c, name in enumerate(stats.classes):
        counts = [int(stats.class_counts[split][c]) for split in splits]
        fig.add_trace(
            go.Bar(
                x=[f"{split} ({totals[split]:,} rows)" for split in splits],
                y=[n / totals[split] for n, split in zip(counts, splits, strict=True)],
                name=name,
                marker_color=colours[name],
                customdata=counts,
                hovertemplate="%{x}: %{customdata:,} rows (%{y:.1%})<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        yaxis_tickformat=".0%",
        xaxis_title="split",
        yaxis_title="share of rows",
        title="Classes per split (labels from the CDL class, before the vegetation rule)",
    )
    return fig

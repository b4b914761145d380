"""Figures of a split dataset: pixels on a lon/lat map by split, classes per split and year,
exclusions.

The map uses plain lon/lat axes (no map tiles) and SVG markers, so it renders offline and
without WebGL. `map_sample` draws a bounded sample of pixel locations with Spark (the report
samples with pyarrow); the other figures read only the report.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cropseries.figures.colours import class_colours, split_colours
from cropseries.split.checks import REASONS
from cropseries.split.report import SplitReport
from cropseries.split_dataset import SPLITS, dataset_legend, split_path


def map_sample(spark, report: SplitReport, max_points: int = 20_000, seed: int = 0):
    """A pandas frame (split, lon, lat, block_id) of at most `max_points` pixel locations of
    the split dataset of `report`, sampled uniformly over locations with Spark."""
    from pyspark.sql import functions as F

    from cropseries.reader import spark_path

    root = report.output_path.rstrip("/")
    rows = spark.read.option("basePath", spark_path(root)).parquet(
        *[spark_path(split_path(root, s)) for s in report.splits]
    )
    total = sum(report.pixels.values())
    fraction = min(1.0, max_points / total) if total else 1.0
    locations = rows.groupBy("split", "pixel_id").agg(
        F.min("lon").alias("lon"), F.min("lat").alias("lat"), F.min("block_id").alias("block_id")
    )
    return (
        locations.sample(fraction=fraction, seed=seed)
        .limit(max_points)
        .select("split", "lon", "lat", "block_id")
        .toPandas()
    )


def split_map(points, splits: tuple[str, ...] = SPLITS) -> go.Figure:
    """Pixel locations (a frame with split, lon, lat, block_id) coloured by split, one panel
    per split (or fold) on shared lon/lat axes; a pixel's block on hover."""
    fig = make_subplots(
        rows=1, cols=len(splits), subplot_titles=splits, shared_xaxes=True, shared_yaxes=True
    )
    colours = split_colours(splits)
    for col, split in enumerate(splits, 1):
        part = points[points["split"] == split]
        fig.add_trace(
            go.Scatter(
                x=part["lon"],
                y=part["lat"],
                mode="markers",
                name=f"{split} ({len(part):,})",
                marker={"size": 3, "color": colours[split]},
                customdata=part["block_id"],
                hovertemplate="lon %{x:.4f}, lat %{y:.4f}<br>block %{customdata}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(title_text="longitude (deg)", row=1, col=col)
    mean_lat = float(points["lat"].mean()) if len(points) else 0.0
    fig.update_layout(
        title="Pixel locations by split (sample)",
        yaxis_title="latitude (deg)",
        legend={"itemsizing": "constant"},
    )
    # A degree of longitude is cos(lat) of a degree of latitude: keep the map undistorted.
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(mean_lat)), 0.1))
    return fig


def class_counts(report: SplitReport, classes: tuple[str, ...]) -> go.Figure:
    """Rows per class (before the vegetation rule) in each split and year: one stacked bar per
    split and year, a segment per class of `classes` (the legend's order and colours)."""
    groups = [
        (split, year)
        for split in report.splits
        for year in sorted(report.classes_by_year.get(split, {}))
    ]
    colours = class_colours(classes)
    fig = go.Figure(
        [
            go.Bar(
                x=[f"{split} {year}" for split, year in groups],
                y=[report.classes_by_year[split][year].get(name, 0) for split, year in groups],
                name=name,
                marker_color=colours[name],
                hovertemplate="%{x}: %{y:,} rows<extra>" + name + "</extra>",
            )
            for name in classes
        ]
    )
    fig.update_layout(
        title="Rows per class, split and year",
        barmode="stack",
        xaxis_title="split and year",
        yaxis_title="rows",
    )
    return fig


def exclusions(report: SplitReport) -> go.Figure:
    """Excluded rows by reason, with each reason's meaning on hover."""
    reasons = [r for r in REASONS if report.excluded.get(r)]
    fig = go.Figure(
        go.Bar(
            x=reasons,
            y=[report.excluded[r] for r in reasons],
            hovertext=[REASONS[r] for r in reasons],
            marker_color="#7f7f7f",
        )
    )
    fig.update_layout(
        title=f"Excluded rows by reason ({report.excluded_rows:,} of {report.input_rows:,})",
        xaxis_title="reason",
        yaxis_title="rows",
    )
    return fig


def split_figures(spark, report: SplitReport, max_points: int = 20_000) -> list[go.Figure]:
    """The three figures of a split: map (sampled with Spark), classes (in the order and
    colours of the dataset's legend), exclusions."""
    classes = dataset_legend(report.output_path).classes
    return [
        split_map(map_sample(spark, report, max_points), report.splits),
        class_counts(report, tuple(classes)),
        exclusions(report),
    ]

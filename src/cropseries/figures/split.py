"""Figures of a split dataset: pixels on a lon/lat map by split, classes per split, exclusions.

The map uses plain lon/lat axes (no map tiles), so it renders offline. `map_sample` draws a
bounded sample of pixel locations with Spark; the other figures read only the report.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from cropseries.split.checks import REASONS
from cropseries.split.report import SplitReport
from cropseries.split_dataset import SPLITS, split_path

#: One colour per split, and grey for excluded rows.
SPLIT_COLOURS = {"train": "#1f77b4", "val": "#ff7f0e", "test": "#2ca02c"}


def map_sample(spark, report: SplitReport, max_points: int = 20_000, seed: int = 0):
    """A pandas frame (split, lon, lat) of at most `max_points` pixel locations of the split
    dataset of `report`, sampled uniformly over locations with Spark."""
    from pyspark.sql import functions as F

    from cropseries.reader import spark_path

    root = report.output_path.rstrip("/")
    rows = spark.read.option("basePath", spark_path(root)).parquet(
        *[spark_path(split_path(root, s)) for s in SPLITS]
    )
    total = sum(report.pixels.values())
    fraction = min(1.0, max_points / total) if total else 1.0
    locations = rows.groupBy("split", "pixel_id").agg(
        F.min("lon").alias("lon"), F.min("lat").alias("lat")
    )
    return (
        locations.sample(fraction=fraction, seed=seed)
        .limit(max_points)
        .select("split", "lon", "lat")
        .toPandas()
    )


def split_map(points) -> go.Figure:
    """Pixel locations (a frame with split, lon, lat) coloured by split, on lon/lat axes."""
    fig = go.Figure()
    for split in SPLITS:
        part = points[points["split"] == split]
        fig.add_trace(
            go.Scattergl(
                x=part["lon"],
                y=part["lat"],
                mode="markers",
                name=f"{split} ({len(part):,})",
                marker={"size": 3, "color": SPLIT_COLOURS[split]},
            )
        )
    mean_lat = float(points["lat"].mean()) if len(points) else 0.0
    fig.update_layout(
        title="Pixel locations by split (sample)",
        xaxis_title="longitude (deg)",
        yaxis_title="latitude (deg)",
        legend={"itemsizing": "constant"},
    )
    # A degree of longitude is cos(lat) of a degree of latitude: keep the map undistorted.
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(mean_lat)), 0.1))
    return fig


def class_counts(report: SplitReport) -> go.Figure:
    """Rows per class (legend order, before the vegetation rule), one bar group per split."""
    names = list(dict.fromkeys(c for split in SPLITS for c in report.classes[split]))
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=[report.classes[split].get(c, 0) for c in names],
                name=split,
                marker_color=SPLIT_COLOURS[split],
            )
            for split in SPLITS
        ]
    )
    fig.update_layout(title="Rows per class and split", barmode="group", yaxis_title="rows")
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
        yaxis_title="rows",
    )
    return fig


def split_figures(spark, report: SplitReport, max_points: int = 20_000) -> list[go.Figure]:
    """The three figures of a split: map (sampled with Spark), classes, exclusions."""
    return [
        split_map(map_sample(spark, report, max_points)),
        class_counts(report),
        exclusions(report),
    ]

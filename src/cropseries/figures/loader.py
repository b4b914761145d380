"""Figures of 03_loader: a pixel's raw series beside what the model sees, and the benchmark.

`inspection_figure` draws `loader.inspection.PixelView`s: left, the raw irregular series
(a band or NDVI, markers coloured by SCL) with the sampled window shaded, the bucket grid
and the image kept in each bucket ringed; right, the bucketed series (normalized bands as
the model sees them; NDVI as bucketed). A slider moves between pixels, a dropdown between
bands. `benchmark_figure` draws the result of bench/loader.py. This module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cropseries.layout import BANDS, SCL_NAMES
from cropseries.loader.bucketing import NDVI
from cropseries.loader.inspection import PixelView

#: One colour per stored SCL class (others grey).
SCL_COLOURS = {2: "#4d4d4d", 3: "#8c6d31", 4: "#2ca02c", 5: "#d6a05b", 6: "#1f77b4", 10: "#b39ddb"}
CHOICES: tuple[str, ...] = (*BANDS, "NDVI")
TRACES_PER_PIXEL = 3


def _raw_values(view: PixelView, choice: str) -> np.ndarray:
    return view.ndvi if choice == "NDVI" else view.bands[:, BANDS.index(choice)]


def _bucketed_values(view: PixelView, choice: str) -> list:
    """The model's value per bucket for a band (normalized), or the bucketed NDVI; None if empty."""
    values = view.raw[:, NDVI] if choice == "NDVI" else view.x[:, BANDS.index(choice)]
    return [float(v) if f else None for v, f in zip(values, view.filled, strict=True)]


def _ys(views: list[PixelView], choice: str) -> list:
    """y arrays of every trace, in trace order, for one band choice."""
    ys = []
    for view in views:
        raw = _raw_values(view, choice)
        ys += [raw.tolist(), raw[view.kept].tolist(), _bucketed_values(view, choice)]
    return ys


def _shapes(view: PixelView) -> list[dict]:
    """The window (shaded) and the bucket grid (dotted) of one pixel, on the left panel."""
    shapes = [
        dict(
            type="rect",
            xref="x",
            yref="paper",
            x0=view.start_day,
            x1=view.end_day,
            y0=0,
            y1=1,
            fillcolor="rgba(255, 200, 0, 0.15)",
            line_width=0,
            layer="below",
        )
    ]
    if view.filled.any():
        for b in range(len(view.filled) + 1):
            edge = view.anchor_day + b * view.bucket_days
            shapes.append(
                dict(
                    type="line",
                    xref="x",
                    yref="paper",
                    x0=edge,
                    x1=edge,
                    y0=0,
                    y1=1,
                    line=dict(color="rgba(0, 0, 0, 0.2)", width=1, dash="dot"),
                )
            )
    return shapes


def _title(view: PixelView) -> str:
    rule = "" if view.label == view.final_label else " (vegetation rule)"
    return (
        f"pixel {view.pixel_id} ({view.lon:.4f}, {view.lat:.4f}): window days "
        f"{view.start_day}-{view.end_day}, {int(view.filled.sum())} of {len(view.filled)} "
        f"buckets filled; label {view.label} -> {view.final_label}{rule}"
    )


def inspection_figure(views: list[PixelView], choice: str = "B08") -> go.Figure:
    """The interactive inspection figure of `views` (at least one), showing `choice` first."""
    if not views:
        raise ValueError("no pixels to show")
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.08,
        subplot_titles=("raw series (days since the first image)", "what the model sees"),
    )
    for i, view in enumerate(views):
        visible = i == 0
        raw = _raw_values(view, choice)
        colours = [SCL_COLOURS.get(int(s), "#999999") for s in view.scl]
        hover = [
            f"day {d}, SCL {s} {SCL_NAMES.get(int(s), '')}"
            for d, s in zip(view.days, view.scl, strict=True)
        ]
        kept = view.kept
        figure.add_trace(
            go.Scatter(
                x=view.days,
                y=raw,
                mode="lines+markers",
                name="image (colour: SCL)",
                marker=dict(color=colours, size=7),
                line=dict(color="#bbbbbb"),
                text=hover,
                visible=visible,
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=view.days[kept],
                y=raw[kept],
                mode="markers",
                name="kept in a bucket",
                marker=dict(size=13, color="rgba(0,0,0,0)", line=dict(width=2)),
                visible=visible,
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=np.arange(len(view.filled)),
                y=_bucketed_values(view, choice),
                mode="lines+markers",
                name="bucket value",
                connectgaps=False,
                visible=visible,
            ),
            row=1,
            col=2,
        )

    steps = []
    for i, view in enumerate(views):
        visible = [j // TRACES_PER_PIXEL == i for j in range(len(figure.data))]
        steps.append(
            dict(
                method="update",
                label=str(view.pixel_id),
                args=[{"visible": visible}, {"shapes": _shapes(view), "title.text": _title(view)}],
            )
        )
    buttons = [
        dict(
            method="update",
            label=c,
            args=[
                {"y": _ys(views, c)},
                {"yaxis.title.text": _axis_title(c), "yaxis2.title.text": _model_axis_title(c)},
            ],
        )
        for c in CHOICES
    ]
    figure.update_layout(
        title=_title(views[0]),
        shapes=_shapes(views[0]),
        sliders=[dict(active=0, steps=steps, currentvalue=dict(prefix="pixel "), pad=dict(t=50))],
        updatemenus=[
            dict(
                buttons=buttons,
                active=CHOICES.index(choice),
                x=1.0,
                y=1.15,
                xanchor="right",
                showactive=True,
            )
        ],
        showlegend=False,
        height=520,
    )
    figure.update_yaxes(title_text=_axis_title(choice), row=1, col=1)
    figure.update_yaxes(title_text=_model_axis_title(choice), row=1, col=2)
    figure.update_xaxes(title_text="day", row=1, col=1)
    figure.update_xaxes(title_text="bucket", row=1, col=2)
    return figure


def _axis_title(choice: str) -> str:
    return "NDVI x 100" if choice == "NDVI" else f"{choice} (DN)"


def _model_axis_title(choice: str) -> str:
    return "bucketed NDVI (not a model input)" if choice == "NDVI" else f"{choice} normalized"


#: bench/loader.py's rates the figure draws, by key: always the first three, the epochs from
#: the decoded-series cache where the result has them (older results lack one or both).
BENCHMARK_BARS = {
    "floor_rows_s": "floor (pyarrow read)",
    "course_rows_s": "course pipeline",
    "loader_rows_s": "loader (tf.data)",
    "loader_cached_rows_s": "later epochs, cached (tf.data)",
    "loader_numpy_cached_rows_s": "later epochs, cached (numpy)",
}


def benchmark_figure(result: dict) -> go.Figure:
    """Rows per second of the floor, the course's pipeline and the loader (bench/loader.py),
    and of the loader's later epochs from its cache where measured."""
    shown = {name: result[key] for key, name in BENCHMARK_BARS.items() if key in result}
    loader = result["loader_rows_s"]
    figure = go.Figure(
        go.Bar(x=list(shown), y=list(shown.values()), text=[f"{r:,.0f}" for r in shown.values()])
    )
    figure.update_layout(
        title=(
            f"training rows per second: loader / course = {loader / result['course_rows_s']:.1f}, "
            f"loader / floor = {loader / result['floor_rows_s']:.2f}"
        ),
        yaxis_title="rows per second",
        height=400,
    )
    return figure

"""The generator's realism figure: each crop's seasonal curves beside its published calendar.

One panel per crop: the median (line) and the 10-90 % range (shaded) of a band or NDVI by
day of year over the sampled pixel-years, with the calendar's reference dates (50 % of the
acreage at a stage, `synth.references`) as dotted lines. A menu switches the band.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cropseries.figures.colours import class_colours
from cropseries.synth.references import REFERENCE_DATES
from cropseries.synth.report import CURVE_CHANNELS, CURVE_CROPS, SeasonalCurves

COLUMNS = 3


def _axis_title(channel: str) -> str:
    return "NDVI" if channel == "NDVI" else f"{channel} (DN)"


def seasonal_figure(curves: SeasonalCurves, first: str = "NDVI") -> go.Figure:
    """The figure of `curves`, showing `first` (a band or NDVI) until the menu changes it."""
    crops = [c for c in CURVE_CROPS if c in curves.quantiles]
    rows = -(-len(crops) // COLUMNS)
    titles = [f"{c} ({curves.rows[c]:,} pixel-years)" for c in crops]
    fig = make_subplots(rows=rows, cols=COLUMNS, subplot_titles=titles, shared_xaxes=True)
    colours = class_colours(tuple(CURVE_CROPS))
    traces_per_channel = []
    for channel_index, channel in enumerate(CURVE_CHANNELS):
        shown = channel == first
        start = len(fig.data)
        for i, crop in enumerate(crops):
            row, col = i // COLUMNS + 1, i % COLUMNS + 1
            low, median, high = curves.quantiles[crop][:, :, channel_index]
            seen = ~np.isnan(median)  # bins without an image are left out, not drawn as gaps
            days, low, median, high = curves.days[seen], low[seen], median[seen], high[seen]
            band = dict(x=days, mode="lines", line={"width": 0}, showlegend=False)
            fig.add_scatter(**band, y=low, hoverinfo="skip", visible=shown, row=row, col=col)
            fig.add_scatter(
                **band,
                y=high,
                fill="tonexty",
                fillcolor="rgba(120,120,120,0.25)",
                name="10-90 %",
                hoverinfo="skip",
                visible=shown,
                row=row,
                col=col,
            )
            fig.add_scatter(
                x=days,
                y=median,
                mode="lines",
                line={"color": colours[crop], "width": 2},
                name=f"{crop} median",
                showlegend=False,
                hovertemplate=f"{crop}: day %{{x:.0f}}, median {channel} %{{y:.3g}}<extra></extra>",
                visible=shown,
                row=row,
                col=col,
            )
        traces_per_channel.append(range(start, len(fig.data)))
    for i, crop in enumerate(crops):
        row, col = i // COLUMNS + 1, i % COLUMNS + 1
        for stage, day, _source in REFERENCE_DATES.get(crop, ()):
            fig.add_vline(
                x=day,
                line={"dash": "dot", "color": "#555", "width": 1},
                annotation={"text": stage, "textangle": -90, "font": {"size": 9}},
                annotation_position="top left",
                row=row,
                col=col,
            )
        fig.update_xaxes(title_text="day of year", range=[1, 366], row=row, col=col)
        fig.update_yaxes(title_text=_axis_title(first), row=row, col=col)
    buttons = []
    for channel, indices in zip(CURVE_CHANNELS, traces_per_channel, strict=True):
        visible = [False] * len(fig.data)
        for k in indices:
            visible[k] = True
        axes = {
            f"yaxis{'' if n == 0 else n + 1}.title.text": _axis_title(channel)
            for n in range(len(crops))
        }
        buttons.append(dict(label=channel, method="update", args=[{"visible": visible}, axes]))
    fig.update_layout(
        title=f"Generated {curves.year}: median and 10-90 % of each crop by day of year; dotted: "
        "the published calendar (50 % of the acreage at the stage)",
        updatemenus=[
            dict(
                buttons=buttons, active=CURVE_CHANNELS.index(first), x=1.0, y=1.12, xanchor="right"
            )
        ],
        height=330 * rows + 120,
    )
    return fig

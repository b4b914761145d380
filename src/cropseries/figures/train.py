"""04_train's figures: training curves, accuracy by start day, confusion matrix, map of errors."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pyarrow.compute as pc
import pyarrow.parquet as pq
from plotly.subplots import make_subplots

from cropseries.course import COURSE_ACCURACY_BY_START_DAY
from cropseries.figures.colours import class_colours
from cropseries.train.metrics import Scores


def _course_markers(fig: go.Figure) -> None:
    """The course's published accuracy by start day (real data), as diamonds."""
    course_days, course_accuracy = zip(*COURSE_ACCURACY_BY_START_DAY.items(), strict=True)
    fig.add_scatter(
        x=course_days,
        y=course_accuracy,
        mode="markers",
        marker={"symbol": "diamond", "size": 11, "color": "crimson"},
        name="course, real data (published)",
    )


def _start_day_axes(fig: go.Figure, title: str) -> None:
    fig.update_layout(
        title=title,
        xaxis_title="window start (days since the series' first image)",
        yaxis_title="fraction correct",
        yaxis_range=[0, 1],
    )


def training_curves(history: dict[str, list[float]], best_epoch: int | None = None) -> go.Figure:
    """Loss and accuracy per epoch, train beside val; the restored epoch marked."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for col, metric in enumerate(("loss", "accuracy"), 1):
        for prefix, dash in (("", "solid"), ("val_", "dash")):
            name = "train" if not prefix else "val (evaluation mode)"
            fig.add_scatter(
                x=epochs,
                y=history[prefix + metric],
                name=name,
                line={"dash": dash, "color": "#4C78A8" if not prefix else "#F58518"},
                showlegend=col == 1,
                row=1,
                col=col,
            )
        if best_epoch:
            fig.add_vline(x=best_epoch, line_dash="dot", line_color="grey", row=1, col=col)
        fig.update_xaxes(title_text="epoch", row=1, col=col)
    fig.update_yaxes(title_text="categorical cross-entropy", row=1, col=1)
    fig.update_yaxes(title_text="fraction correct", row=1, col=2)
    fig.update_layout(title="Training curves (dotted: the epoch whose weights were kept)")
    return fig


def accuracy_by_start_day(scores: Scores, title: str = "Test accuracy by start day") -> go.Figure:
    """Overall accuracy and each class's recall against the window's start day, with the
    majority-class rate and the course's published curve for comparison."""
    fig = go.Figure()
    days = list(scores.start_days)
    recall = scores.per_class()["recall"]
    colours = class_colours(scores.classes)
    for c, name in enumerate(scores.classes):
        fig.add_scatter(
            x=days,
            y=recall[:, c],
            name=f"{name} (recall)",
            line={"color": colours[name], "width": 1},
            visible="legendonly" if len(scores.classes) > 10 else True,
        )
    fig.add_scatter(
        x=days,
        y=scores.accuracy_by_start_day,
        name="overall accuracy",
        line={"color": "black", "width": 3},
    )
    fig.add_hline(
        y=scores.majority_rate,
        line_dash="dash",
        line_color="grey",
        annotation_text=f"majority class {scores.majority_rate:.2f}",
    )
    _course_markers(fig)
    _start_day_axes(fig, title)
    return fig


def accuracy_spread(
    start_days: tuple[int, ...],
    by_fold: np.ndarray,
    title: str = "Test accuracy by start day, over cross-validation folds",
) -> go.Figure:
    """Each fold's test accuracy by start day (`by_fold` [folds, start days]), their mean and
    a band of one standard deviation (ddof 1) around it, beside the course's curve."""
    fig = go.Figure()
    days = list(start_days)
    mean, std = by_fold.mean(axis=0), by_fold.std(axis=0, ddof=1)
    fig.add_scatter(
        x=days + days[::-1],
        y=np.concatenate([mean + std, (mean - std)[::-1]]),
        fill="toself",
        fillcolor="rgba(76, 120, 168, 0.25)",
        line={"width": 0},
        name="mean +- 1 std",
        hoverinfo="skip",
    )
    for fold, accuracy in enumerate(by_fold):
        fig.add_scatter(x=days, y=accuracy, name=f"fold {fold}", line={"color": "grey", "width": 1})
    fig.add_scatter(x=days, y=mean, name="mean", line={"color": "black", "width": 3})
    _course_markers(fig)
    _start_day_axes(fig, title)
    return fig


def confusion_matrix(scores: Scores, start_day: int | None = None) -> go.Figure:
    """Rows: true class, columns: predicted; colour = share of the true class, text = count.
    All start days together unless `start_day` is given."""
    counts = scores.confusion
    if start_day is not None:
        counts = scores.counts[list(scores.start_days).index(start_day)]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts / counts.sum(axis=1, keepdims=True)
    names = list(scores.classes)
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=names,
            y=names,
            text=counts,
            texttemplate="%{text:,}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "share of<br>true class"},
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text:,} examples (%{z:.1%})"
            "<extra></extra>",
        )
    )
    when = "all start days" if start_day is None else f"start day {start_day}"
    fig.update_layout(
        title=f"Confusion matrix ({when})",
        xaxis_title="predicted class",
        yaxis_title="true class",
        yaxis_autorange="reversed",
    )
    return fig


def error_map(results: str, start_day: int, max_points: int = 20_000, seed: int = 0) -> go.Figure:
    """Test pixels at one start day, correct and wrong apart, from a results Parquet; at
    most `max_points` drawn (a uniform sample, said in the title)."""
    table = pq.read_table(
        results,
        columns=["lon", "lat", "true_class", "predicted_class"],
        filters=pc.field("start_day") == start_day,
    )
    total = table.num_rows
    if total > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(total, max_points, replace=False))
        table = table.take(keep)
    true = table.column("true_class").to_pylist()
    predicted = table.column("predicted_class").to_pylist()
    correct = np.array([t == p for t, p in zip(true, predicted, strict=True)], bool)
    lon, lat = table.column("lon").to_numpy(), table.column("lat").to_numpy()
    fig = go.Figure()
    for ok, name, colour in ((True, "correct", "#54A24B"), (False, "wrong", "#E45756")):
        rows = np.flatnonzero(correct == ok)
        fig.add_scattergl(
            x=lon[rows],
            y=lat[rows],
            mode="markers",
            marker={"size": 4, "color": colour},
            name=f"{name} ({len(rows):,})",
            text=[f"true {true[i]}, predicted {predicted[i]}" for i in rows],
            hovertemplate="%{text}<extra></extra>",
        )
    shown = f"{table.num_rows:,} of {total:,} pixels" if total > max_points else f"{total:,} pixels"
    fig.update_layout(
        title=f"Correct and wrong pixels at start day {start_day} ({shown})",
        xaxis_title="longitude (degrees)",
        yaxis_title="latitude (degrees)",
        yaxis_scaleanchor="x",
        yaxis_scaleratio=1 / np.cos(np.radians(float(np.mean(lat)) if len(lat) else 0.0)),
    )
    return fig

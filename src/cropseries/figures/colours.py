"""The colours every figure shares: one per class of the legend, one per split."""

from __future__ import annotations

from plotly.colors import qualitative

#: One colour per split, and grey for excluded rows.
SPLIT_COLOURS = {"train": "#1f77b4", "val": "#ff7f0e", "test": "#2ca02c"}


def split_colours(splits: tuple[str, ...]) -> dict[str, str]:
    """One colour per split: train, val and test's own, a fold's by its position."""
    palette = qualitative.D3
    return {s: SPLIT_COLOURS.get(s, palette[i % len(palette)]) for i, s in enumerate(splits)}


def class_colours(classes: tuple[str, ...]) -> dict[str, str]:
    """One colour per class, by its position in the legend, the same in every figure."""
    palette = qualitative.Plotly
    return {name: palette[i % len(palette)] for i, name in enumerate(classes)}

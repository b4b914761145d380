"""Plotly figures for inspecting every stage; each module draws one stage's output."""

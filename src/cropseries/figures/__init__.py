"""Plotly figures for inspecting every stage; each module draws one stage's output.

Owns: drawing. Figures take the data types the stages produce (reports, statistics, pixel
views) and only draw them; no stage imports a figure except a command that writes one.

May import: `codecs`, `config`, `layout`, `moments`, `reader`, `split_dataset`, and the data
types of `split`, `stats` and `loader`.
"""

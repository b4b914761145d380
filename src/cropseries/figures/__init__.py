"""Plotly figures for inspecting every stage; each module draws one stage's output.

Owns: drawing. Figures take the data types the stages produce (reports, statistics, pixel
views, scores) and only draw them; no stage imports a figure except a command that writes one
and 04_train's tracked runs, which log theirs with the run.

May import: `codecs`, `config`, `course`, `layout`, `moments`, `reader`, `split_dataset`, and
the data types of `split`, `stats`, `loader`, `train` and `synth` (its seasonal curves and
reference calendar).
"""

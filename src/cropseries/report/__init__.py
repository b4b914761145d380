"""The run report: one self-contained HTML page of every stage's figures, offline.

Owns: `build` (what the page shows, from what the stages left on disk), `samples` (bounded,
seeded samples of a split dataset read with pyarrow), `page` (the accessible HTML, plotly.js
embedded once) and the `report` command.

May import: `cli`, `codecs`, `config`, `errors`, `figures`, `loader`, `moments`, `publish`,
`reader`, `split`, `split_dataset`, `stats`, `train`.
"""

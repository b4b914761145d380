"""03_loader: split (or course-layout) Parquet rows to bucketed, normalized tf.data batches.

Owns: `bucketing` (the kernel), `compiled` (its per-value loops, numba), `windows` (what it
draws), `source` (streaming and checking the rows), `shuffle` and `pipeline` (chunks into
batches, numpy or tf.data), `labels` and `normalization` (finishing each example), `cache`
(the decoded series kept in memory after the first epoch), `inspection` (a few pixels kept
whole), `export`, the PyTorch dataset (`torch`, with the `torch` extra) and the loader's commands
(`cli`). Start at `pipeline.training_dataset`.

May import: `cli`, `codecs`, `config`, `course`, `errors`, `geo`, `indices`, `layout`, `legend`,
`publish`, `reader`, `split_dataset`, `stats` (to read `stats.json`) and `figures` (only the
`inspect` command, to draw what `inspection` gathered).
"""

"""cropseries: Sentinel-2 + CDL pixel series to leakage-free splits and fast tf.data batches.

Owns: the ideas every stage shares, one top-level module each: `layout` (the course layout),
`split_dataset` (what 01_split writes and the others read), `course` (the course's published
numbers), `errors` (the error type and exit statuses), `config` (every stage's
configuration), `codecs`, `reader`, `publish`, `cdl` (the CDL legend), `legend` (class
legends and their files), `geo`, `moments`, `writer`,
`validate`, `session`, `notebook` and the command line, `cli`.

May import: only its own top-level modules. The stage packages (`split`, `stats`, `loader`,
`train`, `synth`, `figures`, `databricks`) build on them, never the reverse.
"""

__version__ = "0.1.0"

"""Realistic course-layout data for the lower Mississippi Delta, since the course's is not public.

Owns: `generate` (writes a dataset: geometry, land cover, phenology, spectra, acquisitions),
`references` (the published crop calendar it follows, with sources) and `report` (one year of
any course-layout dataset against the course's published band statistics, and each crop's
seasonal curves). See docs/generated-data.md.

May import: `cdl`, `codecs`, `course`, `errors`, `figures` (the `synth` command draws the
seasonal curves), `geo`, `layout`, `moments`, `publish`, `reader`, `writer`.
"""

from cropseries.synth.generate import SynthConfig, SynthError, generate

__all__ = ["SynthConfig", "SynthError", "generate"]

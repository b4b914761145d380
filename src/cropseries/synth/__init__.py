"""Realistic course-layout data for the lower Mississippi Delta, since the course's is not public.

`generate` writes a dataset; `realism_report` compares one year of any course-layout
dataset with the course's published band statistics. See the README's "Generated data".
"""

from cropseries.synth.generate import SynthConfig, SynthError, generate

__all__ = ["SynthConfig", "SynthError", "generate"]

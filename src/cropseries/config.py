"""Configuration of every stage: frozen dataclasses whose defaults are the course's values.

Each field has a one-line docstring; a default that differs from the course says so.
Stages take these objects (or plain values) as arguments; nothing here reads files or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from cropseries.codecs import DEFAULT_CODEC

#: The course's evaluation start days: 0, 15, ..., 195 and 200 (15 windows per pixel).
COURSE_EVAL_START_DAYS: tuple[int, ...] = (*range(0, 200, 15), 200)


@dataclass(frozen=True)
class SplitConfig:
    """How 01_split assigns rows to train / val / test."""

    strategy: str = "year"
    """"year" (the course), "block" or "year+block"."""
    train_years: tuple[int, ...] = (2021,)
    """Years of the train split (course: 2021)."""
    val_years: tuple[int, ...] = (2020,)
    """Years of the validation split (course: 2020)."""
    test_years: tuple[int, ...] = (2019,)
    """Years of the test split (course: 2019)."""
    block_size_m: float = 3000.0
    """Edge of a square spatial block, EPSG:5070 metres (not in the course)."""
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
    """Target train/val/test shares of blocks (not in the course)."""
    seed: int = 0
    """Seeds the block hash (not in the course)."""
    legend: str = "course"
    """Class index order: "course" (the course code's, default) or "slides"."""
    double_crops_in: tuple[str, ...] = ("test",)
    """Splits that keep double crops (course: test only)."""
    codec: str = DEFAULT_CODEC
    """Element type of the byte columns (course: uint16 big-endian)."""


@dataclass(frozen=True)
class StatsConfig:
    """What 02_stats counts as a valid observation."""

    exclude_scl: tuple[int, ...] = ()
    """SCL classes whose observations are left out (course: none)."""
    per_label: bool = False
    """Also compute band statistics per label (not in the course)."""
    legend: str = "course"
    """The legend 01_split labelled with, checked against the data (course: the course's)."""
    codec: str = DEFAULT_CODEC
    """Element type of the byte columns (course: uint16 big-endian)."""


@dataclass(frozen=True)
class LoaderConfig:
    """How 03_loader windows, buckets and batches a series (course_facts section 4)."""

    days_in_series: int = 120
    """Window length in days (course: DAYS_IN_SERIES = 120)."""
    days_per_bucket: int = 5
    """Bucket width in days (course: DAYS_PER_BUCKET = 5)."""
    max_images: int = 25
    """Images subsampled per training window at most (course: 25)."""
    batch_size: int = 1028
    """Rows per batch (course: BATCH_SIZE = 1028)."""
    shuffle_buffer: int = 10280
    """Rows in the shuffle buffer (course: BATCH_SIZE * 10)."""
    pick: str = "earliest"
    """Image kept when several share a bucket: "earliest" (course code) or "random" (slides)."""
    anchor: str = "first_kept"
    """Bucket 0 starts at the first kept image (course) or at the "window_start"."""
    subsample: bool = True
    """Randomly subsample training windows (course: yes; evaluation never subsamples)."""
    exclude_scl: tuple[int, ...] = ()
    """SCL classes whose observations are dropped before windowing (course: none)."""
    eval_start_days: tuple[int, ...] = COURSE_EVAL_START_DAYS
    """Evaluation window starts (course: 0, 15, ..., 195, 200)."""
    legend: str = "course"
    """Class index order of the one-hot labels (course code's order)."""
    codec: str = DEFAULT_CODEC
    """Element type of the byte columns (course: uint16 big-endian)."""
    seed: int | None = None
    """None draws fresh windows each run (course); an int gives the same batches every run."""

    @property
    def num_buckets(self) -> int:
        """120 // 5 + 1 = 25 with the course's values."""
        return self.days_in_series // self.days_per_bucket + 1

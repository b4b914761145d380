"""Configuration of every stage: frozen dataclasses whose defaults are the course's values.

A default that differs from the course says so in its field's comment. Stages take these
objects (or plain values) as arguments; nothing here reads files or widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from cropseries.codecs import DEFAULT_CODEC

#: The course's evaluation start days: 0, 15, ..., 195 and 200 (15 windows per pixel).
COURSE_EVAL_START_DAYS: tuple[int, ...] = (*range(0, 200, 15), 200)


@dataclass(frozen=True)
class SplitConfig:
    """How 01_split assigns rows to train / val / test."""

    strategy: str = "year"  # "year" (course), "block" or "year+block"
    train_years: tuple[int, ...] = (2021,)  # course: 2021 train
    val_years: tuple[int, ...] = (2020,)  # course: 2020 validation
    test_years: tuple[int, ...] = (2019,)  # course: 2019 test
    block_size_m: float = 3000.0  # edge of a square spatial block in EPSG:5070 metres (not in the course)
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)  # train/val/test share of blocks (not in the course)
    seed: int = 0  # seeds the block hash (not in the course)
    legend: str = "course"  # class index order: "course" (the course code's) or "slides"
    double_crops_in: tuple[str, ...] = ("test",)  # course: double crops kept in test only
    codec: str = DEFAULT_CODEC  # course: uint16 big-endian byte columns


@dataclass(frozen=True)
class StatsConfig:
    """What 02_stats counts as a valid observation."""

    exclude_scl: tuple[int, ...] = ()  # course: every stored SCL value counts
    per_label: bool = False  # also per-label band statistics (not in the course)
    legend: str = "course"  # the legend 01_split labelled with; checked against the data
    codec: str = DEFAULT_CODEC


@dataclass(frozen=True)
class LoaderConfig:
    """How 03_loader windows, buckets and batches a series (course_facts section 4)."""

    days_in_series: int = 120  # course: DAYS_IN_SERIES
    days_per_bucket: int = 5  # course: DAYS_PER_BUCKET
    max_images: int = 25  # course: subsample at most 25 images per window
    batch_size: int = 1028  # course: BATCH_SIZE
    shuffle_buffer: int = 10280  # course: BATCH_SIZE * 10 rows
    pick: str = "earliest"  # course code: earliest image per bucket; "random" is the slides' variant
    anchor: str = "first_kept"  # course: buckets count from the first kept image; or "window_start"
    subsample: bool = True  # course: random subsample in training, none in evaluation
    exclude_scl: tuple[int, ...] = ()  # course: no observation filter by SCL
    eval_start_days: tuple[int, ...] = COURSE_EVAL_START_DAYS
    legend: str = "course"
    codec: str = DEFAULT_CODEC
    seed: int | None = None  # None: a fresh draw each run (the course); an int: same batches every run

    @property
    def num_buckets(self) -> int:
        """120 // 5 + 1 = 25 with the course's values."""
        return self.days_in_series // self.days_per_bucket + 1

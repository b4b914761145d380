"""Configuration of every stage: frozen dataclasses whose defaults are the course's values.

Each field has a one-line docstring; a default that differs from the course says so. Every
configuration checks its values when it is built and raises `ConfigError` naming the field.
Stages take these objects (or plain values) as arguments; nothing here reads files or widgets,
but the parsers below turn a widget's or argument's text into values.
"""

from __future__ import annotations

from dataclasses import dataclass

from cropseries.codecs import DEFAULT_CODEC, codec_dtype
from cropseries.course import COURSE_EVAL_START_DAYS
from cropseries.errors import ConfigError
from cropseries.indices import check_indices
from cropseries.layout import BANDS, SCL_NAMES
from cropseries.legend import load_legend
from cropseries.split_dataset import SPLITS

#: How 01_split can assign rows to splits (see `cropseries.split.strategies`).
SPLIT_STRATEGIES: tuple[str, ...] = ("year", "block", "year+block")
#: How 01_split can assign rows to cross-validation folds (see `cropseries.split.folds`).
FOLD_KINDS: tuple[str, ...] = ("block", "year", "box")


@dataclass(frozen=True)
class FoldSpec:
    """Cross-validation folds: `kind` "block" (`count` spatial-block folds, stratified by
    class), "year" (leave one year out) or "box" (leave one bounding box out)."""

    kind: str
    count: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.count}" if self.count is not None else self.kind


def parse_folds(text: str) -> FoldSpec:
    """Folds from a widget or argument: "block:5", "year" or "box"."""
    kind, _, count = text.strip().partition(":")
    if kind not in FOLD_KINDS or (kind == "block") != bool(count):
        raise ConfigError(f"folds {text!r}: use block:K (K >= 3), year or box", value=text)
    if kind != "block":
        return FoldSpec(kind)
    if not count.isdigit() or int(count) < 3:
        raise ConfigError(f"folds {text!r}: K in block:K must be a whole number >= 3", value=text)
    return FoldSpec(kind, int(count))


def parse_years(text: str) -> tuple[int, ...]:
    """Years from a widget or job parameter: "2019", "2019 2020" or "2019,2020"; "" gives ()."""
    return _integers(text.replace(",", " ").split(), text, "years")


def parse_codes(text: str) -> tuple[int, ...]:
    """SCL codes from a widget or argument: "3,10" gives (3, 10); "" gives () (no exclusion)."""
    return _integers([v for v in text.split(",") if v.strip()], text, "SCL codes")


def parse_names(text: str) -> tuple[str, ...]:
    """Names from a widget or argument: "B08, B04" gives ("B08", "B04"), "" gives ()."""
    return tuple(v.strip() for v in text.split(",") if v.strip())


def parse_bands(text: str) -> tuple[str, ...] | None:
    """Band names from a widget or argument: "B08,B04" gives ("B08", "B04"); "" gives None
    (all 12, the course's). Checked by `LoaderConfig`."""
    return parse_names(text) or None


def parse_fold(text: str) -> int | str | None:
    """A fold from a widget or argument: "" gives None (no folds), "2" gives 2, "all" all."""
    value = text.strip()
    if not value or value == "all":
        return value or None
    if not value.isdigit():
        raise ConfigError(f"fold {text!r}: a fold number (0, 1, ...) or 'all'", value=text)
    return int(value)


def parse_flag(text: str) -> bool:
    """A yes/no widget: "true" or "false", in any case."""
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"{text!r}: expected true or false", value=text)
    return value == "true"


def _integers(items: list[str], text: str, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in items)
    except ValueError:
        raise ConfigError(f"{text!r} is not a list of {what}", value=text) from None


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
    """The class legend: "course" (the course code's classes and order), "slides", or a
    legend file of your own classes."""
    double_crops_in: tuple[str, ...] | None = None
    """Splits that keep double crops; None: the legend's `keep_double_crops_in` (course: test
    only)."""
    codec: str = DEFAULT_CODEC
    """Element type of the byte columns (course: uint16 big-endian)."""
    folds: str | None = None
    """Cross-validation folds instead of train/val/test (not in the course): "block:K",
    "year" or "box" (`parse_folds`); the strategy, years and fractions are then unused, and
    double crops are excluded, since every fold both trains and tests."""

    def __post_init__(self) -> None:
        """Store sequences as tuples (the CLI and widgets pass lists) and reject bad values."""
        _store_tuples(
            self, ("train_years", "val_years", "test_years", "fractions", "double_crops_in")
        )
        if self.folds is not None:
            parse_folds(self.folds)
        if self.strategy not in SPLIT_STRATEGIES:
            raise ConfigError(f"strategy {self.strategy!r}: choose one of {SPLIT_STRATEGIES}")
        years = [y for s in SPLITS for y in self.years[s]]
        if self.strategy != "block" and len(years) != len(set(years)):
            raise ConfigError(f"a year is listed in two splits: {self.years}")
        if self.seed < 0:
            raise ConfigError(f"seed={self.seed} must not be negative")
        if not self.block_size_m > 0:
            raise ConfigError(f"block_size_m must be positive, got {self.block_size_m}")
        if len(self.fractions) != 3 or min(self.fractions) < 0:
            raise ConfigError(f"fractions must be three shares >= 0, got {self.fractions}")
        if abs(sum(self.fractions) - 1) > 1e-6:
            raise ConfigError(f"fractions must sum to 1, got {self.fractions}")
        codec_dtype(self.codec)
        unknown = set(self.kept_double_crops) - set(SPLITS)
        if unknown:
            raise ConfigError(f"double_crops_in: unknown split(s) {sorted(unknown)}; use {SPLITS}")

    @property
    def kept_double_crops(self) -> tuple[str, ...]:
        """The splits that keep double crops: `double_crops_in`, or else the legend's."""
        if self.double_crops_in is not None:
            return self.double_crops_in
        return load_legend(self.legend).keep_double_crops_in

    @property
    def fold_spec(self) -> FoldSpec | None:
        """The parsed `folds`, or None for the train/val/test split."""
        return None if self.folds is None else parse_folds(self.folds)

    @property
    def years(self) -> dict[str, tuple[int, ...]]:
        """Years of each split, keyed "train", "val", "test"."""
        return {"train": self.train_years, "val": self.val_years, "test": self.test_years}


@dataclass(frozen=True)
class StatsConfig:
    """What 02_stats counts as a valid observation."""

    exclude_scl: tuple[int, ...] = ()
    """SCL classes whose observations are left out (course: none)."""
    per_label: bool = False
    """Also compute band statistics per label (not in the course)."""
    indices: bool = False
    """Also the mean and std of every spectral index (`indices.INDICES`), for the loader's
    index channels; about doubles the stage's CPU (not in the course)."""
    medians: bool = False
    """Also each band's exact median, for the loader's `fill="median"`; about 1.4x the
    stage's CPU (not in the course)."""
    legend: str | None = None
    """None: the legend the split dataset was labelled with; a name or file must equal it."""
    codec: str = DEFAULT_CODEC
    """Element type of the byte columns (course: uint16 big-endian)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude_scl", tuple(self.exclude_scl))
        _check_codes(self.exclude_scl)
        codec_dtype(self.codec)
        if self.legend is not None:
            load_legend(self.legend)


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
    bands: tuple[str, ...] | None = None
    """The bands x holds, in this order: names of `layout.BANDS` (None: all 12, the course's),
    e.g. to leave one band out and see what the model loses (not in the course)."""
    indices: tuple[str, ...] = ()
    """Spectral indices x holds after the bands, in this order (`indices.INDICES`: ndvi, evi,
    ndwi, ndmi, ndre, ndvi100), each normalized with its train mean and std from stats.json
    (course: none)."""
    fill: str = "zero"
    """What empty buckets (and a DN of 0) hold in x: "zero", the course's 0 after
    normalization (the train mean), or "median", the train median of each band from
    stats.json, normalized the same way (not in the course)."""
    window: str | None = None
    """Where windows are cut, in training and evaluation alike: None for the course's (a
    random start in training, `eval_start_days` in evaluation), or "random",
    "starts:0,15,...,200", "ending:MM-DD" (the season as of that day, looking back
    `days_in_series`) or "season:early,mid,late" (`loader.windows`; not in the course)."""
    legend: str | None = None
    """The classes of the one-hot labels: None for the split dataset's own legend (the course's
    for course-layout input), or a name or file, which must equal a split dataset's."""
    codec: str = DEFAULT_CODEC
    """Element type of the byte columns (course: uint16 big-endian)."""
    seed: int | None = None
    """None draws fresh windows each run (course); an int gives the same batches every run."""
    clip_days: int = 365
    """Days are clipped to [0, clip_days] before bucketing (course: 365)."""
    keep_double_crops_in: tuple[str, ...] | None = None
    """Splits whose double-crop rows are kept; None: the legend's `keep_double_crops_in`
    (course: test only; train and val drop them)."""
    prefetch: int = 1
    """Batches prepared ahead of the consumer (course: prefetch(1))."""
    read_rows: int = 4096
    """Rows read, decoded and bucketed at a time (not in the course, which read everything)."""
    kernel_threads: int | None = None
    """Threads that decode, window, bucket and normalize pieces of `read_rows` rows side by
    side (1: the consumer's own); None: one per core an epoch leaves free (`source.
    kernel_threads`). The examples do not depend on it (not in the course)."""
    cache_mb: float = 1024
    """Keep a split's decoded series in memory after the first epoch if they fit in this many
    MB (0: always stream); later epochs skip reading and decoding (not in the course)."""
    tune_malloc: bool = True
    """Keep big temporaries on the glibc heap under TensorFlow (loader.memory; not in course)."""

    def __post_init__(self) -> None:
        names = ("exclude_scl", "eval_start_days", "keep_double_crops_in", "bands", "indices")
        _store_tuples(self, names)
        if self.pick not in ("earliest", "random"):
            raise ConfigError(f"pick={self.pick!r}: choose 'earliest' or 'random'")
        if self.fill not in ("zero", "median"):
            raise ConfigError(f"fill={self.fill!r}: choose 'zero' or 'median'")
        if self.anchor not in ("first_kept", "window_start"):
            raise ConfigError(f"anchor={self.anchor!r}: choose 'first_kept' or 'window_start'")
        positive = ("days_in_series", "days_per_bucket", "max_images", "batch_size", "read_rows")
        for name in (*positive, "kernel_threads"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name}={value} must be at least 1")
        if self.seed is not None and self.seed < 0:
            raise ConfigError(f"seed={self.seed} must not be negative")
        if min(self.shuffle_buffer, self.prefetch, self.cache_mb) < 0:
            raise ConfigError("shuffle_buffer, prefetch and cache_mb must not be negative")
        if any(d < 0 for d in self.eval_start_days):
            raise ConfigError(f"eval_start_days {self.eval_start_days} must not be negative")
        _check_codes(self.exclude_scl)
        _check_bands(self.bands)
        check_indices(self.indices)
        codec_dtype(self.codec)
        if self.legend is not None:
            load_legend(self.legend)

    @property
    def model_bands(self) -> tuple[str, ...]:
        """The bands of x, in order: `bands`, or all 12."""
        return BANDS if self.bands is None else self.bands

    @property
    def input_channels(self) -> tuple[str, ...]:
        """The channels of x, in order: `model_bands`, then `indices`."""
        return (*self.model_bands, *self.indices)

    @property
    def input_contract(self) -> dict:
        """What a model trained on these examples takes: the window length, the bucket width,
        the channels of x and what empty buckets hold (04_train records it beside a model,
        and `evaluate` must be given the same)."""
        return {
            "days_in_series": self.days_in_series,
            "days_per_bucket": self.days_per_bucket,
            "channels": list(self.input_channels),
            "fill": self.fill,
        }

    @property
    def band_positions(self) -> tuple[int, ...] | None:
        """Where `bands` are in `layout.BANDS` (None: all 12, in order)."""
        return None if self.bands is None else tuple(BANDS.index(b) for b in self.bands)

    @property
    def num_buckets(self) -> int:
        """120 // 5 + 1 = 25 with the course's values."""
        return self.days_in_series // self.days_per_bucket + 1


def _store_tuples(config, names: tuple[str, ...]) -> None:
    """Store the sequence fields `names` of a frozen config as tuples (the CLI and widgets pass
    lists); None stays None."""
    for name in names:
        value = getattr(config, name)
        if value is not None:
            object.__setattr__(config, name, tuple(value))


def _check_bands(bands: tuple[str, ...] | None) -> None:
    """A non-empty subset of the 12 bands, each once."""
    if bands is None:
        return
    unknown = [b for b in bands if b not in BANDS]
    if unknown or not bands:
        raise ConfigError(f"bands {list(bands)}: choose from {', '.join(BANDS)}", value=bands)
    if len(set(bands)) != len(bands):
        raise ConfigError(f"bands {list(bands)}: a band is named twice", value=bands)


def _check_codes(codes: tuple[int, ...]) -> None:
    """SCL codes are those of Sentinel-2 L2A's scene classification, 0..11."""
    unknown = sorted(set(codes) - set(SCL_NAMES))
    if unknown:
        raise ConfigError(f"exclude_scl {unknown}: not SCL codes (0..11)", value=unknown)

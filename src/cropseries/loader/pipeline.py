"""The loader's pipeline: row groups -> chunks -> windows -> buckets -> shuffle -> batches.

`batches` is the whole pipeline in numpy, one generator that reads top to bottom in the
order data flows; `training_dataset` and `evaluation_dataset` wrap it in tf.data
(`from_generator` yielding a few batches at a time, `rebatch`, `prefetch`). TensorFlow is
imported only where a dataset is built, so the numpy path (export, figures) never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from cropseries.codecs import PixelSeries
from cropseries.config import LoaderConfig
from cropseries.legend import ClassLegend, load_legend
from cropseries.loader.bucketing import (
    NUM_CHANNELS,
    Bucketed,
    Windows,
    bucketize,
    calendar,
    filter_observations,
)
from cropseries.loader.cache import ChunkCache
from cropseries.loader.errors import LoaderError
from cropseries.loader.labels import apply_vegetation_rule, one_hot
from cropseries.loader.memory import keep_arrays_on_heap
from cropseries.loader.normalization import ModelInput, as_normalization
from cropseries.loader.shuffle import Columns, ShuffleBuffer, num_rows, take
from cropseries.loader.source import (
    Chunk,
    Input,
    Piece,
    Shard,
    kernel_threads,
    open_input,
    ordered_map,
    read_columns,
    read_pieces,
    spare_cores,
)
from cropseries.loader.windows import RandomStart, StartDays, Strategy, cut_windows, parse_window
from cropseries.split_dataset import dataset_legend

#: Extra columns of a batch with `extras=True`, beside `x` and `y`.
EXTRAS = (
    "raw",
    "mask",
    "bucket_year",
    "bucket_doy",
    "label",
    "pixel_id",
    "lon",
    "lat",
    "year",
    "cdl_code",
    "start_day",
)

#: The variable-length form of a batch with `sequence=True`: the kept images of each window,
#: unbucketed, in time order, padded to the longest in the batch (`seq_mask` False there).
#: Training windows keep at most `max_images` (the subsample); evaluation windows keep every
#: image, so a model sees longer series at evaluation than in training.
SEQUENCE = ("seq_x", "seq_day", "seq_year", "seq_doy", "seq_mask")


@dataclass(frozen=True)
class Plan:
    """Everything fixed before the first batch: input, options, mode, and how x is made
    (`inputs`, which holds the normalization)."""

    source: Input
    config: LoaderConfig
    legend: ClassLegend
    training: bool
    window: Strategy
    inputs: ModelInput
    shard: Shard
    extras: bool
    sequence: bool = False

    @property
    def keeps_double_crops(self) -> bool:
        """Whether this split's double crops make examples (the config's splits, or else the
        legend's)."""
        kept = self.config.keep_double_crops_in
        return self.source.split in (self.legend.keep_double_crops_in if kept is None else kept)


def plan(
    path: str,
    stats,
    config: LoaderConfig | None,
    *,
    training: bool,
    split: str,
    start_days: tuple[int, ...] | None = None,
    shard: Shard | None = None,
    extras: bool = False,
    layout: str = "auto",
    sequence: bool = False,
    fold: int | None = None,
) -> Plan:
    """Open the input and the statistics now, so bad input fails before the first batch.

    With `fold`, `split` is read from the folds of that fold's selection of a dataset split
    into folds (`split_dataset.fold_parts`); `stats` should then be that fold's.
    """
    config = config or LoaderConfig()
    source = open_input(path, split, layout, fold)
    normalization = as_normalization(stats)
    shard = shard or Shard()
    shard.select(source.units)
    if source.dataset is None:
        legend = load_legend(config.legend or "course")
    else:
        legend = dataset_legend(source.dataset, config.legend)
    return Plan(
        source=source,
        config=config,
        legend=legend,
        training=training,
        window=window_strategy(config, training, start_days),
        inputs=ModelInput(
            normalization,
            config.band_positions,
            normalization.fill(config.fill),
            config.indices,
        ),
        shard=shard,
        extras=extras,
        sequence=sequence,
    )


def window_strategy(
    config: LoaderConfig, training: bool, start_days: tuple[int, ...] | None = None
) -> Strategy:
    """`config.window` if set; else the course's: random in training, the start-day grid
    (`start_days`, or `config.eval_start_days`) in evaluation."""
    if config.window is not None:
        return parse_window(config.window)
    if training:
        return RandomStart()
    return StartDays(tuple(config.eval_start_days if start_days is None else start_days))


def model_input(bucketed: Bucketed, inputs: ModelInput) -> np.ndarray:
    """x: float32 [E, 25, bands], the normalized bands of each filled bucket, the fill
    (0 by default) elsewhere."""
    x = bucketed.blank(inputs.num_channels, np.float32, inputs.empty)
    inputs.write(bucketed.series.bands, bucketed.images, bucketed.cells, x)
    return x.reshape(bucketed.num_examples, bucketed.num_buckets, inputs.num_channels)


@dataclass(frozen=True)
class Windowed:
    """One chunk through the loader's steps, before anything is compacted or shuffled.

    `series` with the excluded SCL classes filtered out; the `windows` drawn (or laid out)
    for its usable rows; the `bucketed` windows; `labels` int32 [E] of each window's row
    and `targets` int32 [E], the labels after the vegetation rule.
    """

    series: PixelSeries
    windows: Windows
    bucketed: Bucketed
    labels: np.ndarray
    targets: np.ndarray


def windowed(
    chunk: Chunk, plan: Plan, rng: np.random.Generator, limit: int | None = None
) -> Windowed:
    """Filter, window, bucket and label the usable rows of one chunk (at most `limit`).

    The training batches and the inspection both take their examples from here.
    """
    config = plan.config
    series = filter_observations(chunk.series, config.exclude_scl)
    rows = np.arange(series.num_rows)
    if not plan.keeps_double_crops:
        rows = rows[~chunk.double_crop]
    rows = rows[:limit]
    windows = cut_windows(plan.window, series, rows, rng, config, plan.training)
    rule = plan.legend.rule
    vegetation = {} if rule is None else {"green_scl": rule.scl, "last_buckets": rule.last_buckets}
    bucketed = bucketize(series, windows, config, **vegetation)
    labels = chunk.labels[windows.rows]
    targets = apply_vegetation_rule(labels, bucketed.vegetated, plan.legend)
    return Windowed(series, windows, bucketed, labels, targets)


def examples(chunk: Chunk, plan: Plan, rng: np.random.Generator) -> Columns:
    """Bucket and label every example of one chunk, compactly (columns of length E).

    `x` float32 [E, 25, 12], the normalized bands (normalized on the filled buckets only, so
    in the kernel threads and on about half the values); `target` int32, the label after the
    vegetation rule; plus `EXTRAS` and `SEQUENCE` if planned (padded to the chunk's longest
    series; `trimmed` cuts a batch to its own). They wait in the shuffle buffer like this;
    `finish` one-hot encodes a leaving group's targets.
    """
    cut = windowed(chunk, plan, rng)
    bucketed, rows = cut.bucketed, cut.windows.rows
    columns = {"x": model_input(bucketed, plan.inputs), "target": cut.targets}
    if plan.extras:
        calendar = bucketed.calendar
        columns |= {
            "raw": bucketed.raw,
            "mask": bucketed.filled,
            "bucket_year": calendar[..., 0],
            "bucket_doy": calendar[..., 1],
            "label": cut.labels,
            "pixel_id": chunk.pixel_id[rows],
            "lon": chunk.lon[rows],
            "lat": chunk.lat[rows],
            "year": chunk.year[rows],
            "cdl_code": chunk.cdl_code[rows],
            "start_day": cut.windows.start_days.astype(np.int32),
        }
    if plan.sequence:
        columns |= sequence_columns(bucketed, plan.inputs)
    return columns


def sequence_columns(bucketed: Bucketed, inputs: ModelInput) -> Columns:
    """The kept images of each window, unbucketed and normalized like x: [E, T, ...] padded
    with zeros after each example's last image, T the most any example of the chunk kept."""
    kept = bucketed.kept_images
    dates = calendar(bucketed.series.dates[kept])  # year, day of year
    day_year_doy = bucketed.sequence(np.column_stack([bucketed.kept_days.astype(np.int16), dates]))
    slots = np.arange(day_year_doy.shape[1])
    return {
        "seq_x": sequence_input(bucketed, inputs),
        "seq_day": day_year_doy[..., 0],
        "seq_year": day_year_doy[..., 1],
        "seq_doy": day_year_doy[..., 2],
        "seq_mask": slots < bucketed.kept_counts[:, None],
    }


def sequence_input(bucketed: Bucketed, inputs: ModelInput) -> np.ndarray:
    """seq_x: float32 [E, T, bands], the kept images normalized as x, zeros after each
    example's last."""
    width = bucketed.sequence_width
    x = np.zeros((bucketed.num_examples * width, inputs.num_channels), np.float32)
    inputs.write(bucketed.series.bands, bucketed.kept_images, bucketed.sequence_slots(), x)
    return x.reshape(bucketed.num_examples, width, inputs.num_channels)


def finish(columns: Columns, plan: Plan) -> Columns:
    """Columns as the model takes them: `y` float32 [b, 7] one-hot in place of `target`."""
    rest = {k: v for k, v in columns.items() if k not in ("x", "target")}
    return {"x": columns["x"], "y": one_hot(columns["target"], plan.legend.num_classes)} | rest


def trimmed(batch: Columns) -> Columns:
    """The sequence form cut to the longest series of `batch` (unchanged without it)."""
    if "seq_mask" not in batch:
        return batch
    width = int(batch["seq_mask"].sum(axis=1).max(initial=0))
    return batch | {name: batch[name][:, :width] for name in SEQUENCE}


#: Rows handed from Python to tf.data at a time, about: each hand-over costs about half a
#: millisecond, so a few batches go at once and tf.data cuts them (`rebatch`).
TRANSFER_ROWS = 4096


def batches(
    plan: Plan, epoch: int = 0, grouped: bool = False, cache: ChunkCache | None = None
) -> Iterator[Columns]:
    """One pass over the input as numpy batches: `x` float32 [b, 25, 12], `y` float32 [b, 7],
    plus `EXTRAS` and `SEQUENCE` if planned; b is `config.batch_size`, the last batch holds
    the rest. With
    `grouped`, a few batches at a time (what tf.data receives and cuts: the tf.data datasets
    give exactly these batches).

    Training: row groups in a random order, random windows, a shuffle buffer of
    `config.shuffle_buffer` examples; the seed and `epoch` fix every draw, however many
    `config.kernel_threads` decode and bucket the pieces. Evaluation: row groups
    in file order, each row at every start day (row major), nothing random. `cache`
    (`cache_for`) keeps the decoded series for the passes after the first.
    """
    config = plan.config
    if config.tune_malloc:
        keep_arrays_on_heap()
    seed = None if config.seed is None else [config.seed, epoch]
    rng = np.random.default_rng(seed)
    units = plan.shard.select(plan.source.units)
    if plan.training:
        units = tuple(units[i] for i in rng.permutation(len(units)))
    capacity = config.shuffle_buffer if plan.training else 0
    per_yield = config.batch_size * max(1, TRANSFER_ROWS // config.batch_size)
    buffer = ShuffleBuffer(capacity, per_yield, rng)

    workers = kernel_threads(config.kernel_threads, cache is None or not cache.complete)

    def read(units: tuple) -> Iterator[Piece]:
        source, legend = plan.source, plan.legend
        threads = spare_cores(workers)
        return read_pieces(
            source, units, legend, config.codec, config.read_rows, plan.extras, threads
        )

    pieces = read(units) if cache is None else cache.pieces(units, read)
    made_by = partial(_examples_of, plan=plan, seed=seed)
    rows = made = 0
    try:
        for chunk_rows, columns in ordered_map(made_by, enumerate(pieces), workers):
            rows, made = rows + chunk_rows, made + len(columns["target"])
            for group in buffer.push(columns):
                yield from _emit(group, plan, grouped)
    finally:
        pieces.close()  # stops the read-ahead thread now, even when a piece failed
    if not made:
        raise LoaderError(
            f"{plan.source.path}: none of the {rows} rows of split {plan.source.split!r} makes "
            "an example (all double crops? they are kept only in the legend's "
            "keep_double_crops_in, or config.keep_double_crops_in)"
        )
    for group in buffer.drain():
        yield from _emit(group, plan, grouped)


def _examples_of(item: tuple[int, Piece], plan: Plan, seed: list[int] | None):
    """(rows, examples) of an epoch's `index`-th piece, decoded here (in a kernel thread);
    its draws come from a generator of its own, seeded by (seed, epoch, index), so that the
    kernel threads cannot change them."""
    index, piece = item
    chunk = piece.chunk()
    rng = np.random.default_rng(None if seed is None else [*seed, index])
    return chunk.series.num_rows, examples(chunk, plan, rng)


def _emit(group: Columns, plan: Plan, grouped: bool) -> Iterator[Columns]:
    finished, size = finish(group, plan), plan.config.batch_size
    if grouped:
        yield trimmed(finished)
        return
    for start in range(0, num_rows(finished), size):
        yield trimmed(take(finished, slice(start, start + size)))


def _signature(plan: Plan) -> dict:
    """tf.TensorSpec of each column of a batch."""
    import tensorflow as tf

    buckets, classes = plan.config.num_buckets, plan.legend.num_classes
    bands = len(plan.config.input_channels)
    spec = {
        "x": tf.TensorSpec([None, buckets, bands], tf.float32),
        "y": tf.TensorSpec([None, classes], tf.float32),
    }
    if plan.extras:
        spec |= {
            "raw": tf.TensorSpec([None, buckets, NUM_CHANNELS], tf.int32),
            "mask": tf.TensorSpec([None, buckets], tf.bool),
            "bucket_year": tf.TensorSpec([None, buckets], tf.int16),
            "bucket_doy": tf.TensorSpec([None, buckets], tf.int16),
            "label": tf.TensorSpec([None], tf.int32),
            "pixel_id": tf.TensorSpec([None], tf.int64),
            "lon": tf.TensorSpec([None], tf.float64),
            "lat": tf.TensorSpec([None], tf.float64),
            "year": tf.TensorSpec([None], tf.int32),
            "cdl_code": tf.TensorSpec([None], tf.int32),
            "start_day": tf.TensorSpec([None], tf.int32),
        }
    if plan.sequence:
        spec |= {
            "seq_x": tf.TensorSpec([None, None, bands], tf.float32),
            "seq_day": tf.TensorSpec([None, None], tf.int16),
            "seq_year": tf.TensorSpec([None, None], tf.int16),
            "seq_doy": tf.TensorSpec([None, None], tf.int16),
            "seq_mask": tf.TensorSpec([None, None], tf.bool),
        }
    return spec


def _as_dicts(plan: Plan) -> bool:
    """Whether batches are dicts (extras or the sequence form) rather than `(x, y)`."""
    return plan.extras or plan.sequence


def cache_for(plan: Plan) -> ChunkCache | None:
    """A cache of the plan's decoded series if they fit `config.cache_mb`, else None."""
    columns = read_columns(plan.source.kind, plan.extras)
    units = plan.shard.select(plan.source.units)
    return ChunkCache.for_input(plan.source, units, columns, plan.config.cache_mb)


class Epochs:
    """The plan's epochs of numpy batches: each `iter()` is the next epoch, with new draws
    (like a tf.data dataset), the decoded series read once if they fit the cache. For any
    consumer of numpy arrays: JAX, Keras 3 on any backend, scikit-learn's `partial_fit`.

    `set_epoch(n)` makes the next iteration epoch n (to resume, or to keep several workers
    on the same epoch). `grouped` yields a few batches at a time, as tf.data receives them.
    """

    def __init__(self, plan: Plan, grouped: bool = False):
        self.plan, self.grouped = plan, grouped
        self.epoch = 0
        self.cache = cache_for(plan)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[Columns]:
        epoch, self.epoch = self.epoch, self.epoch + 1
        return batches(self.plan, epoch, grouped=self.grouped, cache=self.cache)


def _generator(epochs: Epochs) -> Callable[[], Iterator]:
    """A generator function for tf.data: each call is the next epoch."""

    def generate():
        for group in epochs:
            yield group if _as_dicts(epochs.plan) else (group["x"], group["y"])

    return generate


def to_dataset(plan: Plan):
    """The plan as a `tf.data.Dataset` of whole batches, prefetched.

    Python yields a few batches at a time (`from_generator`); tf.data cuts them into batches
    of `config.batch_size` (`rebatch`). Autotuning is off for this dataset (and so for what
    a caller chains onto it, unless they set options again).
    """
    import tensorflow as tf

    spec = _signature(plan)
    signature = spec if _as_dicts(plan) else (spec["x"], spec["y"])
    # Nothing here needs tuning, and tf.data's autotuner, which runs beside the pipeline,
    # halved the throughput of one epoch in three on two cores.
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_generator(
        _generator(Epochs(plan, grouped=True)), output_signature=signature
    ).rebatch(plan.config.batch_size)
    if plan.sequence:
        dataset = dataset.map(_trimmed_tensors)
    return dataset.prefetch(plan.config.prefetch).with_options(options)


def _trimmed_tensors(batch: dict) -> dict:
    """`trimmed` in TensorFlow ops, for the batches `rebatch` cuts from a group."""
    import tensorflow as tf

    width = tf.reduce_max(tf.reduce_sum(tf.cast(batch["seq_mask"], tf.int32), axis=1))
    return batch | {name: batch[name][:, :width] for name in SEQUENCE}


def training_dataset(
    path: str,
    stats,
    config: LoaderConfig | None = None,
    *,
    split: str = "train",
    shard: Shard | None = None,
    extras: bool = False,
    layout: str = "auto",
    sequence: bool = False,
    fold: int | None = None,
):
    """Training batches: `(x, y)`, x float32 [batch, 25, 12] normalized bands, y float32
    one-hot [batch, 7]; or a dict (x, y, and `EXTRAS` if `extras`, `SEQUENCE` if
    `sequence`: the kept images unbucketed, padded to the longest in the batch) if either.

    `path` is a split dataset (rows of `split=<split>/`) or a course-layout dataset
    (`layout="course"`, or found automatically). `stats` is a stats.json path (or the split
    directory holding it), a `Normalization`, or None or "course" for the course's
    published constants; `fold` selects a cross-validation fold (`plan`). Each iteration is an
    epoch with new random windows and order; `config.seed` makes the epochs repeatable.
    """
    return to_dataset(
        plan(
            path,
            stats,
            config,
            training=True,
            split=split,
            shard=shard,
            extras=extras,
            layout=layout,
            sequence=sequence,
            fold=fold,
        )
    )


def evaluation_dataset(
    path: str,
    stats,
    config: LoaderConfig | None = None,
    *,
    split: str = "test",
    start_days: tuple[int, ...] | None = None,
    shard: Shard | None = None,
    extras: bool = True,
    layout: str = "auto",
    sequence: bool = False,
    fold: int | None = None,
):
    """Evaluation batches: every row of `split` at every start day (`config.eval_start_days`
    unless given), in file, row, then start-day order; no random draws.

    A dict with x, y and `EXTRAS` (pixel id, start day, ...), or `(x, y)` if not `extras`;
    `sequence` adds `SEQUENCE` (the kept images unbucketed) to the dict; `fold` selects a
    cross-validation fold (`plan`).
    """
    return to_dataset(
        plan(
            path,
            stats,
            config,
            training=False,
            split=split,
            start_days=start_days,
            shard=shard,
            extras=extras,
            layout=layout,
            sequence=sequence,
            fold=fold,
        )
    )


def distributed_dataset_fn(path: str, stats, config: LoaderConfig | None = None, **kwargs):
    """A `dataset_fn(input_context)` for `tf.distribute` strategies'
    `distribute_datasets_from_function`: each input pipeline reads its own shard of row
    groups, with the per-replica batch size of `config.batch_size` (the global batch)."""
    from dataclasses import replace

    config = config or LoaderConfig()

    def dataset_fn(context):
        local = replace(config, batch_size=context.get_per_replica_batch_size(config.batch_size))
        shard = Shard(context.num_input_pipelines, context.input_pipeline_id)
        return training_dataset(path, stats, local, shard=shard, **kwargs)

    return dataset_fn

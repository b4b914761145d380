"""The loader's batches for PyTorch: an `IterableDataset` over the same numpy core as tf.data.

Each DataLoader worker of each distributed rank reads its own shard of row groups
(`Shard(ranks x workers, rank x workers + worker)`), so that every row is seen exactly once
per epoch across all of them; within a shard the examples are those `pipeline.batches` gives
for the same seed, shard and epoch. The items are whole batches: use
`DataLoader(dataset, batch_size=None)`. Needs the `torch` extra
(`pip install cropseries[torch]`).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import IterableDataset, get_worker_info

from cropseries.config import LoaderConfig
from cropseries.loader.pipeline import Epochs, batches, plan
from cropseries.loader.source import Shard


class LoaderDataset(IterableDataset):
    """Batches of `split` as dicts of tensors: `x` float32 [b, 25, 12], `y` float32 [b, 7],
    plus the extras if `extras` (see `pipeline.EXTRAS`) and the variable-length form if
    `sequence` (`pipeline.SEQUENCE`).

    `training` draws random windows and shuffles (epoch n's draws after `set_epoch(n)`, the
    same for a seed); otherwise the loader's evaluation mode, deterministic. `fold` selects a
    cross-validation fold (`pipeline.plan`). `rank` and
    `world_size` default to `torch.distributed`'s when it is initialized, else a single
    process. The decoded-series cache (`LoaderConfig.cache_mb`) serves later epochs with
    `num_workers=0`; DataLoader worker processes stream (DataLoader starts them anew each
    epoch). Leave `persistent_workers` off: persistent workers keep the copy of the dataset
    they started with, so `set_epoch` would not reach them and every epoch would repeat.
    """

    def __init__(
        self,
        path: str,
        stats,
        config: LoaderConfig | None = None,
        *,
        training: bool = True,
        split: str = "train",
        extras: bool = False,
        sequence: bool = False,
        layout: str = "auto",
        fold: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ):
        super().__init__()
        self.path, self.stats, self.config = path, stats, config or LoaderConfig()
        self.training, self.split, self.layout, self.fold = training, split, layout, fold
        self.extras, self.sequence = extras, sequence
        self.rank, self.world_size = _distributed(rank, world_size)
        self.epoch = 0
        self._epochs: dict[Shard, Epochs] = {}
        checked = self._plan(Shard())
        self.classes: tuple[str, ...] = tuple(checked.legend.classes)
        """The names of y's columns, in order (the legend's classes)."""

    def set_epoch(self, epoch: int) -> None:
        """The epoch the next iteration draws (call it on every rank before each epoch)."""
        self.epoch = epoch

    def shard(self) -> Shard:
        """This worker's share of row groups: one of ranks x workers."""
        info = get_worker_info()
        workers, worker = (info.num_workers, info.id) if info is not None else (1, 0)
        return Shard(self.world_size * workers, self.rank * workers + worker)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for batch in self._batches():
            yield {name: torch.from_numpy(values) for name, values in batch.items()}

    def _batches(self):
        """This epoch's numpy batches: streamed in a worker process (it ends with the epoch),
        through the process's cached `Epochs` otherwise."""
        shard = self.shard()
        if get_worker_info() is not None:
            return batches(self._plan(shard), self.epoch)
        if shard not in self._epochs:
            self._epochs[shard] = Epochs(self._plan(shard))
        epochs = self._epochs[shard]
        epochs.set_epoch(self.epoch)
        return iter(epochs)

    def _plan(self, shard: Shard):
        return plan(
            self.path,
            self.stats,
            self.config,
            training=self.training,
            split=self.split,
            shard=shard,
            extras=self.extras,
            layout=self.layout,
            sequence=self.sequence,
            fold=self.fold,
        )

    def __getstate__(self) -> dict:
        """What a worker process receives: everything but the cache (it reads its own)."""
        return self.__dict__ | {"_epochs": {}}


def _distributed(rank: int | None, world_size: int | None) -> tuple[int, int]:
    if rank is not None and world_size is not None:
        return rank, world_size
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return rank or 0, world_size or 1

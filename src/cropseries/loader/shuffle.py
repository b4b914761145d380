"""Shuffling and batching columnar examples a whole chunk at a time, in bounded memory.

Examples travel as "columns": a dict of numpy arrays sharing their first dimension.
`ShuffleBuffer` is tf.data's shuffle done vectorized: a fixed number of slots, each
arriving example evicts a uniformly chosen one; `Rebatcher` cuts the stream into batches of
a fixed size. Neither knows what the columns mean.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

Columns = dict[str, np.ndarray]


def num_rows(columns: Columns) -> int:
    return len(next(iter(columns.values())))


def take(columns: Columns, index) -> Columns:
    return {name: values[index] for name, values in columns.items()}


def concatenate(parts: list[Columns]) -> Columns:
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


class ShuffleBuffer:
    """A buffer of `capacity` examples; memory is capacity times one example, whatever comes in.

    `push` first fills the buffer, then sends each arriving example to a distinct, uniformly
    chosen slot and returns the examples it evicts, in random order. `drain` returns what
    is left, in random order. Capacity 0 passes examples through unshuffled.
    """

    def __init__(self, capacity: int, rng: np.random.Generator):
        self.capacity = capacity
        self.rng = rng
        self.slots: Columns | None = None
        self.size = 0

    def push(self, columns: Columns) -> Columns | None:
        """Add examples; returns the evicted ones (None while the buffer is filling)."""
        if self.capacity == 0:
            return columns
        n = num_rows(columns)
        if self.slots is None:
            self.slots = {
                k: np.empty((self.capacity, *v.shape[1:]), v.dtype) for k, v in columns.items()
            }
        fill = min(n, self.capacity - self.size)
        for name, values in columns.items():
            self.slots[name][self.size : self.size + fill] = values[:fill]
        self.size += fill
        evicted = []
        for start in range(fill, n, self.capacity):
            arriving = take(columns, slice(start, min(n, start + self.capacity)))
            slots = self.rng.choice(self.capacity, num_rows(arriving), replace=False)
            evicted.append(take(self.slots, slots))
            for name, values in arriving.items():
                self.slots[name][slots] = values
        return concatenate(evicted) if evicted else None

    def drain(self) -> Columns | None:
        """Everything still in the buffer, in random order; the buffer is empty afterwards."""
        if self.slots is None or self.size == 0:
            return None
        rest = take(self.slots, self.rng.permutation(self.size))
        self.slots, self.size = None, 0
        return rest


class Rebatcher:
    """Cuts a stream of column chunks into batches of exactly `batch_size` (the last: the rest)."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.pending: list[Columns] = []
        self.count = 0

    def push(self, columns: Columns | None) -> Iterator[Columns]:
        if columns is None or num_rows(columns) == 0:
            return
        self.pending.append(columns)
        self.count += num_rows(columns)
        if self.count < self.batch_size:
            return
        joined = concatenate(self.pending)
        full = self.count - self.count % self.batch_size
        for start in range(0, full, self.batch_size):
            yield take(joined, slice(start, start + self.batch_size))
        self.pending = [take(joined, slice(full, None))] if full < self.count else []
        self.count -= full

    def flush(self) -> Iterator[Columns]:
        """The last, partial batch, if any."""
        if self.count:
            yield concatenate(self.pending)
        self.pending, self.count = [], 0

"""Shuffling and batching columnar examples a whole batch at a time, in bounded memory.

Examples travel as "columns": a dict of numpy arrays sharing their first dimension. A
column's other dimensions may grow from group to group (the loader's sequence form, padded
to the longest series): shorter rows are padded with zeros where groups meet.
`ShuffleBuffer` is tf.data's shuffle done a batch at a time: a fixed number of slots, and
each batch of arriving examples evicts as many uniformly chosen ones, which leave as the
next output batch. `Rebatcher` cuts a stream into batches without shuffling. Neither knows
what the columns mean.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

Columns = dict[str, np.ndarray]


def num_rows(columns: Columns) -> int:
    """Rows of a group of equally long columns."""
    return len(next(iter(columns.values())))


def take(columns: Columns, index) -> Columns:
    """The rows `index` (a slice or integer array) of every column."""
    return {name: values[index] for name, values in columns.items()}


def concatenate(parts: list[Columns]) -> Columns:
    """Groups of columns stacked into one, column by column, in order, zero-padded to the
    widest."""
    if len(parts) == 1:
        return parts[0]
    stacked = {}
    for name in parts[0]:
        values = [p[name] for p in parts]
        shape = np.max([v.shape[1:] for v in values], axis=0)
        stacked[name] = np.concatenate([padded(v, shape) for v in values])
    return stacked


def padded(values: np.ndarray, shape) -> np.ndarray:
    """`values` [n, ...] zero-padded at the end of its other dimensions to `shape`."""
    grow = [int(want) - have for want, have in zip(shape, values.shape[1:], strict=True)]
    return np.pad(values, [(0, 0)] + [(0, g) for g in grow]) if any(grow) else values


class Rebatcher:
    """A first-in first-out queue of rows that hands them out in batches of `batch_size`."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.pending: list[Columns] = []
        self.count = 0

    def add(self, columns: Columns | None) -> None:
        if columns is not None and num_rows(columns):
            self.pending.append(columns)
            self.count += num_rows(columns)

    def pop(self, n: int) -> Columns:
        """The next `n` rows (n <= count), in arrival order."""
        return concatenate(self.pop_parts(n))

    def pop_parts(self, n: int) -> list[Columns]:
        """The next `n` rows (n <= count), in arrival order, as the groups they came in (cut
        where `n` ends): no copy."""
        parts, need = [], n
        while need:
            head = self.pending[0]
            rows = num_rows(head)
            if rows <= need:
                parts.append(self.pending.pop(0))
                need -= rows
            else:
                parts.append(take(head, slice(0, need)))
                self.pending[0] = take(head, slice(need, None))
                need = 0
        self.count -= n
        return parts

    def push(self, columns: Columns | None) -> Iterator[Columns]:
        """Add rows; yield every full batch now available."""
        self.add(columns)
        while self.count >= self.batch_size:
            yield self.pop(self.batch_size)

    def flush(self) -> Iterator[Columns]:
        """The last, partial batch, if any."""
        if self.count:
            yield self.pop(self.count)


class ShuffleBuffer:
    """`capacity` slots of examples; memory is the slots plus one batch, whatever comes in.

    `push` fills the slots first; after that each batch of `batch_size` arriving examples
    takes the places of `batch_size` distinct, uniformly chosen slots, whose examples are
    yielded as one batch in random order. `drain` yields the rest, shuffled. Capacity 0
    only rebatches.
    """

    def __init__(self, capacity: int, batch_size: int, rng: np.random.Generator):
        self.capacity = capacity
        self.rng = rng
        self.arriving = Rebatcher(batch_size)
        self.slots: Columns | None = None
        self.size = 0

    def _fill(self) -> None:
        if self.slots is None:
            first = self.arriving.pending[0]
            self.slots = {
                k: np.empty((self.capacity, *v.shape[1:]), v.dtype) for k, v in first.items()
            }
        n = min(self.capacity - self.size, self.arriving.count)
        for name, values in self.arriving.pop(n).items():
            self._store(name, slice(self.size, self.size + n), values)
        self.size += n

    def _store(self, name: str, where, values: np.ndarray) -> None:
        """Put `values` in the slots `where` of column `name`, the narrower of the two
        zero-padded to the other's width first."""
        slots = self.slots[name]
        shape = np.maximum(slots.shape[1:], values.shape[1:])
        if tuple(shape) != slots.shape[1:]:
            slots = self.slots[name] = padded(slots, shape)
        slots[where] = padded(values, slots.shape[1:])

    def _swap(self, n: int) -> Columns:
        """Evict n (<= capacity) random slots, refill them with the next n arrivals."""
        slots = self.rng.choice(self.capacity, n, replace=False)
        evicted = take(self.slots, slots)
        start = 0
        for part in self.arriving.pop_parts(n):  # each straight into its slots
            end = start + num_rows(part)
            for name, values in part.items():
                self._store(name, slots[start:end], values)
            start = end
        return evicted

    def push(self, columns: Columns | None) -> Iterator[Columns]:
        """Add examples; yield every batch they evict."""
        if self.capacity == 0:
            yield from self.arriving.push(columns)
            return
        self.arriving.add(columns)
        if self.size < self.capacity and self.arriving.count:
            self._fill()
        batch = self.arriving.batch_size
        while self.size == self.capacity and self.arriving.count >= batch:
            steps = range(0, batch, self.capacity)
            yield concatenate([self._swap(min(self.capacity, batch - s)) for s in steps])

    def drain(self) -> Iterator[Columns]:
        """Everything left (slots and arrivals), in random order, in batches."""
        if self.capacity == 0:
            yield from self.arriving.flush()
            return
        rest = [take(self.slots, slice(0, self.size))] if self.size else []
        if self.arriving.count:
            rest.append(self.arriving.pop(self.arriving.count))
        self.slots, self.size = None, 0
        if rest:
            everything = concatenate(rest)
            order = self.rng.permutation(num_rows(everything))
            yield from self.arriving.push(take(everything, order))
            yield from self.arriving.flush()

"""The decoded-series cache: epochs after the first replay checked, decoded pieces from memory.

Reading and decoding cost more than half of a streamed epoch's CPU (bench/loader_profile.py);
a split that fits `LoaderConfig.cache_mb` is kept in memory in its compact decoded form
during the first epoch, and later epochs skip both. Windows, buckets and the shuffle are
drawn anew from the cached series every epoch, in the same order as streaming would give
them, so the examples are the same with or without the cache. Whether a split fits is
estimated before anything is read, from the files' footers (the uncompressed size of the
columns the loader reads); one that does not fit streams every epoch, and says so once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from cropseries.loader.source import Input, Piece, Unit

log = logging.getLogger(__name__)


def decoded_bytes(source: Input, units: Iterable[Unit], columns: Iterable[str]) -> int:
    """About the memory `columns` of `units` take decoded: their uncompressed Parquet size."""
    wanted, total = set(columns), 0
    for unit in units:
        group = source.footers[unit.file].row_group(unit.row_group)
        for i in range(group.num_columns):
            column = group.column(i)
            if column.path_in_schema in wanted:
                total += column.total_uncompressed_size
    return total


class ChunkCache:
    """The pieces of one dataset's units, stored by unit once a whole pass has read them."""

    def __init__(self) -> None:
        self._stored: dict[Unit, list[Piece]] | None = None

    @classmethod
    def for_input(
        cls, source: Input, units: tuple[Unit, ...], columns: Iterable[str], budget_mb: float
    ) -> ChunkCache | None:
        """A cache if the units fit `budget_mb` decoded, else None (and a log line)."""
        if budget_mb <= 0:
            return None
        need = decoded_bytes(source, units, columns)
        if need > budget_mb * 2**20:
            log.warning(
                "loader: split %r of %s needs about %.0f MB decoded, more than the cache "
                "budget of %g MB (LoaderConfig.cache_mb): every epoch reads it from the files",
                source.split,
                source.path,
                need / 2**20,
                budget_mb,
            )
            return None
        return cls()

    @property
    def complete(self) -> bool:
        return self._stored is not None

    def pieces(
        self, units: tuple[Unit, ...], read: Callable[[tuple[Unit, ...]], Iterator[Piece]]
    ) -> Iterator[Piece]:
        """The pieces of `units` in their order: from memory once complete, else from
        `read(units)`, kept as they pass (each decodes once, when the kernel first takes
        it); the cache is complete only after a whole pass."""
        if self._stored is not None:
            for unit in units:
                yield from self._stored[unit]
            return
        filling: dict[Unit, list[Piece]] = {unit: [] for unit in units}
        for piece in read(units):
            filling[piece.unit].append(piece)
            yield piece
        self._stored = filling

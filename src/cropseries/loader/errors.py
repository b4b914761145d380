"""The loader's error: bad input met while loading, named by file, row and column."""

from __future__ import annotations

from cropseries.errors import CropseriesError


class LoaderError(CropseriesError, ValueError):
    """Input the loader cannot turn into correct batches; the message says where and why."""

"""The one error type: everything a user can get wrong, said in one line, and how a run ends.

Every user-facing error derives from `CropseriesError`, whose message names the file, row,
column and value it is about (also kept as attributes where known). The command line prints
it as one line on stderr, with no traceback unless `--debug` is given, and exits with its
`exit_status`: 2 for bad input or arguments, 1 (`RunFailed`) for a run that could not finish
although its input looked right.
"""

from __future__ import annotations


class CropseriesError(Exception):
    """Bad input or arguments: the message says where (file, row, column) and what is wrong."""

    exit_status = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ):
        super().__init__(message)
        self.file, self.row, self.column, self.value = file, row, column, value


class RunFailed(CropseriesError):
    """A run that could not finish: its own result did not check out, or a service failed."""

    exit_status = 1


class ConfigError(CropseriesError, ValueError):
    """A configuration value out of its range; raised when the configuration is built."""

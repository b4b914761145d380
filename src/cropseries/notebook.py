"""Where a notebook is: the repository root from its own path, and relative paths read from it.

Serverless compute does not promise that a notebook runs in its own folder, so the notebooks do
not rely on the working directory. Each asks Databricks for its own workspace path (such as
`/Users/me/.bundle/cropseries/dev/files/notebooks/01_split`, whose files are under `/Workspace`)
and reads every relative path it is given from the repository root above it. Outside Databricks
the path is the notebook file's own, and used as it is.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from cropseries.legend import BUILT_IN

#: Top folders of the workspace as a notebook's context names them (without `/Workspace`).
WORKSPACE_FOLDERS = ("Users", "Repos", "Shared")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def repository_root(notebook_path: str) -> Path:
    """The repository a notebook belongs to: the folder above its `notebooks/` folder."""
    path = PurePosixPath(notebook_path)
    if len(path.parts) > 1 and path.parts[1] in WORKSPACE_FOLDERS:
        path = PurePosixPath("/Workspace", *path.parts[1:])
    return Path(path).parent.parent


def legend_spec(root: Path, value: str) -> str | None:
    """A legend widget's value: empty for the dataset's own legend (None), a built-in name as
    it is, a legend file read from the repository root if relative."""
    if not value.strip():
        return None
    return value if value in BUILT_IN else repository_path(root, value)


def repository_path(root: Path, value: str) -> str:
    """`value` read from the repository root if it is a relative local path, else as given.

    Absolute paths, `/Volumes/...` and URIs (`dbfs:/`, `s3://`, `file:`) pass unchanged, and so
    does an empty value (a widget left empty to mean "the default").
    """
    if not value or value.startswith("/") or _SCHEME.match(value):
        return value
    return str(root / value)

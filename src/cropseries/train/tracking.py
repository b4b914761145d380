"""MLflow tracking: every training and evaluation run is an MLflow run, one code path everywhere.

Inside Databricks runs go to the workspace's tracking server, in an experiment at a workspace
path (`/Users/<you>/cropseries` unless told); elsewhere to a file store beside the outputs,
which `mlflow ui --backend-store-uri <store>` browses. `MLFLOW_TRACKING_URI`, as MLflow
itself reads it, overrides both. MLflow is imported only here and only when a run starts.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cropseries.errors import ConfigError
from cropseries.reader import local_path

#: The local store's folder, inside the training output.
LOCAL_STORE = "mlruns"
_URI_VARIABLE = "MLFLOW_TRACKING_URI"
#: The experiment's name locally, and its folder's name under /Users/<you>/ on Databricks.
EXPERIMENT = "cropseries"


def on_databricks() -> bool:
    """Whether this process runs on Databricks compute (serverless or a cluster)."""
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


@dataclass(frozen=True)
class Tracking:
    """Where a run is logged: the tracking URI and the experiment (a workspace path there)."""

    uri: str
    experiment: str

    def __post_init__(self) -> None:
        if self.uri.startswith("databricks") and not self.experiment.startswith("/"):
            raise ConfigError(
                f"experiment={self.experiment!r}: a Databricks experiment is a workspace path, "
                f"e.g. /Users/you@example.com/{EXPERIMENT}"
            )


def tracking(out: str, experiment: str | None = None, uri: str | None = None) -> Tracking:
    """Where runs whose outputs go to `out` are logged (module docstring); `experiment` and
    `uri` as given, when given."""
    uri = uri or os.environ.get(_URI_VARIABLE) or ("databricks" if on_databricks() else "")
    if not uri:
        uri = Path(local_path(out), LOCAL_STORE).resolve().as_uri()
    if not experiment:
        experiment = _workspace_experiment() if uri.startswith("databricks") else EXPERIMENT
    return Tracking(uri, experiment)


def _workspace_experiment() -> str:
    from databricks.sdk import WorkspaceClient

    return f"/Users/{WorkspaceClient().current_user.me().user_name}/{EXPERIMENT}"


@contextlib.contextmanager
def mlflow_run(
    where: Tracking, name: str, run_id: str | None = None, nested: bool = False
) -> Iterator[Any]:
    """An active MLflow run in `where` (a new one named `name`, or `run_id` resumed); with
    `nested`, a child of the run active now.

    Autologging is switched off: Databricks turns it on in notebooks, and it would log a
    second copy of what this run logs explicitly.
    """
    import mlflow
    import mlflow.keras
    import mlflow.tensorflow

    exported = os.environ.get(_URI_VARIABLE)
    with warnings.catch_warnings():
        # The file store is the local store mlflow-skinny has (a database store needs
        # SQLAlchemy, which Databricks' serverless environment does not ship); MLflow warns
        # that it will go.
        warnings.filterwarnings("ignore", "The filesystem tracking backend", FutureWarning)
        try:
            mlflow.set_tracking_uri(where.uri)
            for flavour in (mlflow.keras, mlflow.tensorflow):
                flavour.autolog(disable=True, silent=True)
            experiment = mlflow.set_experiment(where.experiment)
            with mlflow.start_run(
                run_id=run_id,
                run_name=None if run_id else name,
                experiment_id=experiment.experiment_id,
                nested=nested,
            ) as run:
                yield run
        finally:
            # MLflow exports the URI it is given as MLFLOW_TRACKING_URI (for subprocesses);
            # put back what was there, or the next run's default store would be this run's.
            if exported is None:
                os.environ.pop(_URI_VARIABLE, None)
            else:
                os.environ[_URI_VARIABLE] = exported


def flat_params(prefix: str, config: Any) -> dict[str, Any]:
    """A dataclass (or mapping) as MLflow parameters: `<prefix>.<field>` -> value."""
    fields = config if isinstance(config, Mapping) else asdict(config)
    return {f"{prefix}.{name}": _param(value) for name, value in fields.items()}


def _param(value: Any) -> Any:
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return ",".join(str(item) for item in items)
    return value

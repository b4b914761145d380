"""Where MLflow runs go: a file store beside the outputs locally, the workspace on Databricks."""

from __future__ import annotations

import pytest

from cropseries.errors import ConfigError
from cropseries.train.tracking import EXPERIMENT, Tracking, flat_params, tracking


def test_locally_runs_go_to_a_file_store_under_the_output(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    where = tracking(f"file:{tmp_path}/train")  # any local spelling of the output folder
    assert where == Tracking((tmp_path / "train" / "mlruns").as_uri(), EXPERIMENT)


def test_on_databricks_runs_go_to_the_workspace_in_a_workspace_path(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "client.5.0")
    where = tracking(str(tmp_path), "/Users/me@example.com/crops")
    assert where == Tracking("databricks", "/Users/me@example.com/crops")
    with pytest.raises(ConfigError, match="workspace path"):
        tracking(str(tmp_path), "crops")


def test_the_environment_and_flags_override_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://localhost:5000")
    assert tracking(str(tmp_path)).uri == "http://localhost:5000"
    assert tracking(str(tmp_path), uri="file:///elsewhere").uri == "file:///elsewhere"


def test_configurations_become_flat_parameters():
    from cropseries.config import LoaderConfig

    params = flat_params("loader", LoaderConfig(exclude_scl=(3, 10)))
    assert params["loader.exclude_scl"] == "3,10" and params["loader.batch_size"] == 1028


def test_runs_of_one_process_go_to_their_own_outputs_store(tmp_path, monkeypatch):
    import os

    import mlflow

    from cropseries.train.tracking import mlflow_run

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    for name in ("a", "b"):
        with mlflow_run(tracking(str(tmp_path / name)), name):
            mlflow.log_param("out", name)
        assert "MLFLOW_TRACKING_URI" not in os.environ  # MLflow exports it; it is put back
    stores = sorted(p.parts[-6] for p in tmp_path.glob("*/mlruns/*/*/params/out"))
    assert stores == ["a", "b"]

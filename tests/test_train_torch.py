"""The course's CNN in PyTorch, trained from the loader's batches alone and data-parallel on
two processes (Gloo on CPU), as the manual's Databricks recipe runs it."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
from fixture_data import write_split_dataset, write_stats

from cropseries.config import LoaderConfig

torch = pytest.importorskip("torch", reason="the torch extra is not installed")
from cropseries.train.torch import CourseCNN, train_ddp  # noqa: E402

CONFIG = LoaderConfig(batch_size=32, seed=3, shuffle_buffer=64)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("torch_train")
    write_split_dataset(root, rows=200, files=2, row_group_rows=30)
    write_stats(root / "stats.json")
    return str(root)


def training_rows(splits: str) -> int:
    """Rows of the train split that make examples (double crops are dropped in train)."""
    table = pq.read_table(f"{splits}/split=train", columns=["is_double_crop"])
    return int((~table["is_double_crop"].to_numpy()).sum())


def test_the_port_has_the_course_models_shape_and_weights():
    from cropseries.train.model import course_model

    port = CourseCNN(num_classes=7)
    assert port(torch.zeros(4, 25, 12)).shape == (4, 7)
    keras_params = course_model(7).count_params()
    assert sum(p.numel() for p in port.parameters()) == keras_params


def test_one_process_trains_on_every_row_each_epoch(splits):
    history = train_ddp(splits, epochs=2, config=CONFIG)
    assert history["train_rows"] == [training_rows(splits)] * 2
    assert all(0 <= a <= 1 for a in history["val_accuracy"])


def test_two_processes_share_the_rows_and_finish(splits):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", "2", "-m", "cropseries.train.torch"]
    command += ["--splits", splits, "--epochs", "2", "--batch-size", "32", "--workers", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    epochs = re.findall(r"epoch (\d)/2: ([\d,]+) rows, val accuracy ([\d.]+)", done.stdout)
    assert [e[0] for e in epochs] == ["1", "2"]  # printed once, by rank 0
    rows = np.array([int(e[1].replace(",", "")) for e in epochs])
    np.testing.assert_array_equal(rows, training_rows(splits))  # all rows, over both ranks


def test_too_many_shards_for_the_row_groups_is_refused_before_training(splits):
    from cropseries.loader.errors import LoaderError

    with pytest.raises(LoaderError, match="fewer than the 50 shards of 1 processes x 50"):
        train_ddp(splits, epochs=1, config=CONFIG, workers=50)

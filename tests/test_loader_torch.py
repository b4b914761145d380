"""The PyTorch dataset: the numpy core's examples, every row once per epoch across workers and
ranks, epochs that differ, evaluation that does not."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from fixture_data import write_split_dataset, write_stats

from cropseries.config import LoaderConfig
from cropseries.loader.pipeline import batches, plan
from cropseries.loader.source import Shard

torch = pytest.importorskip("torch", reason="the torch extra is not installed")
from torch.utils.data import DataLoader  # noqa: E402

from cropseries.loader.torch import LoaderDataset  # noqa: E402

CONFIG = LoaderConfig(batch_size=32, seed=5, shuffle_buffer=64)
#: The research options at once: they reach every consumer the same.
OPTIONS = LoaderConfig(
    batch_size=32,
    seed=5,
    shuffle_buffer=64,
    window="ending:07-01",
    bands=("B08", "B04", "B11"),
    indices=("ndvi", "ndmi"),
    fill="median",
)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("torch")
    write_split_dataset(root, rows=150, files=2, row_group_rows=40)  # 4 row groups a file
    write_stats(root / "stats.json", median=[800.0 + 40 * i for i in range(12)], indices=True)
    return str(root)


def gather(items) -> dict[str, np.ndarray]:
    items = list(items)
    return {key: np.concatenate([item[key].numpy() for item in items]) for key in items[0]}


def test_a_shard_gives_the_numpy_cores_batches_as_tensors(splits):
    dataset = LoaderDataset(splits, splits, CONFIG, extras=True, rank=1, world_size=2)
    dataset.set_epoch(3)
    items = list(dataset)
    assert all(isinstance(v, torch.Tensor) for v in items[0].values())
    job = plan(splits, splits, CONFIG, training=True, split="train", shard=Shard(2, 1), extras=True)
    expected = list(batches(job, 3))
    assert [len(i["x"]) for i in items] == [len(b["x"]) for b in expected]
    for got, want in zip(items, expected, strict=True):
        for key in want:
            np.testing.assert_array_equal(got[key].numpy(), want[key], err_msg=key)
    assert items[0]["x"].dtype == torch.float32 and items[0]["y"].shape[1] == 7


def test_two_workers_on_two_ranks_see_every_row_once_per_epoch(splits):
    table = pq.read_table(f"{splits}/split=train", columns=["pixel_id", "is_double_crop"])
    single = ~table["is_double_crop"].to_numpy()
    rows = np.sort(table["pixel_id"].to_numpy()[single])
    seen = {0: [], 1: []}
    for epoch in (0, 1):
        for rank in (0, 1):
            dataset = LoaderDataset(splits, splits, CONFIG, extras=True, rank=rank, world_size=2)
            dataset.set_epoch(epoch)
            loader = DataLoader(dataset, batch_size=None, num_workers=2)
            seen[epoch].append(gather(loader))
        pixels = np.concatenate([part["pixel_id"] for part in seen[epoch]])
        np.testing.assert_array_equal(np.sort(pixels), rows)  # each row once, none missing
    assert not np.array_equal(seen[0][0]["x"], seen[1][0]["x"])  # a new epoch, new draws


def test_evaluation_is_the_same_every_time(splits):
    dataset = LoaderDataset(splits, splits, CONFIG, training=False, split="test", extras=True)
    first, second = gather(dataset), gather(dataset)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    assert len(first["x"]) == 15 * pq.read_table(f"{splits}/split=test").num_rows


@pytest.mark.parametrize("config", [CONFIG, OPTIONS], ids=["course", "research options"])
def test_a_shard_gives_the_tf_data_batches_of_the_same_seed_and_shard(splits, config):
    from cropseries.loader.pipeline import training_dataset

    dataset = LoaderDataset(splits, splits, config, extras=True, rank=0, world_size=2)
    from_tf = training_dataset(splits, splits, config, shard=Shard(2, 0), extras=True)
    pairs = list(zip(dataset, from_tf, strict=True))
    assert len(pairs) > 1
    for got, want in pairs:
        assert set(got) == set(want)
        for key in want:
            np.testing.assert_array_equal(got[key].numpy(), want[key].numpy(), err_msg=key)


def test_the_cache_serves_later_epochs_in_process_and_stays_out_of_workers(splits):
    import pickle

    dataset = LoaderDataset(splits, splits, CONFIG)
    first = gather(dataset)
    [epochs] = dataset._epochs.values()
    assert epochs.cache is not None and epochs.cache.complete  # filled by the first epoch
    np.testing.assert_array_equal(gather(dataset)["x"], first["x"])  # same epoch, same draws
    assert pickle.loads(pickle.dumps(dataset))._epochs == {}  # what a worker receives

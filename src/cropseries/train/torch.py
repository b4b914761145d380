"""The course's 1D-CNN in PyTorch, trained data-parallel from `loader.torch.LoaderDataset`.

One function, `train_ddp`, runs unchanged in a single process, under `torchrun`, under
Spark's `TorchDistributor` (a classic GPU cluster) and under Databricks' serverless GPU
`@distributed` launcher: all of them set `WORLD_SIZE`, `RANK` and `LOCAL_RANK`, from which
it joins the process group (NCCL on GPUs, Gloo on CPUs) and the dataset takes its shard.
Shards hold whole row groups, so ranks may get different numbers of batches: DDP's `join`
lets the ranks that finish first wait for the others instead of hanging. Needs the `torch`
extra.

    python -m torch.distributed.run --nproc_per_node 2 -m cropseries.train.torch \\
        --splits data/demo/splits --epochs 2
"""

from __future__ import annotations

import argparse
import contextlib
import os

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from cropseries.config import LoaderConfig
from cropseries.loader.torch import LoaderDataset
from cropseries.train.model import ModelConfig


class CourseCNN(nn.Module):
    """`model.course_model` in PyTorch: [batch, buckets, bands] in, class logits out (the
    softmax is in the loss)."""

    def __init__(
        self,
        num_classes: int,
        num_buckets: int = 25,
        config: ModelConfig | None = None,
        bands: int = 12,
    ):
        super().__init__()
        config = config or ModelConfig()
        width = config.filters * config.pooled_length(num_buckets)
        self.layers = nn.Sequential(
            nn.Conv1d(bands, config.filters, config.kernel_size),
            nn.ReLU(),
            nn.Conv1d(config.filters, config.filters, config.kernel_size),
            nn.ReLU(),
            nn.Dropout(config.dropout),
            nn.MaxPool1d(2),
            nn.Flatten(),
            nn.Linear(width, config.dense_units),
            nn.ReLU(),
            nn.Linear(config.dense_units, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.transpose(1, 2))  # Conv1d wants [batch, channels, time]


def train_ddp(
    splits: str,
    stats: str | None = None,
    *,
    epochs: int = 2,
    config: LoaderConfig | None = None,
    workers: int = 0,
    learning_rate: float = 1e-3,
) -> dict:
    """Train on `splits`' train split, score the val split after every epoch; returns (on
    every rank) `val_accuracy` per epoch and the `train_rows` seen per epoch, over all ranks.

    Every rank reads its own row groups: the train and val splits need at least
    ranks x `workers` (at least 1) row groups each. `stats` defaults to `splits`/stats.json.
    """
    device = _device()  # before the process group: NCCL binds to the current device
    group, created = _join_process_group()
    config = config or LoaderConfig(seed=0)
    if config.seed is not None:
        torch.manual_seed(config.seed)  # DDP then copies rank 0's weights to the others
    stats = stats or splits
    _check_shards(splits, workers)
    train = LoaderDataset(splits, stats, config)
    val = LoaderDataset(splits, stats, config, training=False, split="val")
    model = CourseCNN(len(train.classes), config.num_buckets, bands=len(config.input_channels))
    model = model.to(device)
    trained = DistributedDataParallel(model) if group else model
    optimizer = torch.optim.Adam(trained.parameters(), lr=learning_rate)
    pinned = device.type == "cuda"
    history = {"val_accuracy": [], "train_rows": []}
    for epoch in range(epochs):
        train.set_epoch(epoch)
        trained.train()
        rows = torch.zeros((), dtype=torch.int64, device=device)
        with trained.join() if group else contextlib.nullcontext():
            for batch in DataLoader(train, batch_size=None, num_workers=workers, pin_memory=pinned):
                x = batch["x"].to(device, non_blocking=True)
                y = batch["y"].to(device, non_blocking=True)
                loss = nn.functional.cross_entropy(trained(x), y)  # y: one-hot probabilities
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                rows += len(x)
        history["train_rows"].append(int(_summed(rows)))
        history["val_accuracy"].append(_accuracy(model, val, device, workers))
        if _rank() == 0:
            print(
                f"epoch {epoch + 1}/{epochs}: {history['train_rows'][-1]:,} rows, "
                f"val accuracy {history['val_accuracy'][-1]:.3f}",
                flush=True,
            )
    if created:
        torch.distributed.destroy_process_group()
    return history


def _check_shards(splits: str, workers: int) -> None:
    """Every rank refuses the same way, before any collective, when the train or val split
    has fewer row groups than ranks x workers (a rank without rows would leave the others
    waiting for it)."""
    from cropseries.loader.errors import LoaderError
    from cropseries.loader.source import open_input

    ranks = torch.distributed.get_world_size() if torch.distributed.is_initialized() else 1
    shards = ranks * max(1, workers)
    for split in ("train", "val"):
        groups = len(open_input(splits, split).units)
        if groups < shards:
            raise LoaderError(
                f"{splits}: split {split!r} has {groups} row groups, fewer than the {shards} "
                f"shards of {ranks} processes x {max(1, workers)} DataLoader workers"
            )


@torch.no_grad()
def _accuracy(model: nn.Module, dataset: LoaderDataset, device, workers: int) -> float:
    """Share of the dataset's examples (over all ranks' shards) whose top class is right."""
    model.eval()
    counts = torch.zeros(2, dtype=torch.int64, device=device)  # right, all
    for batch in DataLoader(dataset, batch_size=None, num_workers=workers):
        predicted = model(batch["x"].to(device)).argmax(1)
        counts[0] += (predicted == batch["y"].to(device).argmax(1)).sum()
        counts[1] += len(predicted)
    right, total = _summed(counts).tolist()
    return right / max(total, 1)


def _join_process_group() -> tuple[bool, bool]:
    """(whether a process group is in use, whether this call created it): the caller's own,
    else the launcher's (`WORLD_SIZE` > 1), else none."""
    if torch.distributed.is_initialized():
        return True, False
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False, False
    torch.distributed.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return True, True


def _device() -> torch.device:
    if not torch.cuda.is_available():
        return torch.device("cpu")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    torch.cuda.set_device(local)
    return torch.device("cuda", local)


def _rank() -> int:
    return torch.distributed.get_rank() if torch.distributed.is_initialized() else 0


def _summed(values: torch.Tensor) -> torch.Tensor:
    """`values` summed over all ranks (as they are, alone)."""
    if torch.distributed.is_initialized():
        torch.distributed.all_reduce(values)
    return values


def main(argv: list[str] | None = None) -> None:
    """The command line `torchrun ... -m cropseries.train.torch` runs in every process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", required=True, help="split dataset (01_split output)")
    parser.add_argument("--stats", help="stats.json (default: SPLITS/stats.json)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=LoaderConfig.batch_size)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader workers per rank")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = LoaderConfig(seed=args.seed, batch_size=args.batch_size)
    train_ddp(args.splits, args.stats, epochs=args.epochs, config=config, workers=args.workers)


if __name__ == "__main__":
    main()

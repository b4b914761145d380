"""How much of a training step waits for the loader: the course's model fed by the loader, against
the same model fed from memory and the loader alone, on the same batches in one run.

    python bench/train_input.py [--splits data/demo/splits] [--batch-size 1028] [--prefetch 1]
                                [--model-threads 0] [--repeat 3] [--json bench/out/train_input.json]

(a) the loader alone: one training epoch of the tf.data dataset iterated, nothing else;
(b) the model alone: one epoch of `model.fit` on the same number of batches held in memory
(a tf.data dataset of tensors already built: no input cost); (c) the model fed by the loader:
one epoch of `model.fit` on the loader's dataset, as `train` runs it. Every timing is the
median of `--repeat` epochs after one untimed epoch. The input wait is the share of (c) that
(b) does not explain: 1 - b/c, i.e. 0 when the loader is never the bottleneck. On a GPU the
model's time shrinks and the share grows; the same script measures it there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from cropseries.config import LoaderConfig
from cropseries.loader.pipeline import plan, to_dataset
from cropseries.train.model import course_model


def median_seconds(run, repeat: int) -> float:
    """Median wall time of `run()` over `repeat` calls, after one untimed call."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="data/demo/splits")
    parser.add_argument("--batch-size", type=int, default=LoaderConfig().batch_size)
    parser.add_argument("--prefetch", type=int, default=LoaderConfig().prefetch)
    parser.add_argument(
        "--model-threads",
        type=int,
        default=0,
        help="TensorFlow's intra-op and inter-op threads (0: as many as cores)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.model_threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.model_threads)
    keras.utils.set_random_seed(0)
    config = LoaderConfig(batch_size=args.batch_size, prefetch=args.prefetch, seed=0)
    job = plan(args.splits, args.splits, config, training=True, split="train")
    loader = to_dataset(job)
    in_memory = loader.take(-1).cache()
    rows = sum(int(x.shape[0]) for x, _ in in_memory)  # fills the cache
    model = course_model(job.legend.num_classes, config.num_buckets)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

    def loader_alone() -> None:
        for _ in loader:
            pass

    seconds = {
        "loader_alone": median_seconds(loader_alone, args.repeat),
        "model_from_memory": median_seconds(
            lambda: model.fit(in_memory, epochs=1, verbose=0), args.repeat
        ),
        "model_from_loader": median_seconds(
            lambda: model.fit(loader, epochs=1, verbose=0), args.repeat
        ),
    }
    wait = 1 - seconds["model_from_memory"] / seconds["model_from_loader"]
    devices = [d.device_type for d in tf.config.list_logical_devices()]
    result = {
        "splits": args.splits,
        "rows_per_epoch": rows,
        "batch_size": args.batch_size,
        "prefetch": args.prefetch,
        "model_threads": args.model_threads,
        "devices": devices,
        "cpu_count": os.cpu_count(),
        "seconds_per_epoch": seconds,
        "rows_per_second": {k: rows / v for k, v in seconds.items()},
        "input_wait_share": wait,
    }
    print(f"{rows:,} rows per epoch, batch {args.batch_size}, devices {devices}")
    for name, value in seconds.items():
        print(f"  {name:<18} {value:6.2f} s/epoch  {rows / value:>9,.0f} rows/s")
    print(f"  input wait: {wait:.1%} of a training epoch fed by the loader")
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()

"""How much of a training step waits for the loader: the course's model fed by the loader, against
the same model fed from memory and the loader alone, on the same batches in one run.

    python bench/train_input.py [--splits data/demo/splits] [--batch-size 1028] [--prefetch 1]
                                [--model-threads 0] [--rounds 7] [--json bench/out/train_input.json]

(a) the loader alone: one training epoch of the tf.data dataset iterated, nothing else;
(b) the model alone: one epoch of `model.fit` on the same number of batches held in memory
(a tf.data dataset of tensors already built: no input cost); (c) the model fed by the loader:
one epoch of `model.fit` on the loader's dataset, as `train` runs it. They are timed in
`--rounds` paired rounds of one epoch each (bench/rounds.py), after one untimed epoch; the
times printed are the medians over rounds. The input wait is the share of (c) that (b) does
not explain, 1 - b/c (0 when the loader is never the bottleneck), taken in each round and
the median printed with its range. On a GPU the model's time shrinks and the share grows;
the same script measures it there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from rounds import median_ratio, paired_rounds

from cropseries.config import LoaderConfig
from cropseries.loader.pipeline import plan, to_dataset
from cropseries.train.model import course_model


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
    parser.add_argument("--rounds", type=int, default=7, help="paired rounds of (a), (b), (c)")
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

    timed = paired_rounds(
        {
            "loader_alone": loader_alone,
            "model_from_memory": lambda: model.fit(in_memory, epochs=1, verbose=0),
            "model_from_loader": lambda: model.fit(loader, epochs=1, verbose=0),
        },
        args.rounds,
    )
    rounds = {name: [s for s, _ in runs] for name, runs in timed.items()}
    seconds = {name: statistics.median(values) for name, values in rounds.items()}
    explained, shares = median_ratio(rounds["model_from_memory"], rounds["model_from_loader"])
    wait, waits = 1 - explained, [1 - share for share in shares]
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
        "input_wait_share_rounds": waits,
    }
    print(f"{rows:,} rows per epoch, batch {args.batch_size}, devices {devices}")
    for name, value in seconds.items():
        print(f"  {name:<18} {value:6.2f} s/epoch  {rows / value:>9,.0f} rows/s")
    print(
        f"  input wait: {wait:.1%} of a training epoch fed by the loader (median of "
        f"{len(waits)} rounds, {min(waits):.1%} to {max(waits):.1%})"
    )
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()

"""Where the loader's time goes: CPU microseconds per row of each step, on one thread.

    python bench/loader_profile.py [--data data/bench/loader/course-80000] [--repeat 3]

Reads the train split's record batches into memory once (as bench/loader.py generates
them), then times each step of the loader's kernel over all of them, in this thread alone,
with CPU time (`time.thread_time`), best of `--repeat`: pyarrow reading the columns (all its
threads, process CPU: the floor's cost; and on one thread, as the loader reads on two
cores: `source.spare_cores`), checking and decoding (`decode_chunk`), filtering,
windows and buckets (`windowed`), the example columns and their normalization (`examples`
less `windowed`), the shuffle buffer, and finishing the batches (one-hot, `finish`). It
ends with the whole numpy epoch's process CPU per row and its CPU/wall ratio (how many of
the machine's cores the loader keeps busy).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cropseries.config import LoaderConfig
from cropseries.loader.memory import keep_arrays_on_heap
from cropseries.loader.pipeline import batches, examples, finish, plan, windowed
from cropseries.loader.shuffle import ShuffleBuffer
from cropseries.loader.source import COURSE_COLUMNS, SPLIT_COLUMNS, decode_chunk, parquet_file


def best_cpu(run, repeat: int, clock=time.thread_time) -> tuple[float, object]:
    """Least CPU seconds of `run()` over `repeat` runs (by `clock`), and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = clock()
        result = run()
        times.append(clock() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/bench/loader/course-80000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = LoaderConfig(seed=0)
    keep_arrays_on_heap()  # as `batches` does: no page faults from fresh mmaps in the steps
    job = plan(args.data, None, config, training=True, split="train")
    kind = job.source.kind
    columns = list(SPLIT_COLUMNS if kind == "split" else COURSE_COLUMNS)

    def read(threads: bool = True) -> list:
        return [
            (unit.file, batch)
            for unit in job.source.units
            for batch in parquet_file(unit.file, job.source.footers[unit.file]).iter_batches(
                batch_size=config.read_rows,
                row_groups=[unit.row_group],
                columns=columns,
                use_threads=threads,
            )
        ]

    read()  # the page cache
    seconds: dict[str, float] = {}
    seconds["read (pyarrow, all threads)"], held = best_cpu(read, args.repeat, time.process_time)
    seconds["read (pyarrow, one thread)"], _ = best_cpu(lambda: read(False), args.repeat)
    rows = sum(batch.num_rows for _, batch in held)

    def decode() -> list:
        return [decode_chunk(b, kind, job.legend, config.codec, f, 0) for f, b in held]

    seconds["check and decode"], chunks = best_cpu(decode, args.repeat)
    rng = np.random.default_rng(0)
    seconds["filter, windows, buckets"], _ = best_cpu(
        lambda: [windowed(c, job, rng) for c in chunks], args.repeat
    )
    whole, made = best_cpu(lambda: [examples(c, job, rng) for c in chunks], args.repeat)
    seconds["example columns, normalize"] = whole - seconds["filter, windows, buckets"]

    def shuffle() -> list:
        buffer = ShuffleBuffer(config.shuffle_buffer, 4 * config.batch_size, rng)
        out = [group for columns in made for group in buffer.push(columns)]
        return out + list(buffer.drain())

    seconds["shuffle buffer"], groups = best_cpu(shuffle, args.repeat)
    seconds["one-hot"], _ = best_cpu(lambda: [finish(g, job) for g in groups], args.repeat)
    print(f"{rows:,} rows of {args.data}, CPU microseconds per row (one thread unless said):")
    for step, value in seconds.items():
        print(f"  {step:<28} {value / rows * 1e6:6.2f}")
    kernel = sum(v for k, v in seconds.items() if not k.startswith("read"))
    print(f"  {'kernel, all steps':<28} {kernel / rows * 1e6:6.2f}")
    wall = time.perf_counter()
    cpu, made_rows = best_cpu(
        lambda: sum(len(b["x"]) for b in batches(job)), 1, clock=time.process_time
    )
    wall = time.perf_counter() - wall
    print(
        f"  whole numpy epoch (process)  {cpu / made_rows * 1e6:6.2f}  "
        f"({made_rows / wall:,.0f} rows/s, CPU/wall {cpu / wall:.2f})"
    )


if __name__ == "__main__":
    main()

"""How fast the generator writes pixel-years, against the floor of writing the same files.

    python bench/synth.py [--pixels 33334] [--years 2019 2020 2021] [--data data/bench/synth]

In one process: (a) the generator writes `--pixels` locations x `--years` (the default,
33,334 x 3, is the issue's 100,000 pixel-years; the target is under 2 minutes), then
(b) pyarrow reads those files and writes them again with the same settings (the floor:
Parquet encoding and compression alone). Prints pixel-years per second of each, the ratio,
peak memory, and the time 100,000 pixel-years would take at the measured rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time

import pyarrow.parquet as pq

from cropseries.reader import parquet_files
from cropseries.synth import SynthConfig, generate
from cropseries.writer import ROW_GROUP_ROWS


def write_floor(source: str, target: str) -> float:
    """Seconds to rewrite every file of `source` under `target` (tables read beforehand)."""
    tables = [pq.read_table(f) for f in parquet_files(source)]
    os.makedirs(target, exist_ok=True)
    started = time.perf_counter()
    for i, table in enumerate(tables):
        pq.write_table(
            table,
            os.path.join(target, f"part-{i:05d}.parquet"),
            row_group_size=ROW_GROUP_ROWS,
            compression="zstd",
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixels", type=int, default=33_334, help="pixel locations")
    parser.add_argument("--years", type=int, nargs="+", default=[2019, 2020, 2021])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default="data/bench/synth")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out, floor_dir = f"{args.data}-{args.pixels}", f"{args.data}-{args.pixels}-floor"
    config = SynthConfig(pixels=args.pixels, years=tuple(args.years), seed=args.seed)
    started = time.perf_counter()
    generate(out, config, progress=False, overwrite=True)
    generate_s = time.perf_counter() - started
    shutil.rmtree(floor_dir, ignore_errors=True)
    floor_s = write_floor(out, floor_dir)
    shutil.rmtree(floor_dir)
    pixel_years = args.pixels * len(args.years)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "pixel_years": pixel_years,
        "generate_s": round(generate_s, 2),
        "generate_pixel_years_s": round(pixel_years / generate_s),
        "floor_pixel_years_s": round(pixel_years / floor_s),
        "generate_over_floor": round(floor_s / generate_s, 3),
        "seconds_per_100k_pixel_years": round(generate_s / pixel_years * 100_000, 1),
        "peak_rss_mb": round(peak_mb),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"generated {pixel_years:,} pixel-years ({args.pixels:,} pixels x {len(args.years)} "
        f"years) into {out}"
    )
    print(f"  generator:                     {pixel_years / generate_s:>10,.0f} pixel-years/s")
    print(f"  floor (pyarrow rewrites files): {pixel_years / floor_s:>10,.0f} pixel-years/s")
    print(f"  generator / floor: {floor_s / generate_s:.2f}")
    print(
        f"  100,000 pixel-years take {result['seconds_per_100k_pixel_years']} s at this rate "
        f"(target: under 120 s); peak memory {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()

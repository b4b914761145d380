"""What the report shows: a section per stage, from what each stage left on disk.

01_split's report and legend are required; 02_stats' `stats.json`, a benchmark result of
`bench/loader.py` and a 04_train folder (`training.json`, `results.parquet`) are shown when
they exist, and said to be missing when they do not. Every figure is one the notebooks draw
too (`cropseries.figures`), with the legend's class names and colours; only the samples
differ (pyarrow here, `report.samples`), and each caption says how they were drawn.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from cropseries.config import LoaderConfig, StatsConfig
from cropseries.errors import ConfigError
from cropseries.figures.loader import benchmark_figure, inspection_figure
from cropseries.figures.split import class_counts, exclusions, split_map
from cropseries.figures.stats import band_distributions, class_distribution
from cropseries.figures.train import accuracy_by_start_day, confusion_matrix, training_curves
from cropseries.publish import publish
from cropseries.reader import local_path
from cropseries.report.page import Figure, Section, Table, render
from cropseries.report.samples import band_sample, location_sample
from cropseries.split.report import SplitReport
from cropseries.split.stage import read_report
from cropseries.split_dataset import dataset_legend, stats_path


@dataclass(frozen=True)
class Sampling:
    """How much of the data the figures show (the page's size follows): pixel locations per
    split on the map, train rows in the band histograms, pixels in the inspection."""

    map_points: int = 3000
    band_rows: int = 1000
    pixels: int = 12
    seed: int = 0


def write_report(
    splits: str,
    out: str,
    train: str | None = None,
    bench: str | None = None,
    sampling: Sampling | None = None,
) -> int:
    """Write the report of the run whose split dataset is `splits` to `out`; its size in bytes."""
    page = report_html(splits, train, bench, sampling)
    with publish(local_path(out)) as staging, open(staging, "w", encoding="utf-8") as f:
        f.write(page)
    return len(page.encode())


def report_html(
    splits: str,
    train: str | None = None,
    bench: str | None = None,
    sampling: Sampling | None = None,
) -> str:
    """The report as one self-contained HTML page."""
    sampling = sampling or Sampling()
    report = read_report(splits)
    if report.held_out is not None:
        raise ConfigError(
            f"{splits}: split into folds; the run report covers a train/val/test split (the "
            "folds' spread: cross_validation.json and the MLflow parent run of train --folds)"
        )
    classes = tuple(dataset_legend(splits).classes)
    stats = _stats_or_none(splits)
    training = _training_record(train)
    sections = [
        run_section(report, stats, training),
        split_section(splits, report, classes, sampling),
        stats_section(splits, report, stats, sampling),
        loader_section(splits, stats, bench, sampling),
        train_section(train, training),
    ]
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return render(
        f"cropseries run report: {os.path.basename(os.path.abspath(splits))}",
        f"Split dataset {splits}{f', training run {train}' if train else ''}; written {created}.",
        sections,
    )


def _stats_or_none(splits: str):
    from cropseries.stats import load_stats

    return load_stats(splits) if os.path.exists(local_path(stats_path(splits))) else None


def _config_rows(prefix: str, config: dict) -> list[tuple]:
    return [(f"{prefix}.{key}", json.dumps(value)) for key, value in config.items()]


def run_section(report: SplitReport, stats, training: dict | None) -> Section:
    """Where the data came from, every row accounted for, and each stage's configuration."""
    rows = [("input rows", report.input_rows)]
    rows += [(f"{split} rows", count) for split, count in report.rows.items()]
    rows += [(f"excluded: {reason}", count) for reason, count in report.excluded.items()]
    balance = report.split_rows + report.excluded_rows
    rows.append(("split + excluded = input", "yes" if balance == report.input_rows else "NO"))
    config = _config_rows("split", report.config)
    if stats is not None:
        config += _config_rows("stats", stats.metadata.get("config", {}))
    if training:
        config += [("train.best_epoch", training["best_epoch"])]
        config += [(f"train.rows.{k}", v) for k, v in training["rows"].items()]
    return Section(
        "run",
        "The run",
        f"01_split read {report.input_rows:,} pixel-years from {report.input_path} and wrote "
        f"the split dataset {report.output_path}. Every input row is in one split or counted "
        "as excluded with its reason.",
        tables=[
            Table("Row accounting (01_split)", ("rows", "count"), rows),
            Table("Configuration of each stage", ("setting", "value"), config),
        ],
    )


def split_section(
    splits: str, report: SplitReport, classes: tuple[str, ...], sampling: Sampling
) -> Section:
    """01_split: where each split lies, its classes by year, what was excluded, leakage."""
    points = location_sample(splits, sampling.map_points, sampling.seed)
    strategy = report.config.get("strategy", "?")
    size = report.config.get("block_size_m", "?")
    figures = [
        Figure(
            split_map(points, report.splits),
            f"Where the pixels of each split lie: up to {sampling.map_points:,} pixels per "
            f"split drawn at random (seed {sampling.seed}), one panel per split, longitude "
            f"against latitude at true scale. The split strategy is '{strategy}': a year split "
            "puts the same locations in every split (the year is held out); a block split "
            f"gives each {size} m block to one split, so its panels do not overlap. Hover for a "
            "pixel's block.",
        ),
        Figure(
            class_counts(report, classes),
            "Rows per class in each split and year, counted by 01_split from the CDL class "
            "before the vegetation rule, one colour per class of the legend (the same "
            "colours in every figure of this report). Compare the bars' mixes: a class that "
            "is rare in train is hard to learn.",
        ),
    ]
    if report.excluded_rows:
        figures.append(
            Figure(
                exclusions(report),
                f"Rows 01_split excluded, by reason ({report.excluded_rows:,} of "
                f"{report.input_rows:,}); hover a bar for the reason's meaning. Double crops "
                "are kept only in the splits the legend names.",
            )
        )
    leakage = [
        (f"locations shared by {key}", count) for key, count in report.shared_locations.items()
    ]
    for split, distance in report.distance_to_train.items():
        leakage += [
            (f"{split}: pixels within 100 m of a train pixel", distance.get("within_100m", 0)),
            (f"{split}: pixels within 1 km of a train pixel", distance.get("within_1km", 0)),
        ]
    return Section(
        "split",
        "01_split: train, val and test",
        "Which rows went to which split, what each split holds, and how close the held-out "
        "splits lie to the training data.",
        tables=[
            Table(
                "Leakage report: locations in several splits and held-out pixels near train "
                "pixels (a year split shares all locations by design; a block split should "
                "share none)",
                ("check", "pixels"),
                leakage,
            )
        ],
        figures=figures,
    )


def stats_section(splits: str, report: SplitReport, stats, sampling: Sampling) -> Section:
    """02_stats: the band distributions with the mean and std, and the class balance."""
    if stats is None:
        return Section("stats", "02_stats: normalization", "No stats.json yet: run 02_stats.")
    config = stats.metadata.get("config", {})
    sample = band_sample(
        splits,
        StatsConfig(
            exclude_scl=tuple(config.get("exclude_scl", ())),
            codec=report.config.get("codec", StatsConfig().codec),
        ),
        sampling.band_rows,
        sampling.seed,
    )
    return Section(
        "stats",
        "02_stats: normalization",
        f"The per-band mean and standard deviation of the train split's "
        f"{stats.metadata.get('rows', 0):,} rows, which the loader normalizes with.",
        tables=[
            Table(
                "Mean and standard deviation per band (DN, zeros and excluded SCL classes left "
                "out)",
                ("band", "mean", "std", "observations"),
                [
                    (band, float(m), float(s), int(c))
                    for band, m, s, c in zip(
                        stats.bands, stats.mean, stats.std, stats.count, strict=True
                    )
                ],
            )
        ],
        figures=[
            Figure(
                band_distributions(sample, stats),
                f"Histograms of the raw digital numbers of each band in {sample.rows:,} train "
                "rows (whole row groups in a random order), up to the 99.5th percentile. The "
                "solid line is the mean and the dashed lines the mean plus and minus one "
                "standard deviation, computed exactly over the whole train split by 02_stats.",
            ),
            Figure(
                class_distribution(stats),
                "The share of each class in each split (hover for counts), from 02_stats: the "
                "class balance the model trains and is judged on.",
            ),
        ],
    )


def loader_section(splits: str, stats, bench: str | None, sampling: Sampling) -> Section:
    """03_loader: a few pixels through the loader, and its speed if it was measured."""
    from cropseries.loader.inspection import inspect_pixels
    from cropseries.loader.pipeline import plan

    config = LoaderConfig(seed=sampling.seed)
    job = plan(splits, stats_path(splits) if stats else None, config, training=True, split="train")
    views = inspect_pixels(job, sampling.pixels, seed=sampling.seed)
    normalized = (
        "normalized with stats.json"
        if stats
        else "normalized with the course's constants (no stats.json yet)"
    )
    figures = [
        Figure(
            inspection_figure(views),
            f"The first {len(views)} train pixels through the loader, one random training window "
            "each: move the slider to change the pixel and pick a band (or NDVI) with the "
            "menu. Left: the raw, irregular series (markers coloured by SCL class), the "
            "window shaded, the 5-day bucket grid dotted and the image kept in each bucket "
            f"ringed. Right: the bucketed series the model sees, {normalized}. The title gives "
            "the label before and after the vegetation rule.",
        )
    ]
    if bench:
        with open(local_path(bench)) as f:
            result = json.load(f)
        figures.append(
            Figure(
                benchmark_figure(result),
                f"Training rows per second measured by bench/loader.py ({bench}, on the "
                "benchmark's own generated data, not necessarily this run's): pyarrow only "
                "reading the same columns (the floor), the course's tf.data pipeline restated, "
                "this loader, and its epochs after the first from the decoded-series cache "
                "(tf.data and numpy batches, where measured), on the same files in one run.",
            )
        )
    return Section(
        "loader",
        "03_loader: training batches",
        "What the loader makes of a pixel's series: windows, 5-day buckets, normalization "
        "and the label the model is trained on.",
        figures=figures,
    )


def _training_record(train: str | None) -> dict | None:
    """The run's `training.json` (written by `train` beside the model), if there is one."""
    from cropseries.train.fit import TRAINING_FILE

    path = train and os.path.join(local_path(train), TRAINING_FILE)
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def train_section(train: str | None, record: dict | None) -> Section:
    """04_train: the training curves (from `record`, its training.json), accuracy by start
    day and the confusion matrix."""
    from cropseries.train.evaluate import read_scores

    title = "04_train: the course's 1D-CNN"
    if not train:
        return Section("train", title, "No training run given (--train DIR).")
    figures = []
    if record:
        figures.append(
            Figure(
                training_curves(record["history"], record["best_epoch"]),
                "Loss (left) and accuracy (right) per epoch on the train split (solid, random "
                "windows) and the val split (dashed, every pixel at the course's start days). "
                "Training stopped when the val loss stopped improving; the dotted line marks "
                "the epoch whose weights were kept.",
            )
        )
    results = os.path.join(local_path(train), "results.parquet")
    if os.path.exists(results):
        scores = read_scores(results)
        figures += [
            Figure(
                accuracy_by_start_day(scores),
                f"Accuracy on the test split by the day the 120-day window starts (black), "
                f"each class's recall in its colour, the majority-class rate (dashed) and the "
                f"course's published accuracy on real data (diamonds), over "
                f"{scores.examples:,} examples: later windows see more of the season.",
            ),
            Figure(
                confusion_matrix(scores),
                "Test examples by true class (rows) and predicted class (columns), all start "
                "days together: the colour is the share of the true class, the number the "
                "count, so the diagonal is each class's recall.",
            ),
        ]
    intro = f"The model trained and judged in {train}."
    if not figures:
        intro += " It holds neither training.json nor results.parquet."
    return Section("train", title, intro, figures=figures)

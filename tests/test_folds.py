"""Cross-validation folds end to end: 01_split puts every usable row in exactly one fold
(stratified spatial blocks, leave one year out, leave one box out), deterministically for a
seed and without leakage; 02_stats and the loader read a fold's selection; `train --folds`
tests every row once and reports the spread over folds as MLflow child runs."""

import json
import os

import numpy as np
import pyarrow as pa
import pytest
from fixture_data import file_bytes, generated, numpy_band_stats, read_split

from cropseries.cli import main
from cropseries.config import LoaderConfig, SplitConfig, StatsConfig
from cropseries.split_dataset import fold_name, fold_parts, num_folds, split_names

pytestmark = pytest.mark.spark

K = 3
BLOCK_M = 3000.0


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return generated(tmp_path_factory.mktemp("course") / "course", pixels=450, boxes=3)


@pytest.fixture(scope="module")
def folds(spark, course, tmp_path_factory):
    """One fold dataset per kind, and its report."""
    from cropseries.split import run_split

    root = tmp_path_factory.mktemp("folds")
    made = {}
    for kind in (f"block:{K}", "year", "box"):
        out = str(root / kind.replace(":", "_"))
        config = SplitConfig(folds=kind, block_size_m=BLOCK_M, seed=3)
        made[kind.split(":")[0]] = (out, run_split(spark, course, out, config))
    return made


def _folds(out) -> list[pa.Table]:
    return [read_split(out, f"split={fold_name(f)}") for f in range(num_folds(out))]


def _column(tables, name) -> list[np.ndarray]:
    return [t.column(name).to_numpy() for t in tables]


def _leading_label(tables) -> dict[int, int]:
    """Reference: each block's most frequent label (the smaller label on a tie)."""
    blocks = np.concatenate(_column(tables, "block_id"))
    labels = np.concatenate(_column(tables, "label"))
    leading = {}
    for block in np.unique(blocks):
        counts = np.bincount(labels[blocks == block])
        leading[int(block)] = int(np.argmax(counts))  # argmax: the first of the largest
    return leading


@pytest.mark.parametrize("kind", ["block", "year", "box"])
def test_every_usable_row_is_in_exactly_one_fold_and_counts_reconcile(course, folds, kind):
    out, report = folds[kind]
    tables = _folds(out)
    excluded = read_split(out, "excluded")
    assert report.accounted and report.input_rows == 450 * 3
    assert sum(t.num_rows for t in tables) + excluded.num_rows == report.input_rows
    pixel_years = [pair for t in tables for pair in t.select(["pixel_id", "year"]).to_pylist()]
    pixel_years = [(p["pixel_id"], p["year"]) for p in pixel_years]
    assert len(set(pixel_years)) == len(pixel_years)  # no pixel-year in two folds
    assert split_names(out) == [fold_name(f) for f in range(len(tables))]
    assert list(report.rows) == [fold_name(f) for f in range(len(tables))]
    assert [report.rows[fold_name(f)] for f in range(len(tables))] == [t.num_rows for t in tables]
    assert set(excluded.column("reason").to_pylist()) == {"double_crop"}  # every fold tests
    assert not any(t.column("is_double_crop").to_numpy().any() for t in tables)
    assert report.classes_missing() == {}  # every fold holds every class
    assert set(report.distance_to_train) == set(report.rows)  # leakage per fold


def test_block_folds_share_no_block_and_are_stratified_by_class(folds):
    out, report = folds["block"]
    tables = _folds(out)
    blocks = [set(b.tolist()) for b in _column(tables, "block_id")]
    assert all(not (a & b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])
    assert report.shared_locations == {}
    sizes = [len(b) for b in blocks]
    assert max(sizes) - min(sizes) <= 1
    leading = _leading_label(tables)
    for label in set(leading.values()):
        per_fold = [sum(leading[b] == label for b in fold) for fold in blocks]
        assert max(per_fold) - min(per_fold) <= 1, (label, per_fold)  # dealt round-robin
        if sum(per_fold) >= K:
            assert min(per_fold) >= 1
    for fold in report.distance_to_train.values():
        assert fold["pixels"] > 0 and fold["min_distance_to_train_m"] > 0


def test_year_and_box_folds_each_hold_out_one_value(folds):
    out, report = folds["year"]
    years = [set(y.tolist()) for y in _column(_folds(out), "year")]
    assert years == [{2019}, {2020}, {2021}] and report.held_out == ["2019", "2020", "2021"]
    assert report.distance_to_train["fold0"]["min_distance_to_train_m"] == 0.0  # same pixels

    out, report = folds["box"]
    boxes = [set(t.column("bbox").to_pylist()) for t in _folds(out)]
    assert [len(b) for b in boxes] == [1, 1, 1]
    assert [next(iter(b)) for b in boxes] == sorted(report.held_out)
    assert report.shared_locations == {}
    assert all(d["within_1km"] == 0 for d in report.distance_to_train.values())


def test_the_same_seed_gives_the_same_folds_and_another_seed_others(spark, course, folds, tmp_path):
    from cropseries.split import run_split

    out, _ = folds["block"]
    again = str(tmp_path / "again")
    run_split(spark, course, again, SplitConfig(folds=f"block:{K}", block_size_m=BLOCK_M, seed=3))
    data = {k: v for k, v in file_bytes(out).items() if k.endswith(".parquet")}
    assert data == {k: v for k, v in file_bytes(again).items() if k.endswith(".parquet")}
    other = str(tmp_path / "other")
    run_split(spark, course, other, SplitConfig(folds=f"block:{K}", block_size_m=BLOCK_M, seed=4))
    fold_of = [
        {b: f for f, t in enumerate(_folds(root)) for b in t.column("block_id").to_pylist()}
        for root in (out, other)
    ]
    assert fold_of[0].keys() == fold_of[1].keys() and fold_of[0] != fold_of[1]


def test_too_few_years_for_leave_one_year_out_is_one_line(spark, tmp_path):
    from cropseries.split import SplitError, run_split

    course = generated(tmp_path / "two", pixels=60, years=(2020, 2021))
    with pytest.raises(SplitError, match=r"needs at least 3 years, the input has 2 \(2020, 2021\)"):
        run_split(spark, course, str(tmp_path / "out"), SplitConfig(folds="year"))
    assert not os.path.exists(tmp_path / "out")


def test_a_folds_statistics_are_those_of_its_training_folds_only(spark, folds, tmp_path):
    from cropseries.stats import compute_stats

    out, _ = folds["block"]
    tables = _folds(out)
    for fold in range(K):
        parts = fold_parts(K, fold)
        stats = compute_stats(spark, out, StatsConfig(), fold=fold)
        train = [tables[int(name[len("fold") :])] for name in parts["train"]]
        mean, std, count = numpy_band_stats(train)
        np.testing.assert_allclose(stats.mean, mean, rtol=1e-6)
        np.testing.assert_allclose(stats.std, std, rtol=1e-6)
        np.testing.assert_array_equal(stats.count, count)
        for split, (name,) in (("val", parts["val"]), ("test", parts["test"])):
            labels = tables[int(name[len("fold") :])].column("label").to_numpy()
            assert stats.class_counts[split].tolist() == np.bincount(labels, minlength=7).tolist()
        assert stats.metadata["fold"] == fold
        assert os.path.exists(os.path.join(out, f"stats-fold{fold}.json"))


def test_the_loader_reads_a_folds_selection(folds):
    from cropseries.loader.pipeline import batches, plan

    out, _ = folds["year"]
    tables = _folds(out)
    for split, folds_read in fold_parts(K, 0).items():
        job = plan(out, "course", LoaderConfig(), training=False, split=split, fold=0, extras=True)
        expected = np.concatenate([tables[int(f[4:])].column("pixel_id").to_numpy()
                                   for f in folds_read])  # fmt: skip
        seen = np.concatenate([b["pixel_id"] for b in batches(job)])
        days = len(LoaderConfig().eval_start_days)
        assert job.source.num_rows == len(expected)
        assert sorted(seen.tolist()) == sorted(np.repeat(expected, days).tolist())


def test_train_folds_tests_every_row_once_and_reports_the_spread(folds, tmp_path, capsys):
    from mlflow.tracking import MlflowClient

    out, report = folds["box"]
    assert main(["stats", "--splits", out, "--fold", "all"]) == 0
    argv = ["train", "--splits", out, "--out", str(tmp_path), "--folds", "--epochs", "1"]
    assert main([*argv, "--batch-size", "256"]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy over 3 folds" in printed
    assert "start day  45" in printed and "(the course, real data: 0.59)" in printed

    summary = json.loads((tmp_path / "cross_validation.json").read_text())
    accuracies = [f["accuracy"] for f in summary["folds"]]
    assert summary["accuracy_mean"] == pytest.approx(np.mean(accuracies))
    assert summary["accuracy_std"] == pytest.approx(np.std(accuracies, ddof=1))
    by_day = np.array([f["accuracy_by_start_day"] for f in summary["folds"]])
    np.testing.assert_allclose(summary["accuracy_by_start_day_mean"], by_day.mean(0))
    examples = [
        json.loads((tmp_path / f"fold{f}" / "evaluation" / "evaluation.json").read_text())[
            "examples"
        ]
        for f in range(K)
    ]
    assert sum(examples) == report.split_rows * 15  # every row tested once, at 15 start days

    client = MlflowClient((tmp_path / "mlruns").as_uri())
    [experiment] = [e for e in client.search_experiments() if e.name == "cropseries"]
    runs = client.search_runs([experiment.experiment_id])
    [parent] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(r.data.params["fold"] for r in children) == ["0", "1", "2"]
    assert parent.info.run_id == summary["parent_run_id"]
    assert parent.data.metrics["test_accuracy_mean"] == pytest.approx(summary["accuracy_mean"])
    for child in children:
        fold = int(child.data.params["fold"])
        assert child.data.metrics["test_accuracy"] == pytest.approx(accuracies[fold])

    model = str(tmp_path / "fold1" / "model.keras")
    argv = ["evaluate", "--splits", out, "--model", model, "--out", str(tmp_path / "again")]
    assert main([*argv, "--fold", "1", "--tracking-uri", (tmp_path / "other").as_uri()]) == 0
    again = json.loads((tmp_path / "again" / "evaluation.json").read_text())
    assert again["examples"] == examples[1] and again["accuracy"] == pytest.approx(accuracies[1])


def test_fold_mistakes_are_one_line(folds, tmp_path, capsys):
    out, _ = folds["year"]
    cases = [
        (["loader-throughput", "--splits", out, "--fold", "5"], "this dataset has folds 0..2"),
        (["stats", "--splits", out, "--fold", "x"], "a fold number"),
        (["report", "--splits", out, "--out", str(tmp_path / "r.html")], "split into folds"),
        (["train", "--splits", out, "--out", str(tmp_path / "t"), "--folds"],
         "no statistics of fold 0; run python -m cropseries stats"),
        (["split", "--input", out, "--output", str(tmp_path / "o"), "--folds", "block:2"],
         "K in block:K must be a whole number >= 3"),
    ]  # fmt: skip
    for argv, phrase in cases:
        try:
            status = main(argv)
        except SystemExit as stop:
            status = stop.code
        err = capsys.readouterr().err
        assert status == 2 and err.count("\n") == 1 and phrase in err, (argv, err)

"""Your own classes: legend files, their errors, and one legend from 01_split to the batches.

The course's exercise (docs/examples/nine-classes.yaml: Winter Wheat and Peanuts as classes of
their own) runs end to end on generated data; a legend of the user's own label names
(docs/examples/own-labels.yaml) runs on a hand-made dataset whose CDL column holds them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fixture_data import generated, read_split, write_course_dataset

from cropseries.cdl import name_to_code
from cropseries.cli import main
from cropseries.legend import course_legend, dump_legend, load_legend, parse_legend

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
NINE = str(EXAMPLES / "nine-classes.yaml")
OWN = str(EXAMPLES / "own-labels.yaml")


@pytest.mark.parametrize("legend", ["course", "slides", NINE, OWN])
def test_a_legend_written_out_reads_back_the_same(legend):
    original = load_legend(legend)
    assert parse_legend(dump_legend(original), "round trip") == original


def test_the_nine_class_legend_moves_wheat_and_peanuts_out_of_cultivated():
    nine, course = load_legend(NINE), course_legend()
    table, old = nine.code_to_label(), course.code_to_label()
    wheat, peanuts = name_to_code()["Winter Wheat"], name_to_code()["Peanuts"]
    assert nine.classes[:7] == course.classes and nine.num_classes == 9
    assert (table[wheat], table[peanuts]) == (7, 8) and old[wheat] == old[peanuts] == 1
    moved = np.isin(np.arange(256), [wheat, peanuts])
    np.testing.assert_array_equal(table[~moved], old[~moved])
    assert nine.rule == course.rule and nine.double_crops == course.double_crops


def test_codes_and_ranges_name_the_same_labels_as_names(tmp_path):
    path = tmp_path / "codes.yaml"
    path.write_text(
        "classes:\n  - {name: Other, rest: true}\n  - {name: Corn, labels: [1]}\n"
        '  - {name: Doubles, labels: ["225-226", Dbl Crop WinWht/Soybeans]}\n'
    )
    legend = load_legend(str(path))
    assert dict(legend.members) == {"Corn": (1,), "Doubles": (225, 226, 26)}
    assert legend.rule is None and legend.name == "codes"


def test_the_splits_that_keep_double_crops_read_back_and_default_to_test():
    assert load_legend("course").keep_double_crops_in == ("test",)
    text = Path(NINE).read_text() + "keep_double_crops_in: [train, test]\n"
    legend = parse_legend(text, "nine")
    assert parse_legend(dump_legend(legend), "again").keep_double_crops_in == ("train", "test")


BAD_LEGENDS = {
    "twice": (
        "classes:\n  - {name: A, rest: true}\n  - {name: B, labels: [Corn]}\n"
        "  - {name: C, labels: [Corn]}\n",
        "classes[2] (C): label 'Corn' is already in class 'B'",
    ),
    "unknown code": (
        "classes:\n  - {name: A, rest: true}\n  - {name: B, labels: [300]}\n",
        "classes[1] (B): 300 is not a CDL code (0..255)",
    ),
    "unknown name": (
        "classes:\n  - {name: A, rest: true}\n  - {name: B, labels: [Moon Cheese]}\n",
        "classes[1] (B): 'Moon Cheese' is not a CDL class name",
    ),
    "no rest": (
        "classes:\n  - {name: A, labels: [Corn]}\n",
        "no class takes the labels no class lists: mark one with `rest: true`",
    ),
    "empty class": (
        "classes:\n  - {name: A, rest: true}\n  - {name: B}\n",
        "class 'B' has no labels",
    ),
    "rule class": (
        "classes:\n  - {name: A, rest: true}\n  - {name: B, labels: [Corn]}\n"
        "vegetation_rule: {becomes: Bare}\n",
        "vegetation_rule: 'Bare' is not one of the classes ['A', 'B']",
    ),
    "not yaml": ("classes: [unclosed\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD_LEGENDS))
def test_a_bad_legend_file_is_one_line_naming_the_file_and_entry(case, tmp_path, capsys):
    text, message = BAD_LEGENDS[case]
    legend = tmp_path / "bad.yaml"
    legend.write_text(text)
    course = write_course_dataset(tmp_path / "course", years=(2021,), rows_per_partition=3)
    assert main(["validate", course, "--quiet", "--legend", str(legend)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{legend}: " in err and message in err, err


def test_an_unreadable_legend_file_is_one_line(tmp_path, capsys):
    course = write_course_dataset(tmp_path / "course", years=(2021,), rows_per_partition=3)
    missing = tmp_path / "missing.yaml"
    assert main(["validate", course, "--quiet", "--legend", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{missing}: not a readable legend file" in err


@pytest.mark.spark
@pytest.mark.slow
def test_the_nine_class_exercise_end_to_end(spark, tmp_path, capsys):
    course = generated(tmp_path / "course", pixels=400)
    splits = str(tmp_path / "splits")
    assert main(["split", "--input", course, "--output", splits, "--legend", NINE]) == 0
    assert load_legend(f"{splits}/legend.yaml") == load_legend(NINE)
    train = read_split(splits, "split=train")
    assert set(train.column("label").to_pylist()) >= {7, 8}  # wheat and peanuts are there
    assert main(["stats", "--splits", splits]) == 0
    out = tmp_path / "test.npz"
    assert main(["export", "--splits", splits, "--out", str(out)]) == 0
    batch = np.load(out)
    assert batch["y"].shape[1] == 9 and list(batch["classes"])[7:] == ["Winter Wheat", "Peanuts"]
    model = tmp_path / "train"
    argv = ["train", "--splits", splits, "--out", str(model), "--epochs", "2"]
    assert main([*argv, "--batch-size", "256"]) == 0
    argv = ["evaluate", "--splits", splits, "--model", str(model / "model.keras")]
    assert main([*argv, "--out", str(model)]) == 0
    scores = json.loads((model / "evaluation.json").read_text())
    assert scores["classes"][7:] == ["Winter Wheat", "Peanuts"]
    assert len(scores["confusion"]) == 9 and all(len(r) == 9 for r in scores["per_class"]["recall"])
    capsys.readouterr()
    assert main(["stats", "--splits", splits, "--legend", "course"]) == 2
    err = capsys.readouterr().err
    assert "labelled with legend 'nine-classes'" in err and "not with 'course'" in err
    assert main([*argv, "--out", str(model), "--legend", "course"]) == 2
    assert "not with 'course'" in capsys.readouterr().err


@pytest.mark.spark
@pytest.mark.slow
def test_a_legend_that_keeps_double_crops_in_train_keeps_them_through_split_and_loader(
    spark, tmp_path
):
    from cropseries.loader.pipeline import batches, plan

    course = generated(tmp_path / "course", pixels=400)
    legend = tmp_path / "keep.yaml"
    legend.write_text(Path(NINE).read_text() + "keep_double_crops_in: [train, val, test]\n")
    splits = str(tmp_path / "splits")
    assert main(["split", "--input", course, "--output", splits, "--legend", str(legend)]) == 0
    train = read_split(splits, "split=train")
    doubles = sum(train.column("is_double_crop").to_pylist())
    assert doubles > 0 and read_split(splits, "excluded").num_rows == 0
    assert load_legend(f"{splits}/legend.yaml").keep_double_crops_in == ("train", "val", "test")
    assert main(["stats", "--splits", splits]) == 0
    job = plan(splits, splits, None, training=True, split="train")
    assert sum(len(b["x"]) for b in batches(job)) == train.num_rows  # double crops included
    again = str(tmp_path / "again")  # the command line overrides the file, and says so
    argv = ["split", "--input", course, "--output", again, "--legend", str(legend)]
    assert main([*argv, "--double-crops-in", "test"]) == 0
    assert load_legend(f"{again}/legend.yaml").keep_double_crops_in == ("test",)
    assert read_split(again, "excluded").num_rows == doubles + sum(
        read_split(splits, "split=val").column("is_double_crop").to_pylist()
    )


@pytest.mark.spark
@pytest.mark.slow
def test_labels_of_your_own_scheme_from_validate_to_the_batches(spark, tmp_path, capsys):
    names = ("dry", "flooded", "rice", "maize", "ponded", "cloud shadow")
    course = write_course_dataset(tmp_path / "course", rows_per_partition=30, names=names)
    assert main(["validate", course, "--quiet"]) == 1  # not CDL names
    capsys.readouterr()
    assert main(["validate", course, "--quiet", "--legend", OWN]) == 1  # one unknown name
    assert "'cloud shadow' is not a label of legend 'flood-survey'" in capsys.readouterr().out
    splits = str(tmp_path / "splits")
    assert main(["split", "--input", course, "--output", splits, "--legend", OWN]) == 0
    excluded = read_split(splits, "excluded")
    unknown = [r for r in excluded.column("reason").to_pylist() if r == "unknown_cdl"]
    assert len(unknown) == sum(n == b"cloud shadow" for n in excluded.column("CDL").to_pylist())
    assert main(["stats", "--splits", splits]) == 0
    out = tmp_path / "test.npz"
    assert main(["export", "--splits", splits, "--out", str(out)]) == 0
    batch = np.load(out)
    assert list(batch["classes"]) == ["Dry land", "Flooded", "Crop"] and batch["y"].shape[1] == 3
    np.testing.assert_array_equal(batch["y"].argmax(axis=1), batch["label"])  # no rule

"""evaluate: every test row at every start day once, scores that reconcile with the results
table, the course's Keras 2.15 files accepted, and a wrong model refused in one line."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fixture_data import write_split_dataset, write_stats

from cropseries.cli import main
from cropseries.config import LoaderConfig
from cropseries.course import COURSE_EVAL_START_DAYS
from cropseries.loader.pipeline import batches, plan
from cropseries.train.evaluate import evaluate
from cropseries.train.model import course_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    write_split_dataset(root / "splits", rows=40, files=2, row_group_rows=16)
    write_stats(root / "splits" / "stats.json")
    return str(root / "splits")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(11)
    network = course_model(7)
    path = tmp_path_factory.mktemp("model") / "model.keras"
    network.save(path)
    return network, str(path)


def loader_predictions(splits, network) -> dict[str, np.ndarray]:
    """What the model says about each evaluation example, straight from the loader."""
    job = plan(splits, splits, LoaderConfig(), training=False, split="test", extras=True)
    parts = [b | {"p": network.predict_on_batch(b["x"])} for b in batches(job)]
    return {key: np.concatenate([p[key] for p in parts]) for key in ("pixel_id", "start_day", "p")}


def test_results_hold_every_row_at_every_start_day_and_reconcile_with_the_scores(
    splits, model, tmp_path
):
    network, path = model
    evaluation = evaluate(splits, path, str(tmp_path))
    table = pq.read_table(evaluation.results_path)
    split_rows = pq.read_table(f"{splits}/split=test")
    days = len(COURSE_EVAL_START_DAYS)
    assert table.num_rows == split_rows.num_rows * days  # double crops are kept in test
    keys = set(zip(table["pixel_id"].to_pylist(), table["start_day"].to_pylist(), strict=True))
    assert len(keys) == table.num_rows
    expected = loader_predictions(splits, network)
    probabilities = np.stack(table["probabilities"].to_numpy(zero_copy_only=False))
    np.testing.assert_allclose(probabilities, expected["p"], rtol=1e-6)
    classes = json.loads(table.schema.metadata[b"classes"])
    predicted = [classes.index(c) for c in table["predicted_class"].to_pylist()]
    np.testing.assert_array_equal(predicted, probabilities.argmax(axis=1))
    by_pixel = {
        r["pixel_id"]: r for r in split_rows.select(["pixel_id", "year", "CDL"]).to_pylist()
    }
    for row in table.select(["pixel_id", "year", "CDL"]).slice(0, 200).to_pylist():
        source = by_pixel[row["pixel_id"]]
        assert (row["year"], row["CDL"]) == (source["year"], source["CDL"].decode())
    with open(evaluation.scores_path) as f:
        scores = json.load(f)
    for s, day in enumerate(COURSE_EVAL_START_DAYS):
        at = table.filter(pc.field("start_day") == day)
        right = pc.sum(
            pc.equal(at["true_class"].cast("string"), at["predicted_class"].cast("string"))
        )
        assert scores["accuracy_by_start_day"][s] == pytest.approx(right.as_py() / at.num_rows)
    assert np.sum(scores["confusion"]) == table.num_rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evaluation.json", "results.parquet"]


def keras2_archive(path, network, *, input_layer: bool) -> str:
    """`network`'s weights in a Keras 2.15 `.keras` archive, written from the format's layout.

    The archive (Keras 2.15 `saving_lib`): `metadata.json` ({"keras_version", "date_saved"}),
    `config.json` (the Sequential's serialized configuration, layer entries with `module`,
    `class_name`, `config`, `build_config`; the input shape either as a leading InputLayer or,
    as the course wrote it, as `batch_input_shape` of the first Conv1D) and `model.weights.h5`
    (each layer's variables at `layers/<snake_case class name>[_<n>]/vars/<i>`, kernel 0 and
    bias 1, an empty `vars` group for layers without variables and at the root, the
    optimizer's at `optimizer/vars/<i>`).
    """
    import h5py

    def layer(kind, name, **config):
        return {"module": "keras.layers", "class_name": kind, "config": {"name": name, **config},
                "registered_name": None}  # fmt: skip

    shape = [None, 25, 12]
    layers = [
        layer("Conv1D", "conv1d", filters=64, kernel_size=[5], activation="relu", strides=[1]),
        layer("Conv1D", "conv1d_1", filters=64, kernel_size=[5], activation="relu", strides=[1]),
        layer("Dropout", "dropout", rate=0.5, noise_shape=None, seed=None),
        layer("MaxPooling1D", "max_pooling1d", pool_size=[2], strides=[2], padding="valid"),
        layer("Flatten", "flatten", data_format="channels_last"),
        layer("Dense", "dense", units=50, activation="relu"),
        layer("Dense", "dense_1", units=7, activation="linear"),
        layer("Softmax", "softmax", axis=-1),
    ]
    if input_layer:
        layers.insert(0, layer("InputLayer", "input_1", batch_input_shape=shape, dtype="float32"))
    else:
        layers[0]["config"]["batch_input_shape"] = shape
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": layers},
        "registered_name": None,
        "build_config": {"input_shape": shape},
        "compile_config": {"optimizer": "adam", "loss": "categorical_crossentropy"},
    }
    weights = path.with_suffix(".h5")
    with h5py.File(weights, "w") as h5:
        h5.create_group("vars")
        h5.create_group("optimizer/vars").create_dataset("0", data=np.int64(0))
        counts: dict[str, int] = {}
        for keras_layer in network.layers:
            kind = {"Conv1D": "conv1d", "MaxPooling1D": "max_pooling1d"}.get(
                type(keras_layer).__name__, type(keras_layer).__name__.lower()
            )
            n = counts[kind] = counts.get(kind, -1) + 1
            group = h5.create_group(f"layers/{kind}{f'_{n}' if n else ''}/vars")
            for i, value in enumerate(keras_layer.get_weights()):
                group.create_dataset(str(i), data=value)
    with zipfile.ZipFile(path, "w") as archive:
        metadata = {"keras_version": "2.15.0", "date_saved": "2024-03-01@12:00:00"}
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", json.dumps(config))
        archive.write(weights, "model.weights.h5")
    return str(path)


@pytest.mark.parametrize("input_layer", [False, True], ids=["course-style", "input-layer"])
def test_a_keras_2_15_course_model_is_judged_with_its_own_weights(
    splits, model, tmp_path, input_layer
):
    import keras

    network, _ = model
    archive = keras2_archive(tmp_path / "course.keras", network, input_layer=input_layer)
    if not input_layer:  # what the course's file does to Keras 3 as it is
        with pytest.raises(TypeError, match="could not be deserialized"):
            keras.saving.load_model(archive, compile=False)
    evaluation = evaluate(splits, archive, str(tmp_path / "out"))
    table = pq.read_table(evaluation.results_path)
    probabilities = np.stack(table["probabilities"].to_numpy(zero_copy_only=False))
    np.testing.assert_allclose(probabilities, loader_predictions(splits, network)["p"], rtol=1e-6)


def test_a_model_with_another_contract_is_refused_in_one_line(splits, tmp_path, capsys):
    path = tmp_path / "five.keras"
    course_model(5).save(path)
    argv = ["evaluate", "--splits", splits, "--model", str(path), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: the model takes input")
    assert "gives [None, 5]" in err and "needs input [None, 25, 12] and [None, 7]" in err
    assert not (tmp_path / "o").exists()


def test_a_keras_2_model_that_is_not_the_courses_is_refused(splits, tmp_path, capsys):
    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "2.15.0"}))
        layers = [{"class_name": "LSTM", "config": {"name": "lstm"}}]
        archive.writestr("config.json", json.dumps({"config": {"layers": layers}}))
    argv = ["evaluate", "--splits", splits, "--model", str(path), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "only the course's 1D-CNN" in capsys.readouterr().err

"""Loading a `.keras` model to judge it: this project's, any Keras 3 one, or the course's own.

The course saved its model with Keras 2.15 (TensorFlow 2.15 on the Databricks ML runtime of
the time), giving the input shape to the first Conv1D. Keras 3 cannot deserialize that
configuration ("Sequential could not be deserialized properly"), but the weights file inside
the archive (`model.weights.h5`) keeps the layout Keras 3 reads: `layers/<snake_case class
name>[_<n>]/vars/<i>`. So a Keras 2 archive of the course's 1D-CNN is rebuilt from its
`config.json` with `model.course_model` and given those weights. Whatever loads must then
have the contract evaluation needs: input [buckets, 12], one softmax output per class.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from cropseries.errors import CropseriesError
from cropseries.layout import NUM_BANDS
from cropseries.legend import ClassLegend
from cropseries.train.model import ModelConfig, course_model

#: The course's 1D-CNN as a Keras 2 configuration lists its layers (InputLayer aside).
COURSE_LAYERS = ("Conv1D", "Conv1D", "Dropout", "MaxPooling1D", "Flatten", "Dense", "Dense")


class ModelError(CropseriesError):
    """A model file that cannot be loaded, or whose shapes do not fit the dataset."""


def load_model(path: str, legend: ClassLegend, num_buckets: int, num_bands: int = NUM_BANDS):
    """The model at `path`, uncompiled, checked against the dataset's contract."""
    import keras

    metadata = _member_json(path, "metadata.json")
    version = str(metadata.get("keras_version", "?"))
    if version.split(".")[0] in ("2", "1"):
        model = _keras2_course_model(path, version)
    else:
        try:
            model = keras.saving.load_model(path, compile=False)
        except Exception as err:  # Keras raises many types for a file it cannot read
            raise ModelError(f"{path}: Keras {keras.__version__} cannot load it ({err})") from err
    check_contract(model, path, legend, num_buckets, num_bands)
    return model


def check_contract(
    model, path: str, legend: ClassLegend, num_buckets: int, num_bands: int = NUM_BANDS
) -> None:
    """ModelError unless the model takes [None, num_buckets, num_bands] and gives [None,
    classes]."""
    expected_in, expected_out = (None, num_buckets, num_bands), (None, legend.num_classes)
    found_in, found_out = tuple(model.input_shape), tuple(model.output_shape)
    if (found_in, found_out) != (expected_in, expected_out):
        raise ModelError(
            f"{path}: the model takes input {list(found_in)} and gives {list(found_out)}; this "
            f"dataset needs input {list(expected_in)} and {list(expected_out)} "
            f"({legend.num_classes} classes of the {legend.name} legend)",
            file=path,
        )


def _member_json(path: str, member: str) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(member))
    except FileNotFoundError as err:
        raise ModelError(f"{path}: no such file", file=path) from err
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise ModelError(f"{path}: not a .keras archive ({err})", file=path) from err


def _keras2_course_model(path: str, version: str):
    """The course's 1D-CNN rebuilt from a Keras 2 archive's configuration, with its weights."""
    layers = _member_json(path, "config.json").get("config", {}).get("layers", [])
    inputs = [layer for layer in layers if layer.get("class_name") == "InputLayer"]
    body = [layer for layer in layers if layer.get("class_name") not in ("InputLayer", "Softmax")]
    kinds = tuple(
        "MaxPooling1D" if b["class_name"] == "MaxPool1D" else b["class_name"] for b in body
    )
    if kinds != COURSE_LAYERS:
        raise ModelError(
            f"{path}: a Keras {version} model with layers {list(kinds)}; only the course's 1D-CNN "
            f"({list(COURSE_LAYERS)}) is rebuilt from Keras 2 files: save it again with Keras 3",
            file=path,
        )
    conv, conv2, dropout, _, _, dense, out = (layer["config"] for layer in body)
    if (conv["filters"], conv["kernel_size"]) != (conv2["filters"], conv2["kernel_size"]):
        raise ModelError(f"{path}: its two Conv1D layers differ; the course's are alike")
    shape = _input_shape((inputs or body)[0], path)
    config = ModelConfig(
        filters=conv["filters"],
        kernel_size=conv["kernel_size"][0],
        dropout=dropout["rate"],
        dense_units=dense["units"],
    )
    model = course_model(out["units"], shape[1], config, bands=shape[2])
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(path) as archive:
        weights = Path(folder, "model.weights.h5")
        weights.write_bytes(archive.read("model.weights.h5"))
        try:
            model.load_weights(weights)
        except (KeyError, ValueError) as err:
            raise ModelError(f"{path}: its weights do not fit its configuration ({err})") from err
    return model


def _input_shape(first: dict, path: str) -> list:
    """[None, buckets, bands] from the InputLayer, or the first layer's input_shape argument."""
    shape = first["config"].get("batch_input_shape") or first.get("build_config", {}).get(
        "input_shape"
    )
    if not shape or len(shape) != 3:
        raise ModelError(f"{path}: its configuration gives no [batch, buckets, bands] input")
    return shape

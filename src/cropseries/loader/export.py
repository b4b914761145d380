"""Evaluation-mode tensors in one `.npz`, for other frameworks (`python -m cropseries export`).

The archive holds `x`, `y` and the loader's extras (`pipeline.EXTRAS`: `raw`, `mask`,
`bucket_year`, `bucket_doy`, `label`, `pixel_id`, `lon`, `lat`, `year`, `cdl_code`,
`start_day`) of its evaluation batches, concatenated, plus `classes`, `channels` (of raw)
and `x_channels` (of x: the bands, then any indices) by name.
It is written while streaming, through spool files beside it, so memory stays at one batch,
and published whole (`publish`).
"""

from __future__ import annotations

import shutil
import zipfile

import numpy as np

from cropseries.loader.bucketing import CHANNELS
from cropseries.loader.pipeline import Plan, batches
from cropseries.publish import publish


def _write_npy(archive: zipfile.ZipFile, name: str, spool: str, dtype, shape) -> None:
    """Add `spool` (raw C-order bytes of an array of `shape`) to `archive` as `name.npy`."""
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    with archive.open(f"{name}.npy", "w", force_zip64=True) as out, open(spool, "rb") as data:
        np.lib.format.write_array_header_2_0(out, header)
        shutil.copyfileobj(data, out, 1 << 22)


def export_npz(plan: Plan, out: str) -> int:
    """Write every batch of `plan` (extras included) to the `.npz` file `out`; returns rows.

    The file appears only when complete. Each column is spooled to a file of its own first
    (named after the staging file, so `publish` removes them with it), then copied into the
    archive.
    """
    legend = plan.legend
    with publish(out) as staging:
        shapes, files, rows = {}, {}, 0
        for batch in batches(plan):
            for name, values in batch.items():
                if name not in files:
                    files[name] = open(f"{staging}.{name}", "wb")  # noqa: SIM115
                    shapes[name] = (values.dtype, values.shape[1:])
                files[name].write(np.ascontiguousarray(values).tobytes())
            rows += len(batch["x"])
        for f in files.values():
            f.close()
        with zipfile.ZipFile(staging, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, (dtype, trailing) in shapes.items():
                _write_npy(archive, name, files[name].name, dtype, (rows, *trailing))
            names = (
                ("classes", legend.classes),
                ("channels", CHANNELS),  # of raw
                ("x_channels", plan.config.input_channels),
            )
            for name, values in names:
                with archive.open(f"{name}.npy", "w") as f:
                    np.save(f, np.asarray(values))
    return rows

"""Export a curated project as a dataset other tools load as it is.

`export_project(project, outdir, format=..., ...)` splits (grouped, stratified, seeded; see
`ftcurate.core.split`), scans everything it would write for personal data (`pii_gate`; open
high-severity findings stop it unless `allow_pii`), writes `OUTDIR/train.*` / `test.*` (+ `validation.*`)
in one of `FORMATS` into a new folder swapped in at once (`swap`),
LLaMA-Factory's `dataset_info.json`, an `axolotl.yaml`, a dataset card `README.md`, and validates the
folder with `validate_path`. `preview_export` renders the first examples for the GUI's preview.
"""

from __future__ import annotations

from ftcurate.core.export.exporter import ExportReport, export_project
from ftcurate.core.export.formats import FORMATS, get_format
from ftcurate.core.export.preview import preview_export
from ftcurate.core.export.validate import ValidationReport, validate_path

__all__ = ["FORMATS", "ExportReport", "ValidationReport", "export_project", "get_format", "preview_export",
           "validate_path"]

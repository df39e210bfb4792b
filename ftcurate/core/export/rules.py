"""Per-record rules: what OpenAI fine-tuning, Axolotl and LLaMA-Factory accept.

The rules live with their format in `ftcurate.core.formats` (one module per format, `rules(rec)`
yielding `(tool, severity, message)`; severity "error" means the tool rejects the file or silently
drops the example, "warning" that it loads but will not train well). This module keeps the names the
validator and the config checks use.
"""

from __future__ import annotations

from ftcurate.core.formats import Finding, check_record, sniff

record_kind = sniff
"""Which record format a record is in (see `ftcurate.core.formats.sniff`), or None."""

__all__ = ["Finding", "check_record", "record_kind"]

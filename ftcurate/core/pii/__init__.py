"""PII detection and redaction (presidio-analyzer + spaCy, presidio-anonymizer).

Light to import: presidio and spaCy load only when an analyzer is built or text is redacted.

- `config.PiiConfig`: settings (entities, custom recognizers, allow-list, threshold) and validation.
- `engine.PiiAnalyzer`: one AnalyzerEngine over a NER-only spaCy pipeline; batched, multi-process.
- `postprocess.finalize`: raw findings -> findings a person sees (threshold, overlaps, allow-list).
- `redact.redact_text` / `redact.redaction_command`: placeholder, consistent fake or mask; undoable.
- `evaluation`: span-level precision/recall/F1 used by benchmarks/bench_pii_accuracy.py.

The check itself is `ftcurate.core.checks.pii.PiiCheck` (name "pii").
"""

from ftcurate.core.pii.config import BUILTIN_ENTITIES, SEVERITY, PiiConfig
from ftcurate.core.pii.postprocess import Finding, finalize

__all__ = ["BUILTIN_ENTITIES", "SEVERITY", "PiiConfig", "Finding", "finalize"]

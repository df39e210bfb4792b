"""Embedded LoRA trainer: exported chat JSONL in, a LoRA adapter and an honest comparison out.

Importable with only torch, transformers, peft and gguf (plus the standard library): no polars, no Qt,
so it also runs on a bare GPU box. This package file imports nothing heavy; the torch-dependent modules
(`encoding`, `batching`, `loss`, `loop`, `evaluate`, `run`) are imported by callers when they start work.

Entry points:
    ftcurate.core.trainer.run.run_training(export_dir, options, progress, on_event) -> dict
    ftcurate.core.trainer.run.run_evaluation(export_dir, adapter_dir, options, progress, on_event) -> dict
    ftcurate.core.trainer.config.TrainOptions / resolve_config(...)
    ftcurate.core.trainer.package.package_run(run_dir, out_dir, qtype, ollama) -> dict  (GGUF + Modelfile)
    ftcurate.core.trainer.compare.score_models(test_dir, adapters, model, cfg, n_generate) -> dict
The "did curation help?" comparison that needs the project store lives in ftcurate.core.report.curation.
"""

"""CLI: `ftcurate package RUN_DIR OUT_DIR` — a GGUF file (and an Ollama Modelfile) people can run."""

from __future__ import annotations

import argparse
from typing import Any

from ftcurate.cli import Output, add_common


def cmd_package(args: argparse.Namespace, out: Output) -> int:
    from ftcurate.core.trainer.package import package_run

    res = package_run(args.run_dir, args.out_dir, qtype=args.gguf, ollama=args.ollama, model=args.model,
                      name=args.name, system=args.system, overwrite=args.overwrite, progress=out.progress())
    size = res["size_bytes"] / 1e6
    lines = [f"Wrote {res['gguf']} ({res['qtype']}, {size:.0f} MB): {res['base_model']} with the adapter merged in."]
    if res["modelfile"]:
        lines += [f"Wrote {res['modelfile']}. Run it with:",
                  f"  cd {res['out_dir']} && ollama create mymodel -f Modelfile && ollama run mymodel"]
    lines.append(f"llama.cpp: llama-cli -m {res['gguf']} -cnv")
    out.emit(res, "\n".join(lines))
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("package", help="merge a trained adapter into its base and write a GGUF file",
                              description="Merge RUN_DIR's LoRA adapter into its base model and write "
                                          "OUT_DIR/<name>.gguf for llama.cpp / Ollama (and a Modelfile).")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a training run folder (runs/run-…) or its adapter folder")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder for the .gguf file (created if needed)")
    p.add_argument("--gguf", choices=("q8_0", "f16"), default="q8_0",
                   help="weight format: q8_0 (default, about half the size of f16, near-identical answers) or f16")
    p.add_argument("--ollama", action="store_true", help="also write an Ollama Modelfile")
    p.add_argument("--model", default=None,
                   help="the base model (default: the one the adapter was trained on); a HF folder or .gguf")
    p.add_argument("--name", default=None, help="file name without .gguf (default: the run folder's name)")
    p.add_argument("--system", default=None, help="system prompt for the Modelfile (default: the training data's)")
    p.add_argument("--overwrite", action="store_true", help="replace files already in OUT_DIR")
    add_common(p)
    p.set_defaults(func=cmd_package)

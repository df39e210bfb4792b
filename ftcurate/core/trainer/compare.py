"""Score one base model and several LoRA adapters on the same test chats, example by example.

For every test chat: the answer-token loss (the same targets training uses) under the base model and
under each adapter, and a greedy answer from each (for the first `n_generate` chats). One base model is
loaded once; the adapters are attached to it by name and switched, so every model sees exactly the same
tokens. Needs torch, transformers and peft only.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ftcurate.core.progress import Progress
from ftcurate.core.trainer.config import TrainConfig


def example_losses(model: Any, items: list[Any], device: str, progress: Progress | None = None) -> list[float]:
    """Summed answer-token cross-entropy of each encoded chat (divide by its `n_targets` for the mean)."""
    import torch

    out: list[float] = []
    model.eval()
    with torch.no_grad():
        for e in items:
            if progress is not None:
                progress.check_cancelled()
            ids = torch.tensor([e.ids], device=device)
            logits = model(input_ids=ids).logits[0, :-1].float()
            mask = torch.tensor(e.targets[1:], device=device)
            loss = torch.nn.functional.cross_entropy(logits[mask], ids[0, 1:][mask], reduction="sum")
            out.append(float(loss))
            if progress is not None:
                progress.advance(1)
    return out


def score_models(test_dir: Path, adapters: dict[str, Path], model: str | None, cfg: TrainConfig, n_generate: int,
                 progress: Progress | None = None) -> dict[str, Any]:
    """Per-example losses and answers of the base model and each adapter on `test_dir/test.jsonl`.

    Args:
        test_dir: an export folder (only test.jsonl is read).
        adapters: {name: adapter folder}, e.g. {"raw": ..., "curated": ...}; all trained on `model`.
        model: the base model choice ("default", a folder, a .gguf).
        cfg: settings for the context length, precision, answer length and threads.
        n_generate: answer this many test prompts with each model (0: none).

    Returns:
        {"examples": [{"index", "line", "id", "prompt", "reference", "n_targets",
        "loss": {name: mean loss}, "answer": {name: text}}], "models": ["base", *adapters]}.

    Raises:
        Cancelled: `progress` was cancelled; checked in every decoder layer and per generated token.
    """
    from ftcurate.core import cancel

    progress = progress or Progress()
    with cancel.scope(progress):
        return _score(test_dir, adapters, model, cfg, n_generate, progress)


def _score(test_dir: Path, adapters: dict[str, Path], model: str | None, cfg: TrainConfig, n_generate: int,
           progress: Progress) -> dict[str, Any]:
    import torch
    from peft import PeftModel

    from ftcurate.core.trainer import evaluate as ev
    from ftcurate.core.trainer.cancel_hooks import LayerHooks
    from ftcurate.core.trainer.data import prompt_messages, read_chat_jsonl
    from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
    from ftcurate.core.trainer.model import context_length, load_model, load_tokenizer
    from ftcurate.core.trainer.modelcache import resolve_model

    device = cfg.device
    if device == "cpu" and cfg.threads:
        torch.set_num_threads(cfg.threads)
    model_dir = resolve_model(model, progress)
    progress.set_status("loading the model")
    tokenizer = load_tokenizer(model_dir)
    base = load_model(model_dir, cfg, device)
    LayerHooks(base, fine=device == "cpu").attach()
    cfg.max_len = context_length(base, cfg.max_len)
    stops = stop_token_ids(tokenizer, base.generation_config)
    test = encode_rows(tokenizer, read_chat_jsonl(Path(test_dir) / "test.jsonl"), cfg.max_len, stops)
    names = list(adapters)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        peft_model = PeftModel.from_pretrained(base, str(adapters[names[0]]), adapter_name=names[0])
        for name in names[1:]:
            peft_model.load_adapter(str(adapters[name]), adapter_name=name)
    gen_items = test.items[:n_generate]
    progress.set_total(len(test.items) * (len(names) + 1))
    losses: dict[str, list[float]] = {}
    answers: dict[str, list[str]] = {}
    progress.set_status("scoring the base model")
    with peft_model.disable_adapter():
        losses["base"] = example_losses(peft_model, test.items, device, progress)
        answers["base"] = ev.generate_answers(peft_model, tokenizer, gen_items, cfg, device, stops)
    for name in names:
        progress.set_status(f"scoring the {name}-tuned model")
        peft_model.set_adapter(name)
        losses[name] = example_losses(peft_model, test.items, device, progress)
        answers[name] = ev.generate_answers(peft_model, tokenizer, gen_items, cfg, device, stops)
    rows = []
    for k, e in enumerate(test.items):
        prompt, ref = prompt_messages(e.row.messages)
        user = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
        n = max(1, e.n_targets)
        rows.append({"index": e.row.index, "line": e.row.line, "id": e.row.example_id, "prompt": user,
                     "reference": ref, "n_targets": e.n_targets,
                     "loss_sum": {m: losses[m][k] for m in losses},
                     "loss": {m: round(losses[m][k] / n, 5) for m in losses},
                     "answer": {m: answers[m][k] for m in answers} if k < len(gen_items) else {}})
    return {"examples": rows, "models": ["base", *names], "skipped_test": len(test.skipped)}

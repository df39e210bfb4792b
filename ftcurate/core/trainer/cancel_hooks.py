"""Cancel checks inside a model's forward and backward passes, and inside generation.

One optimizer step of a 135M model on a CPU takes seconds to minutes, and one `generate` call as
long; checking for cancel between steps is not enough. `LayerHooks` puts a check before every decoder
layer's forward and, when gradients flow, on every layer's output gradient in backward, so a cancel is
seen within one layer's work (milliseconds on a GPU). On a CPU, where one layer over a batch of a
few thousand tokens can take a second on a busy machine, `fine=True` adds the same checks to every
linear projection inside the layers (seven per layer in a Llama). The checks call
`ftcurate.core.cancel.check()`, so they answer to whatever cancel scope is open.

`GenerationProgress` is a transformers `StoppingCriteria` that reports one unit of progress per
generated token and checks for cancel between tokens.
"""

from __future__ import annotations

from typing import Any

from ftcurate.core import cancel
from ftcurate.core.progress import Progress


def decoder_layers(model: Any) -> list[Any]:
    """The repeated blocks of a transformer (the longest `ModuleList` of same-class modules)."""
    import torch

    best: list[Any] = []
    for mod in model.modules():
        if isinstance(mod, torch.nn.ModuleList) and len(mod) > len(best):
            kinds = {type(m) for m in mod}
            if len(kinds) == 1:
                best = list(mod)
    return best


def _pre_hook(_module: Any, _args: Any) -> None:
    cancel.check()


def _grad_hook(grad: Any) -> Any:
    cancel.check()
    return grad


def _post_hook(_module: Any, _args: Any, output: Any) -> None:
    import torch

    out = output[0] if isinstance(output, tuple) else output
    if torch.is_grad_enabled() and isinstance(out, torch.Tensor) and out.requires_grad:
        out.register_hook(_grad_hook)  # runs when backward reaches this layer's output


class LayerHooks:
    """Cancel checks on every decoder layer of `model` while attached (a context manager too).

    Detach them around a `torch.compile`d body: a hook would break the compiled graph at every layer.
    `fine=True` (for CPUs) checks before and, in backward, after every linear projection of the layers too.
    """

    def __init__(self, model: Any, fine: bool = False) -> None:
        import torch

        self.layers = decoder_layers(model)
        self.modules = list(self.layers)
        if fine:
            self.modules += [m for layer in self.layers for m in layer.modules() if isinstance(m, torch.nn.Linear)]
        self._handles: list[Any] = []

    def attach(self) -> LayerHooks:
        if not self._handles:
            for mod in self.modules:
                self._handles.append(mod.register_forward_pre_hook(_pre_hook))
                self._handles.append(mod.register_forward_hook(_post_hook))
        return self

    def detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def __enter__(self) -> LayerHooks:
        return self.attach()

    def __exit__(self, *exc: Any) -> None:
        self.detach()


def generation_progress(progress: Progress | None) -> Any:
    """A `StoppingCriteria` that advances `progress` by one per generated token and checks for cancel.

    It never stops generation itself (the EOS tokens do); cancel raises `Cancelled` out of `generate`.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class GenerationProgress(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            if progress is not None:
                progress.advance(1)
                progress.check_cancelled()
            cancel.check()
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([GenerationProgress()])

"""Cancel inside every phase of a run, on a tiny real model: the run stops within the decoder layer that
saw the cancel, keeps a consistent checkpoint, and a resumed run matches an uninterrupted one exactly.

A global forward hook (a test-side spy, not part of the trainer) counts decoder-layer calls and cancels
the run's progress at a chosen call; the trainer's own layer hooks must then stop the run before any
further layer runs. No timing is involved.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file

from ftcurate.core.errors import Cancelled
from ftcurate.core.progress import Progress
from ftcurate.core.trainer.run import run_evaluation, run_training
from tests.core.trainer.conftest import chat, quick_options, write_export


class LayerTrap:
    """Cancels `progress` at the `k`-th decoder-layer call made while `when(progress, hidden)` holds.

    `backward=True`: instead, cancel when backward reaches that layer's output. `after` counts the
    decoder-layer calls (forward) or layer-output gradients (backward) computed after the cancel.
    """

    def __init__(self, progress: Progress, when, k: int = 1, backward: bool = False) -> None:
        self.progress, self.when, self.k, self.backward = progress, when, k, backward
        self.seen = 0
        self.fired = False
        self.after = 0
        self.in_backward = False
        hooks = torch.nn.modules.module
        self._handles = [hooks.register_module_forward_pre_hook(self._pre),
                         hooks.register_module_forward_hook(self._post)]

    def _pre(self, module, args):
        if type(module).__name__ != "LlamaDecoderLayer":
            return
        if self.progress.cancelled:
            self.after += 1
            return
        if self.when(self.progress, args[0]):
            self.seen += 1
            if self.seen == self.k and not self.backward:
                self.fired = True
                self.progress.cancel()

    def _post(self, module, args, output):
        if type(module).__name__ != "LlamaDecoderLayer" or not self.backward or not torch.is_grad_enabled():
            return
        out = output[0] if isinstance(output, tuple) else output
        arm = self.seen == self.k and not self.fired

        def grad_hook(grad):
            if self.progress.cancelled:
                self.after += 1  # backward went on past a layer output after the cancel
            elif arm:
                self.in_backward = True
                self.progress.cancel()
            return grad

        out.register_hook(grad_hook)
        self.fired = self.fired or arm  # armed: fires when backward reaches this output

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


def training_step(n: int):
    """While training, with `n` optimizer steps done."""
    return lambda p, _h: p.status.startswith("training") and p.done == n


def measuring(which: str, decoding: bool | None = None):
    """While measuring the base/tuned model; `decoding`: only generation steps (one new token)."""
    def when(p, hidden):
        if not p.status.startswith(f"measuring the {which}"):
            return False
        return decoding is None or (hidden.shape[1] == 1) == decoding
    return when


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cancel") / "export"
    return write_export(folder, [chat(i) for i in range(16)], [chat(i) for i in range(24, 28)])


@pytest.fixture(scope="module")
def options(tiny_model):
    # dropout makes the RNG state part of what a resume must restore
    return quick_options(tiny_model, epochs=2, n_generate=2, max_new_tokens=4, checkpoint_every=100,
                         lora_dropout=0.1)


@pytest.fixture(scope="module")
def reference(export, options, tmp_path_factory):
    """An uninterrupted run."""
    return run_training(export, dataclasses.replace(options, output_dir=str(tmp_path_factory.mktemp("ref"))))


def _cancelled_run(export, options, out, when, k=1, backward=False):
    progress = Progress()
    trap = LayerTrap(progress, when, k, backward)
    try:
        with pytest.raises(Cancelled):
            run_training(export, dataclasses.replace(options, output_dir=str(out)), progress=progress)
    finally:
        trap.remove()
    assert trap.fired
    return trap, next(out.iterdir())


def _assert_resume_matches(export, options, out, reference):
    res = run_training(export, dataclasses.replace(options, output_dir=str(out), resume=True))
    assert res["steps"] == reference["steps"] and res["loss_curve"] == reference["loss_curve"]
    a = load_file(f"{reference['adapter_dir']}/adapter_model.safetensors")
    b = load_file(f"{res['adapter_dir']}/adapter_model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert res["tuned_test_loss"] == reference["tuned_test_loss"]
    return res


def _checkpoint(run_dir):
    return torch.load(run_dir / "checkpoint" / "state.pt", weights_only=False)


def test_cancel_in_the_forward_pass_of_a_step_drops_that_step_and_resume_is_exact(export, options, reference,
                                                                                  tmp_path):
    trap, run_dir = _cancelled_run(export, options, tmp_path / "fwd", training_step(3), k=1)
    assert trap.after == 0  # no decoder layer ran after the one that saw the cancel
    saved = _checkpoint(run_dir)
    assert saved["state"]["step"] == 3 and not saved["state"]["done"]
    steps = {int(s["step"]) for s in saved["optimizer"]["state"].values()}
    assert steps == {3}  # the optimizer never applied the cancelled step
    assert not (run_dir / "metrics.json").exists()
    assert not list(run_dir.glob("checkpoint/*.tmp"))
    events = [json.loads(line)["event"] for line in open(run_dir / "log.jsonl")]
    assert events[-1] == "cancelled"
    _assert_resume_matches(export, options, tmp_path / "fwd", reference)


def test_cancel_in_the_backward_pass_drops_that_step_and_resume_is_exact(export, options, reference, tmp_path):
    # k=2: the last layer's output, the first one backward reaches; the first layer's must not follow
    trap, run_dir = _cancelled_run(export, options, tmp_path / "bwd", training_step(2), k=2, backward=True)
    assert trap.in_backward and trap.after == 0
    saved = _checkpoint(run_dir)
    assert saved["state"]["step"] == 2
    assert {int(s["step"]) for s in saved["optimizer"]["state"].values()} == {2}
    _assert_resume_matches(export, options, tmp_path / "bwd", reference)


def test_cancel_while_measuring_the_base_model_stops_at_once_and_resume_starts_over(export, options, reference,
                                                                                   tmp_path):
    trap, run_dir = _cancelled_run(export, options, tmp_path / "base", measuring("base", decoding=False))
    assert trap.after == 0
    assert not (run_dir / "base_eval.json").exists() and not (run_dir / "checkpoint").exists()
    _assert_resume_matches(export, options, tmp_path / "base", reference)


def test_cancel_while_generating_base_answers_stops_between_tokens(export, options, tmp_path):
    trap, run_dir = _cancelled_run(export, options, tmp_path / "gen", measuring("base", decoding=True), k=3)
    assert trap.after == 0
    assert not (run_dir / "base_eval.json").exists()


def test_cancel_while_measuring_the_tuned_model_keeps_the_finished_training(export, options, reference, tmp_path):
    trap, run_dir = _cancelled_run(export, options, tmp_path / "tuned", measuring("tuned"), k=2)
    assert trap.after == 0
    assert _checkpoint(run_dir)["state"]["done"] and not (run_dir / "metrics.json").exists()
    res = _assert_resume_matches(export, options, tmp_path / "tuned", reference)
    assert (run_dir / "metrics.json").exists() and res["run_dir"] == str(run_dir)


def test_cancel_while_evaluating_an_adapter_stops_between_tokens(export, options, reference):
    progress = Progress()
    trap = LayerTrap(progress, measuring("tuned", decoding=True), k=2)
    try:
        with pytest.raises(Cancelled):
            run_evaluation(export, reference["adapter_dir"], options=options, progress=progress)
    finally:
        trap.remove()
    assert trap.fired and trap.after == 0


def test_a_cancelled_run_is_recorded_as_cancelled_in_the_project(export, options, tmp_path):
    from ftcurate.core.store import Project
    from ftcurate.core.trainer.record import train_and_record

    proj = tmp_path / "p.ftcurate"
    Project.create(proj).close()
    progress = Progress()
    trap = LayerTrap(progress, training_step(1), k=1)
    try:
        with pytest.raises(Cancelled):
            train_and_record(export, dataclasses.replace(options, n_generate=0), progress, None, proj)
    finally:
        trap.remove()
    with Project.open(proj) as p:
        (run,) = p.runs()
    assert run["status"] == "cancelled" and len(run["loss_curve"]) == 1


def test_measuring_reports_a_total_and_reaches_it(export, options, tmp_path):
    seen: dict[str, tuple[int, int]] = {}

    class Watch(Progress):
        def _changed(self):
            if self.total:
                seen[self.status.split(":")[0]] = (self.done, self.total)

    run_training(export, dataclasses.replace(options, output_dir=str(tmp_path), epochs=1, max_steps=2),
                 progress=Watch())
    for phase in ("loading the model", "tokenizing", "measuring the base model", "training",
                  "measuring the tuned model"):
        done, total = seen[phase]
        assert total > 0 and done == total, phase


def test_a_killed_run_is_closed_as_cancelled_and_other_running_records_are_left_alone(tmp_path):
    from ftcurate.core.store import Project
    from ftcurate.core.trainer.record import close_stopped_run

    path = tmp_path / "p.ftcurate"
    with Project.create(path) as project:
        killed = project.add_run({"status": "running", "log": str(tmp_path / "runs" / "a" / "log.jsonl")})
        other = project.add_run({"status": "running", "log": str(tmp_path / "runs" / "b" / "log.jsonl")})
        done = project.add_run({"status": "done", "log": str(tmp_path / "runs" / "c" / "log.jsonl")})
    assert close_stopped_run(path, tmp_path / "runs" / "a")
    assert not close_stopped_run(path, tmp_path / "runs" / "c")  # a finished run keeps its status
    with Project.open(path) as project:
        status = {r["id"]: r["status"] for r in project.runs()}
    assert status == {killed: "cancelled", other: "running", done: "done"}

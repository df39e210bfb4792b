"""`run_checks_ray`: the checks of `ftcurate.core.checks.runner.run_checks`, with the heavy work on Ray.

Order of work:
1. the same config resolution and validation as the single-machine runner (errors before any work);
2. on Ray: language detection (hygiene), PII analysis, MinHash + LSH bucket join for the questions
   (and, for near_duplicate, the answers of repeated questions), sentence embeddings of the questions
   and answers the paraphrase/conflict checks compare; results go into the project cache (only texts
   not cached yet) and, for the near-duplicate components, into this run's memo;
3. the ordinary runner then runs every check in this process: it finds the work done, assembles the
   flags with the same code, and stores them as a single-machine run does (same ids and states).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ftcurate.core.checks.runner import (
    CheckOutcome,
    app_check_config,
    check_config,
    resolve_names,
    run_checks,
)
from ftcurate.core.progress import Progress
from ftcurate.core.records import text_hash
from ftcurate.core.store import Project
from ftcurate.scale.session import collect, dataset, ray_session

DUP_CHECKS = ("near_duplicate", "paraphrase", "conflict")


@dataclass
class RayReport:
    """What ran on the cluster: texts per map step, and components left for the duplicate checks."""

    cpus: int = 0
    texts: dict[str, int] = field(default_factory=dict)
    components: list[tuple] = field(default_factory=list)  # memo keys filled from Ray

    def line(self) -> str:
        steps = ", ".join(f"{k} {v:,}" for k, v in self.texts.items()) or "nothing new"
        return f"ray ({self.cpus} CPUs): {steps}; {len(self.components)} near-duplicate component sets"


def run_checks_ray(project: Project, names: list[str] | None = None,
                   config: dict[str, dict[str, Any]] | None = None, progress: Progress | None = None,
                   address: str | None = None, num_cpus: int = 2) -> tuple[list[CheckOutcome], RayReport]:
    """Run checks with the heavy steps on Ray (a local Ray with `num_cpus` CPUs, or `address`)."""
    from ftcurate.core.checks.registry import load_checks
    from ftcurate.scale.session import cluster_cpus

    progress = progress or Progress()
    names = resolve_names(names)
    config = config or {}
    app = app_check_config(project)
    cfgs = {}
    for n in names:
        cfgs[n] = check_config(project, n, config.get(n), app)
        load_checks()[n]().validate_config(cfgs[n])
    report = RayReport()
    with ray_session(address, num_cpus):
        report.cpus = cluster_cpus()
        _on_ray(project, names, cfgs, report, progress)
    return run_checks(project, names, config, progress), report


def _on_ray(project: Project, names: list[str], cfgs: dict[str, dict[str, Any]], report: RayReport,
            progress: Progress) -> None:
    """The Ray steps (the frame read here is released before the checks read their own)."""
    frame = project.examples_frame()
    if "hygiene" in names:
        _languages(project, frame, cfgs["hygiene"], report, progress)
    if "pii" in names:
        _pii(project, frame, cfgs["pii"], report, progress)
    if any(n in names for n in DUP_CHECKS):
        _duplicates(project, frame, {n: cfgs[n] for n in DUP_CHECKS if n in names}, report, progress)


def _prefill(project: Project, namespace: str, texts: dict[str, str], step, kwargs: dict[str, Any],
             label: str, report: RayReport, progress: Progress, batch_size: int = 256) -> None:
    """Run `step` on Ray for the texts not cached yet under `namespace`, and cache the results."""
    cached = project.cache_get(namespace, list(texts))
    todo = [k for k in texts if k not in cached]
    report.texts[label] = report.texts.get(label, 0) + len(todo)
    if not todo:
        return
    progress.set_status(f"Ray: {label} of {len(todo):,} texts")
    ds = dataset({"key": todo, "text": [texts[k] for k in todo]})
    ds = ds.map_batches(step, batch_format="pyarrow", batch_size=batch_size, fn_kwargs=kwargs)
    for batch in collect(ds):
        project.cache_put(namespace, dict(zip(batch.column("key").to_pylist(), batch.column("value").to_pylist(),
                                              strict=True)))
        progress.check_cancelled()


def _languages(project: Project, frame, cfg: dict[str, Any], report: RayReport, progress: Progress) -> None:
    from ftcurate.core.checks.hygiene import KINDS, LANG_CACHE_NS, _last, frame_chats
    from ftcurate.scale.steps import language_batch

    if "language" not in set(cfg.get("kinds") or KINDS):
        return
    texts: dict[str, str] = {}
    for msgs in frame_chats(frame):
        ans = _last(msgs, "assistant")
        q = _last(msgs, "user", ans)
        for t in (ans, q):
            if t is not None:
                s = str(msgs[t].get("content") or "")
                texts.setdefault(text_hash(s), s)
    _prefill(project, LANG_CACHE_NS, texts, language_batch, {"min_letters": int(cfg["language_min_letters"])},
             "language", report, progress)


def _pii(project: Project, frame, cfg: dict[str, Any], report: RayReport, progress: Progress) -> None:
    import json

    from ftcurate.core.checks.pii import pii_config
    from ftcurate.core.pii.model import resolve_model
    from ftcurate.scale.steps import pii_batch

    pcfg = pii_config(cfg, project)
    namespace = f"pii:{pcfg.analysis_key(resolve_model(pcfg.model)[0])}"
    texts: dict[str, str] = {}
    for raw in frame["messages"].to_list():
        for m in json.loads(raw) if raw else []:
            content = m.get("content") or ""
            if content.strip():
                texts.setdefault(text_hash(content), content)
    _prefill(project, namespace, texts, pii_batch, {"settings": pcfg.to_dict()}, "pii", report, progress)


def _duplicates(project: Project, frame, cfgs: dict[str, dict[str, Any]], report: RayReport,
                progress: Progress) -> None:
    from ftcurate.core.checks.duplicates import _validate_near, scope
    from ftcurate.core.dedup import embed, engine
    from ftcurate.scale import near
    from ftcurate.scale.steps import embed_batch

    done: dict[tuple, engine.Components] = {}
    embed_texts: dict[str, str] = {}
    for name, cfg in cfgs.items():
        if name == "conflict" and cfg["match"] == "exact":
            continue
        scoped = scope(frame, cfg)
        mh = _validate_near(cfg, name)
        key = (engine.fingerprint(scoped), mh, float(cfg["near_threshold"]), cfg["lsh_backend"])
        if key not in done:
            done[key] = near.near_components(scoped, "question", mh, key[2], key[3], progress)
            report.components.append(key)
        qc = done[key]
        prep = engine.prepare(scoped)
        if name == "near_duplicate" and {"pair", "input"} & set(cfg["fields"]):
            n = scoped.height
            q_sizes = np.bincount(qc.labels[qc.labels >= 0], minlength=n)
            rows = np.flatnonzero((qc.labels >= 0) & (q_sizes[np.maximum(qc.labels, 0)] >= 2))
            near.near_components(scoped, "answer", mh, key[2], key[3], progress, rows=rows)
            report.components.append(key + ("answer",))
        wants_questions = name == "paraphrase" or (name == "conflict" and cfg["match"] == "paraphrase")
        if wants_questions:
            reps = np.flatnonzero(qc.labels == np.arange(scoped.height))
            for t in prep.questions.gather(reps).to_list():
                embed_texts.setdefault(text_hash(t), t)
        if name == "conflict" and cfg["answer_similarity"] == "embedding":
            for t in prep.answers.filter(prep.a_norm.str.len_chars() > 0).unique().to_list():
                embed_texts.setdefault(text_hash(t), t)
    if embed_texts:
        batch = max(int(c.get("batch_size", 64)) for c in cfgs.values())
        name = embed.backend()  # the workers embed with the driver's backend, cached under its namespace
        _prefill(project, embed.cache_namespace(name), embed_texts, embed_batch,
                 {"batch_size": batch, "backend_name": name}, "embeddings", report, progress, batch_size=512)

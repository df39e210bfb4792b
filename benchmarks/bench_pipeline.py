"""The whole job at scale: import, every check, a re-check after editing 1 %, export.

Generates `--n` short synthetic support examples as a message-per-row CSV (its own generator: intents
x question wordings x answer wordings x slot values, with names/e-mails/phones in some messages,
exact copies, typo copies, paraphrases, conflicting answers, placeholders and HTML), then runs each
step in its own child process, so each step's peak RSS is its own (`ru_maxrss` of the child), and
prints per step: seconds, the ratio to an anchor run in the same child where one exists, and peak RSS.

Anchors (same process, same data):
- import: `polars.read_csv` of the same file (ratio = import throughput / read_csv throughput), and
  the SQLite floor: the very rows the import stored, inserted into an in-memory database with the
  import's own multi-row INSERT (`bulk_insert.insert_rows`);
- near_duplicate: ftcurate's MinHash signatures vs datasketch `MinHash.bulk` on a sample of questions;
- pii: ftcurate's analyzer vs stock presidio `AnalyzerEngine.analyze` on a sample of turns;
- export: a bare JSONL dump of the `messages` column (`json.dumps` per example).

Usage:
    python benchmarks/bench_pipeline.py --n 100000 [--checks hygiene,pii,...] [--step-timeout 1800]
        [--all-in-one] [--ray] [--keep DIR] [--skip-per-check] [--recheck-edit 0.01] [--no-rude]
`--all-in-one` also runs every selected check in one process, as `ftcurate check` does, on a copy of
the freshly imported project (nothing cached), for the time and peak memory of the real command.
`--ray` also runs them with the Ray engine (`ftcurate check --engine ray`) on another fresh copy.
The per-check steps share one project, as consecutive checks of one `ftcurate check` do (paraphrase
and conflict share cached embeddings); the re-check runs on that project, with everything cached.
`--no-rude` turns tone's rude-reply model off (a project setting), so no check embeds sentences.
`--skip-per-check` leaves the per-check steps out (at 1M they double the run); the re-check then runs
on the project the all-in-one step checked. `--recheck-edit F` edits that fraction of the examples
(one history entry, through `SetMessagesCommand`) before the re-check (default 0.01).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INTENTS = {
    "order_status": (["Hi, where is my order {order}?", "Any update on order {order}? It hasn't arrived.",
                      "My package {order} is late, can you check?", "Has order {order} shipped yet?"],
                     ["Order {order} ships tomorrow; you'll get a tracking e-mail.",
                      "Order {order} left our warehouse today and arrives in 3-5 days."]),
    "refund": (["I want a refund for order {order}.", "Can I get my money back for {order}?",
                "How do I return order {order} for a refund?"],
               ["Refunds take 5-7 days once we receive the item.", "Refunds take 14 days once we receive it.",
                "Yes, we refund within 30 days of delivery."]),
    "password": (["How do I reset my password?", "I forgot my password, help!", "Can't log in, password lost."],
                 ["Use 'Forgot password' on the login page and follow the e-mail.",
                  "Click 'Forgot password' on the sign-in page; the link is valid for 24 hours."]),
    "address": (["Can I change the delivery address for order {order}?",
                 "Please ship {order} to {city} instead.", "I moved to {city}, update my address please."],
                ["Done: the new address in {city} is saved for order {order}.",
                 "No, the address can't be changed once the order has shipped."]),
    "cancel": (["I want to cancel my subscription.", "Please cancel my plan, it renews on the {day}th.",
                "How do I stop my subscription?"],
               ["Your subscription is cancelled; no further charges.",
                "You can cancel under Account > Plan at any time."]),
    "billing": (["I was charged twice for invoice {order}.", "Why is there a double charge on my card?",
                 "Invoice {order} shows two payments."],
                ["I've refunded the duplicate charge on invoice {order}.",
                 "Sorry! The second charge on {order} is reversed within 3 days."]),
    "warranty": (["Is the {product} covered by warranty?", "How long is the warranty on the {product}?",
                  "My {product} broke, is it under warranty?"],
                 ["The {product} has a 2-year warranty.", "The {product} has a 1-year warranty.",
                  "Yes, the {product} is covered for 24 months."]),
    "contact": (["Can someone call me back?", "Please phone me about my case.", "I'd like a call back."],
                ["We'll call you within one business day.", "An agent will phone you tomorrow morning."]),
}
NAMES = ["Maria Lopez", "John Carter", "Aisha Khan", "Wei Zhang", "Olga Petrova", "Liam O'Brien", "Sofia Rossi",
         "Kenji Sato", "Emma Schmidt", "Noah Williams"]
CITIES = ["Denver", "Lyon", "Osaka", "Leeds", "Porto", "Austin", "Gdansk", "Cork"]
PRODUCTS = ["Ember camp stove", "Trail 40 backpack", "Nimbus tent", "Summit jacket", "River kayak"]
PII_TAILS = [" My name is {name}.", " You can reach me at {email}.", " Call me on {phone}.",
             " Thanks, {name}"]
NOISE = [" <br>", " {{Order Number}}", " &nbsp;"]
OPENERS = ["", "", "Hi, ", "Hello, ", "Hey there. ", "Good morning! ", "Quick question: "]
CLOSERS = ["", "", " Thanks!", " Thank you.", " Cheers", " Please help."]


def _typo(text: str, rng: random.Random) -> str:
    k = rng.randrange(1, max(2, len(text) - 1))
    return text[:k] + text[k + 1:] if rng.random() < 0.5 else text[:k] + text[k] + text[k:]


def make_support_csv(path: Path, n: int, seed: int = 11) -> int:
    """A message-per-row support CSV whose import gives about `n` (question, answer) examples."""
    import polars as pl

    rng = random.Random(seed)
    names = list(INTENTS)
    convs, senders, texts, intents, stamps = [], [], [], [], []
    made: list[tuple[str, str]] = []
    c = 0
    while len(made) < n:
        intent = rng.choice(names)
        qs, ans = INTENTS[intent]
        pairs = 1 if rng.random() < 0.7 else 2
        roll = rng.random()
        for _ in range(pairs):
            if made and roll < 0.03:  # an exact copy of an earlier example
                q, a = rng.choice(made)
            elif made and roll < 0.05:  # a typo copy
                q, a = made[rng.randrange(len(made))]
                q = _typo(q, rng)
            else:
                slots = {"order": f"{rng.randrange(10**6, 10**7)}", "city": rng.choice(CITIES),
                         "day": rng.randrange(1, 28), "product": rng.choice(PRODUCTS)}
                q = rng.choice(OPENERS) + rng.choice(qs).format(**slots) + rng.choice(CLOSERS)
                a = rng.choice(ans).format(**slots)
                if rng.random() < 0.15:
                    name = rng.choice(NAMES)
                    q += rng.choice(PII_TAILS).format(
                        name=name, email=name.split()[0].lower() + f"{rng.randrange(99)}@example.com",
                        phone=f"+1 {rng.randrange(200, 999)} 555 {rng.randrange(1000, 9999)}")
                if rng.random() < 0.02:
                    a += rng.choice(NOISE)
                if rng.random() < 0.01:
                    a = "ok"
            made.append((q, a))
            for who, text in (("Customer", q), ("Agent", a)):
                convs.append(f"T{c:08d}")
                senders.append(who)
                texts.append(text)
                intents.append(intent)
                stamps.append(f"2025-{1 + c % 12:02d}-{1 + c % 28:02d}T10:{len(stamps) % 60:02d}:00")
        c += 1
    pl.DataFrame({"ticket_id": convs, "timestamp": stamps, "sender": senders, "message": texts,
                  "intent": intents}).write_csv(path)
    return len(made)


# -- steps (each runs in a child process) ------------------------------------------------------------
def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def step_import(a) -> dict:
    import sqlite3

    import polars as pl

    from ftcurate.core.bulk_insert import insert_rows
    from ftcurate.core.importing import import_file
    from ftcurate.core.schema import migrate
    from ftcurate.core.store import Project

    t_read, df = _timed(lambda: pl.read_csv(a.csv))
    rows = df.height
    del df
    with Project.create(a.project) as project:
        t, rep = _timed(lambda: import_file(project, a.csv))
        stored = project.query('SELECT source_id, messages, input, output, n_turns, label, metadata, "row",'
                               " line, conversation, status, content_hash, created_at, updated_at FROM examples")
    mem = sqlite3.connect(":memory:", isolation_level=None)
    migrate(mem, 0)
    mem.execute("INSERT INTO sources VALUES (1, 'x', 'x', 'x', 0, 'x', 'x', '{}', '{}', 0, 0)")
    mem.execute("BEGIN")
    t_floor, _ = _timed(lambda: insert_rows(mem, stored))  # the import's own insert, 32 rows a statement
    mem.execute("COMMIT")
    return {"seconds": t, "anchor": "polars.read_csv", "anchor_seconds": t_read, "ratio": t_read / t,
            "note": f"{rows:,} rows -> {rep.examples:,} examples; SQLite floor (executemany of the stored "
                    f"rows, 32 a statement, in memory) {t_floor:.2f} s = {t_read / t_floor:.2f}x read_csv"}


def _check(a, names: list[str]) -> dict:
    from ftcurate.core.checks.runner import run_checks
    from ftcurate.core.store import Project

    with Project.open(a.project) as project:
        t, outcomes = _timed(lambda: run_checks(project, names))
    failed = [f"{o.name}: {o.error}" for o in outcomes if not o.ok]
    flags = sum(o.flags for o in outcomes)
    each = ", ".join(f"{o.name} {o.seconds:.1f}" for o in outcomes)
    return {"seconds": t, "note": f"{flags:,} flags ({each} s)" + (f"; FAILED {'; '.join(failed)}" if failed else "")}


def _minhash_anchor(a) -> tuple[float, float]:
    """(datasketch MinHash.bulk seconds, ftcurate seconds) on the same sample of questions."""
    from datasketch import MinHash

    from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
    from ftcurate.core.dedup.normalize import normalize_series
    from ftcurate.core.store import Project

    with Project.open(a.project, read_only=True) as project:
        qs = project.examples_frame(["input"])["input"].head(a.sample)
    docs = normalize_series(qs).to_list()
    hasher = MinHasher(MinHashConfig())
    t_bulk, _ = _timed(lambda: MinHash.bulk([[d[i:i + 4].encode() for i in range(max(1, len(d) - 3))]
                                             for d in docs], num_perm=128, seed=1))
    t_ours, _ = _timed(lambda: hasher.signatures(docs))
    return t_bulk, t_ours


def _pii_anchor(a) -> tuple[float, float]:
    """(stock presidio seconds, ftcurate analyzer seconds) on the same sample of customer turns."""
    import logging

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from ftcurate.core.checks.pii import get_analyzer, pii_config
    from ftcurate.core.store import Project

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    with Project.open(a.project, read_only=True) as project:
        texts = project.examples_frame(["input"])["input"].head(a.sample // 4).to_list()
        ours = get_analyzer(pii_config({}, project))
    model_pkg = ours.model_id.rsplit("-", 1)[0]
    stock = AnalyzerEngine(nlp_engine=SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model_pkg}]))
    stock.analyze("warm up: call John at +1 415 555 2671", language="en")
    ours.analyze("warm up: call John at +1 415 555 2671")
    t_stock, _ = _timed(lambda: [stock.analyze(t, language="en") for t in texts])
    t_ours, _ = _timed(lambda: [ours.finalize(t, r) for t, r in zip(texts, ours.analyze_raw(texts), strict=True)])
    return t_stock, t_ours


def step_check(a) -> dict:
    out = _check(a, [a.name])
    if a.name == "near_duplicate":
        t_bulk, t_ours = _minhash_anchor(a)
        out.update(anchor=f"MinHash.bulk ({a.sample:,} questions)", anchor_seconds=t_bulk,
                   ratio=t_bulk / t_ours, note=out["note"] + f"; signatures {t_bulk / t_ours:.1f}x MinHash.bulk")
    elif a.name == "pii":
        t_stock, t_ours = _pii_anchor(a)
        out.update(anchor=f"stock presidio ({a.sample // 4:,} turns)", anchor_seconds=t_stock,
                   ratio=t_stock / t_ours, note=out["note"] + f"; analyzer {t_stock / t_ours:.1f}x stock presidio")
    return out


def step_all(a) -> dict:
    return _check(a, a.checks.split(","))


def step_all_ray(a) -> dict:
    """All selected checks through the Ray engine on a local Ray with 2 CPUs (start-up included)."""
    from ftcurate.core.store import Project
    from ftcurate.scale.runner import run_checks_ray

    with Project.open(a.project) as project:
        t, (outcomes, report) = _timed(lambda: run_checks_ray(project, a.checks.split(",")))
    failed = [f"{o.name}: {o.error}" for o in outcomes if not o.ok]
    return {"seconds": t, "note": f"{sum(o.flags for o in outcomes):,} flags; {report.line()}"
                                  + (f"; FAILED {'; '.join(failed)}" if failed else "")}


def step_edit_recheck(a) -> dict:
    """Edit 1 % of the examples (one history entry), then re-run the checks."""
    from ftcurate.core.commands import CompositeCommand, SetMessagesCommand
    from ftcurate.core.store import Project

    with Project.open(a.project) as project:
        ids = project.example_ids()
        chosen = random.Random(5).sample(ids, max(1, round(len(ids) * a.recheck_edit)))
        cmds = []
        for ex in project.get_examples(chosen):
            msgs = [dict(m) for m in ex.messages]
            msgs[-1]["content"] += " Anything else I can help with?"
            cmds.append(SetMessagesCommand(ex.id, msgs))
        t_edit, _ = _timed(lambda: project.apply(CompositeCommand(cmds, text=f"bench: edit {a.recheck_edit:.0%}")))
    out = _check(a, a.checks.split(","))
    out["note"] = f"edited {len(chosen):,} examples in {t_edit:.2f} s; " + out["note"]
    return out


def step_export(a) -> dict:
    from ftcurate.core.export import export_project
    from ftcurate.core.store import Project

    out_dir = Path(a.project).parent / "export"
    with Project.open(a.project) as project:
        def dump() -> None:
            frame = project.examples_frame(["id", "messages"])
            with open(Path(a.project).parent / "baseline.jsonl", "w", encoding="utf-8") as fh:
                for m in frame["messages"].to_list():
                    fh.write(json.dumps({"messages": json.loads(m)}, ensure_ascii=False) + "\n")
        t_dump, _ = _timed(dump)
        t, rep = _timed(lambda: export_project(project, out_dir, format="openai", seed=0, test_fraction=0.1,
                                               val_fraction=0.05, force=True))
    return {"seconds": t, "anchor": "bare JSONL dump", "anchor_seconds": t_dump, "ratio": t_dump / t,
            "note": f"valid: {rep.validation['ok']}"}


def step_frame(a) -> dict:
    """`Project.examples_frame()` (all columns): RSS added at the peak; --name fetchall reads the way
    ftcurate did before (every row as a Python tuple, then one frame)."""
    import polars as pl

    from ftcurate.core import view
    from ftcurate.core.store import Project

    if a.name == "fetchall":
        def read_all(project, sql, schema, progress=None):
            with project._lock, project._corrupt():
                rows = project.conn.execute(sql).fetchall()
            return pl.DataFrame(rows, schema=schema, orient="row")
        view._read = read_all
    with Project.open(a.project, read_only=True) as project:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t, frame = _timed(project.examples_frame)
        added = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    return {"seconds": t, "note": f"{a.name or 'blocks'}: frame {frame.estimated_size() / 2**20:.0f} MB, "
                                  f"peak RSS +{added:.0f} MB"}


STEPS = {"frame": step_frame, "import": step_import, "check": step_check, "all": step_all,
         "all_ray": step_all_ray, "edit_recheck": step_edit_recheck, "export": step_export}


def _child(a) -> None:
    out = STEPS[a.step](a)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def _run(args, step: str, name: str = "", project: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--step", step, "--name", name, "--project", str(project or args.project),
           "--csv", str(args.csv), "--checks", args.checks, "--sample", str(args.sample),
           "--recheck-edit", str(args.recheck_edit)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.step_timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": time.perf_counter() - t0, "note": f"stopped after {args.step_timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"seconds": time.perf_counter() - t0, "note": f"exit {proc.returncode}: {tail[0][:160]}"}


def _print(label: str, r: dict) -> None:
    ratio = f"{r['ratio']:.3f}x {r['anchor']}" if "ratio" in r else "-"
    rss = f"{r['peak_rss_mb']:,.0f} MB" if "peak_rss_mb" in r else "-"
    print(f"| {label} | {r['seconds']:.1f} | {ratio} | {rss} | {r.get('note', '')} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--checks", default="", help="comma-separated check names (default: all)")
    ap.add_argument("--sample", type=int, default=2000, help="texts for the MinHash anchor (PII: a quarter)")
    ap.add_argument("--step-timeout", type=int, default=3600)
    ap.add_argument("--all-in-one", action="store_true", help="also run all checks in one process")
    ap.add_argument("--ray", action="store_true", help="also run all checks with --engine ray (local Ray)")
    ap.add_argument("--keep", help="work in this folder and keep it")
    ap.add_argument("--skip-per-check", action="store_true", help="leave out the one-process-per-check steps")
    ap.add_argument("--no-rude", action="store_true",
                    help="tone without its rude-reply model (no sentence embeddings; saved as a project setting)")
    ap.add_argument("--recheck-edit", type=float, default=0.01, help="fraction of examples edited before the re-check")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--name", default="", help=argparse.SUPPRESS)
    ap.add_argument("--project", help=argparse.SUPPRESS)
    ap.add_argument("--csv", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        _child(args)
        return
    if args.skip_per_check:
        args.all_in_one = True
    from ftcurate.core.checks.registry import load_checks

    args.checks = args.checks or ",".join(load_checks())
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ftc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    args.csv, args.project = work / "support.csv", work / "bench.ftcurate"
    args.project.unlink(missing_ok=True)
    t, made = _timed(lambda: make_support_csv(args.csv, args.n))
    print(f"{made:,} synthetic examples, {args.csv.stat().st_size / 1e6:.1f} MB CSV, generated in {t:.1f} s; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("| step | seconds | vs anchor (same process) | peak RSS | notes |\n|---|---|---|---|---|")
    _print("import", _run(args, "import"))
    for reader in ("fetchall", "blocks"):
        _print(f"examples_frame ({reader})", _run(args, "frame", reader if reader == "fetchall" else ""))
    if args.no_rude and args.project.exists():
        from ftcurate.core.checks.tone import KINDS
        from ftcurate.core.store import Project

        with Project.open(args.project) as project:
            project.set_setting("checks", {"tone": {"dimensions": [k for k in KINDS if k != "rude"]}})
    fresh = work / "fresh.ftcurate"  # the imported project before any check (nothing cached yet)
    if (args.all_in_one or args.ray) and args.project.exists():
        shutil.copyfile(args.project, fresh)
    if args.ray:
        shutil.copyfile(fresh, work / "ray.ftcurate")
        _print("check, all, --engine ray (local Ray, 2 CPUs; nothing cached)",
               _run(args, "all_ray", project=work / "ray.ftcurate"))
    if not args.skip_per_check:
        total = 0.0
        for name in args.checks.split(","):
            r = _run(args, "check", name)
            total += r["seconds"]
            _print(f"check {name}", r)
        print(f"| checks, sum | {total:.1f} | - | - | one child process per check |")
    if args.all_in_one:
        _print("check, all in one process (nothing cached)", _run(args, "all", project=fresh))
    checked = fresh if args.skip_per_check and args.all_in_one else args.project
    _print(f"re-check after editing {args.recheck_edit:.0%}", _run(args, "edit_recheck", project=checked))
    _print("export (openai, 3 splits)", _run(args, "export"))
    print(f"load average at the end {os.getloadavg()[0]:.1f}; work folder {work}")


if __name__ == "__main__":
    main()

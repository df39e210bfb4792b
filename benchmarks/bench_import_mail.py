"""Peak memory of importing a big mbox, as a ratio to reading the same mailbox whole.

Generates a synthetic support mailbox (`--threads` threads of 3 messages: a customer question, an agent
reply quoting it with a signature and a disclaimer, a customer follow-up quoting both), then measures,
each in a fresh process so peaks do not mix:

1. startup: Python with ftcurate's importer modules imported (subtracted from the others);
2. baseline "read whole": `mailbox.mbox(path)` with every message parsed into a list, as a script that
   loads the whole mailbox would;
3. importer: `EmailImporter.read` producing every example (streamed: one raw message at a time; the
   cleaned text and a few headers per message are kept for threading).

Prints the file size, examples, seconds and peak RSS above startup for 2 and 3, and the ratio 3/2.
Usage: python benchmarks/bench_import_mail.py --threads 20000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

QUESTIONS = ["My order {n} has not arrived yet. Can you check where it is?",
             "I was charged twice for invoice {n}. Please refund one of the charges.",
             "The zip on my jacket (order {n}) broke after a week. Is it covered?"]
ANSWERS = ["Sorry for the wait! Order {n} left our warehouse yesterday and arrives within 2 days.",
           "I have refunded the duplicate charge for invoice {n}; it shows within 5 business days.",
           "Yes, zips are covered for two years. I have sent a free replacement for order {n}."]
DISCLAIMER = ("CONFIDENTIALITY NOTICE: This email and any attachments are confidential and intended solely "
              "for the addressee. If you received it in error, notify the sender and delete it.")


def make_mbox(path: Path, threads: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for t in range(threads):
            q, a = QUESTIONS[t % 3].format(n=10000 + t), ANSWERS[t % 3].format(n=10000 + t)
            cust, day = f"customer{t}@mail.example", 1 + t % 28
            fh.write(f"From {cust} Mon Mar  4 09:00:00 2024\nFrom: Customer {t} <{cust}>\n"
                     f"To: Acme Support <support@acme.example>\nSubject: Help {t}\n"
                     f"Date: Mon, {day:02d} Mar 2024 09:00:00 +0000\nMessage-ID: <q{t}@mail.example>\n\n"
                     f"Hello,\n\n{q}\n\nThanks,\nCustomer {t}\n\nSent from my iPhone\n\n")
            fh.write(f"From support@acme.example Mon Mar  4 10:00:00 2024\nFrom: Acme Support <support@acme.example>\n"
                     f"To: {cust}\nSubject: Re: Help {t}\nDate: Mon, {day:02d} Mar 2024 10:00:00 +0000\n"
                     f"Message-ID: <a{t}@acme.example>\nIn-Reply-To: <q{t}@mail.example>\n"
                     f"References: <q{t}@mail.example>\n\nHi,\n\n{a}\n\nKind regards,\nLee\nAcme Support\n\n"
                     f"{DISCLAIMER}\n\nOn Mon, {day} Mar 2024 at 09:00, Customer {t} <{cust}> wrote:\n> {q}\n\n")
            fh.write(f"From {cust} Mon Mar  4 11:00:00 2024\nFrom: Customer {t} <{cust}>\n"
                     f"To: Acme Support <support@acme.example>\nSubject: Re: Help {t}\n"
                     f"Date: Mon, {day:02d} Mar 2024 11:00:00 +0000\nMessage-ID: <f{t}@mail.example>\n"
                     f"In-Reply-To: <a{t}@acme.example>\nReferences: <q{t}@mail.example> <a{t}@acme.example>\n\n"
                     f"Great, thank you!\n\nOn Mon, {day} Mar 2024 at 10:00, Acme Support wrote:\n> {a}\n>\n"
                     f"> On Mon, {day} Mar 2024 at 09:00, Customer {t} wrote:\n>> {q}\n\n")


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from ftcurate.core.importing import detect_file
mode, path = sys.argv[1], Path(sys.argv[2])
t0 = time.perf_counter(); n = 0
if mode == "whole":
    import email.policy, mailbox
    box = mailbox.mbox(path, factory=lambda f: __import__("email").message_from_binary_file(f, policy=email.policy.default))
    msgs = [m for m in box]
    n = len(msgs)
elif mode == "import":
    from ftcurate.core.importers.base import ImportOptions
    from ftcurate.core.progress import Progress
    imp, det = detect_file(path)
    n = sum(1 for _ in imp.read(path, ImportOptions(), det, Progress()))
print(json.dumps({"n": n, "s": time.perf_counter() - t0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=20000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "support.mbox"
        make_mbox(path, args.threads)
        size = path.stat().st_size / 1e6
        base = run("startup", path)
        whole = run("whole", path)
        imp = run("import", path)
    print(f"mbox: {args.threads} threads, {3 * args.threads} messages, {size:.1f} MB; startup RSS {base['rss_mb']:.0f} MB")
    for name, r in (("baseline: mailbox.mbox, all messages parsed", whole), ("importer (streamed)", imp)):
        print(f"{name:<46} {r['n']:>7} items  {r['s']:6.1f} s  peak RSS +{r['rss_mb'] - base['rss_mb']:.0f} MB")
    ratio = (imp["rss_mb"] - base["rss_mb"]) / max(1.0, whole["rss_mb"] - base["rss_mb"])
    print(f"peak memory above startup, importer / baseline: {ratio:.2f}x")


if __name__ == "__main__":
    main()

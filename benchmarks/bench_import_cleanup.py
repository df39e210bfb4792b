"""CPU cost of the shared import clean-up step (`ImportCleaner`), as a ratio to the same import without it.

Generates the synthetic support log of `bench_import.py` (`--rows` rows), then imports it into a fresh
project twice per round, each in a fresh process: once as shipped, once with the clean-up step
replaced by a pass-through (`ImportCleaner.apply` for the row-by-row path and `bulk_insert.clean_pairs`
for the columnar path this log takes). CPU time (user + system of the import call) is used rather than wall time,
because the machine is shared. Usage: python benchmarks/bench_import_cleanup.py --rows 200000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from bench_import import make_csv
import ftcurate.core.importing as imp
from ftcurate.core.store import Project
if sys.argv[2] == "off":
    import ftcurate.core.bulk_insert as bulk
    imp.ImportCleaner.apply = lambda self, examples: examples
    bulk.clean_pairs = lambda pairs, cleaner, label_map: pairs  # the columnar path's clean-up
d = Path(tempfile.mkdtemp()); p = d / "s.csv"; make_csv(p, int(sys.argv[1]))
with Project.create(d / "x.ftcurate") as proj:
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    rep = imp.import_file(proj, p)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"examples": rep.examples, "cpu": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    here = str(Path(__file__).resolve().parent)
    cpu = {"off": [], "on": []}
    for _ in range(args.rounds):
        for mode in ("off", "on"):
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.rows), mode, here], check=True,
                                 capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            cpu[mode].append(r["cpu"])
    off, on = min(cpu["off"]), min(cpu["on"])
    print(f"{args.rows:,} rows -> {r['examples']:,} examples; import CPU (best of {args.rounds}): "
          f"without clean-up {off:.2f} s, with clean-up {on:.2f} s, ratio {on / off:.2f}x "
          f"({(on - off) / r['examples'] * 1e6:.1f} us per example)")


if __name__ == "__main__":
    main()

"""How much the shared, hardened reader costs the validator, against a bare standard-library loop.

Writes N OpenAI chat records (default 30,000) with the format table, then times, in this process:
- baseline: `json.loads` per line (what the validator did before it shared the importer's reader);
- shared reader: `export.validate.iter_records` (importers' `iter_table`: size, nesting and
  surrogate limits, located errors);
- whole validation: `validate_file` without token counting (reader + every tool's rules + hashing).
Prints seconds and ratios to the baseline. Usage: `python benchmarks/bench_format_reader.py [N]`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from ftcurate.core.export.validate import iter_records, validate_file
from ftcurate.core.formats import FORMATS


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n: int = 30_000) -> None:
    msgs = [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Where is my order? I placed it last week and have no news. "},
            {"role": "assistant", "content": "It ships tomorrow; you will get a tracking link by email. " * 3}]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i in range(n):
                msgs[1]["content"] = f"Where is order {i}? I placed it last week and have no news."
                fh.write(json.dumps(FORMATS["openai"].to_record(msgs), ensure_ascii=False) + "\n")

        def baseline() -> None:
            with path.open("rb") as fh:
                for raw in fh:
                    json.loads(raw.decode("utf-8"))

        base = _best(baseline)
        shared = _best(lambda: sum(1 for _ in iter_records(path)))
        full = _best(lambda: validate_file(path, hashes={}))
        print(f"{n:,} OpenAI chat records, {path.stat().st_size / 1e6:.1f} MB")
        print(f"baseline json.loads loop : {base:.3f} s  (1.00x)")
        print(f"shared reader            : {shared:.3f} s  ({shared / base:.2f}x)")
        print(f"validate_file, no tokens : {full:.3f} s  ({full / base:.2f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30_000)

"""Reply extraction on public e-mail fixtures: pass rate on the development set (email_reply_parser,
the set the rules were tuned on) and on the test set (talon, never tuned on).

A case passes when the cleaned reply keeps what the fixture's own tests call the reply and drops what
they call quoted history or signature (see tests/core/importers/email_cases.py). Needs ../shared/data.
Usage: python benchmarks/bench_email_replies.py [-v] [--rules FILE]
`--rules FILE` scores another version of emailtext.py instead (for a before/after comparison:
`git show ae657f6:ftcurate/core/importers/emailtext.py > /tmp/old_emailtext.py`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core" / "importers"))

from email_cases import reply_parser_cases, talon_cases  # noqa: E402

from ftcurate.core.importers.emailtext import clean_email_body  # noqa: E402


def _rules():
    if "--rules" not in sys.argv:
        return clean_email_body
    import importlib.util
    import inspect

    spec = importlib.util.spec_from_file_location("rules_under_test", sys.argv[sys.argv.index("--rules") + 1])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fn = mod.clean_email_body
    if "sender" in inspect.signature(fn).parameters:
        return fn
    return lambda body, sender=None: fn(body)


def main() -> None:
    data = ROOT.parent / "shared" / "data"
    clean = _rules()
    for label, cases in (("dev  (email_reply_parser)", reply_parser_cases(data)), ("test (talon)", talon_cases(data))):
        t0 = time.perf_counter()
        failed = [c.name for c in cases if not c.check(clean(c.body, sender=c.sender))]
        ms = (time.perf_counter() - t0) * 1000 / len(cases)
        print(f"{label:<28} {len(cases) - len(failed):>3} / {len(cases)} pass  ({ms:.2f} ms per body)"
              + (f"  failed: {', '.join(failed)}" if failed and "-v" in sys.argv else ""))


if __name__ == "__main__":
    main()

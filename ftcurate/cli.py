"""`ftcurate` command line: a thin shell over `ftcurate.core`.

Contract scripts rely on: exit 0 ok, 1 user error (one readable line on stderr naming the file and
line/row), 2 internal error; `--json` prints one JSON object per line on stdout; long work draws a
progress bar on stderr. Subcommands live in `ftcurate/cliparts/*.py`, each exposing
`register(subparsers)` that adds parsers whose `func(args, out) -> int` does the work.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from typing import Any

from ftcurate import __version__
from ftcurate.core.errors import Cancelled, UserError
from ftcurate.core.progress import BarProgress, Progress

CLIPART_MODULES = (
    "ftcurate.cliparts.project",
    "ftcurate.cliparts.export",
    "ftcurate.cliparts.train",
    "ftcurate.cliparts.package",
    "ftcurate.cliparts.curation",
    "ftcurate.cliparts.report",
    "ftcurate.cliparts.review",
    "ftcurate.cliparts.redact",
    "ftcurate.cliparts.demo",
)


class Output:
    """Where a subcommand writes results: JSON lines with --json, readable text otherwise."""

    def __init__(self, json_mode: bool, quiet: bool = False) -> None:
        self.json = json_mode
        self.quiet = quiet

    def emit(self, obj: dict[str, Any], text: str | None = None) -> None:
        """Print `obj` as one JSON line (--json) or `text` (or a readable rendering of obj)."""
        if self.json:
            sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        else:
            if text is None:
                text = "  ".join(f"{k}={v}" for k, v in obj.items())
            sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def info(self, text: str) -> None:
        """A human note on stderr (never pollutes --json stdout)."""
        if not self.quiet:
            sys.stderr.write(text + "\n")

    def progress(self) -> Progress:
        """A bar on stderr when it is a terminal (never with --quiet); silent otherwise."""
        return BarProgress() if sys.stderr.isatty() and not self.quiet else Progress()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ftcurate", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"ftcurate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in CLIPART_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a part not yet installed must not break the rest
            if exc.name != name:
                raise
            continue
        mod.register(sub)
    return parser


def add_common(p: argparse.ArgumentParser) -> None:
    """Options every subcommand accepts."""
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or notes")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(getattr(args, "json", False), getattr(args, "quiet", False))
    try:
        try:
            return int(args.func(args, out) or 0)
        finally:
            if BarProgress.line_open:  # end a half-drawn bar so a message gets its own line
                sys.stderr.write("\n")
                BarProgress.line_open = False
    except UserError as exc:
        sys.stderr.write(f"ftcurate: error: {exc}\n")
        return 1
    except Cancelled:
        sys.stderr.write("ftcurate: cancelled; nothing was changed\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("ftcurate: interrupted; nothing was changed\n")
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the contract: internal errors exit 2 with a trace
        traceback.print_exc()
        sys.stderr.write(f"ftcurate: internal error: {exc.__class__.__name__}: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())

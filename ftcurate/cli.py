"""`ftcurate` command line: a thin shell over `ftcurate.core`.

Contract scripts rely on: exit 0 ok, 1 user error (one readable line on stderr naming the file and
line/row; also bad usage: an unknown option or a missing argument, and a busy project), 2 internal error; `--json` prints one JSON object per line on stdout; long work draws a
progress bar on stderr. Subcommands live in `ftcurate/cliparts/*.py`, each exposing
`register(subparsers)` that adds parsers whose `func(args, out) -> int` does the work.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sqlite3
import sys
import traceback
from typing import Any

from ftcurate import __version__
from ftcurate.core.errors import Cancelled, ProjectBusyError, UserError
from ftcurate.core.progress import BarProgress, Progress

CLIPART_MODULES = (
    "ftcurate.cliparts.project",
    "ftcurate.cliparts.export",
    "ftcurate.cliparts.train",
    "ftcurate.cliparts.package",
    "ftcurate.cliparts.curation",
    "ftcurate.cliparts.report",
    "ftcurate.cliparts.review",
    "ftcurate.cliparts.review_edits",
    "ftcurate.cliparts.redact",
    "ftcurate.cliparts.demo",
    "ftcurate.cliparts.labels",
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


class UsageParser(argparse.ArgumentParser):
    """argparse, but bad usage exits 1 (a problem the user can fix), keeping 2 for internal errors."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog="ftcurate", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"ftcurate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in CLIPART_MODULES:
        importlib.import_module(name).register(sub)
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
            rc = int(args.func(args, out) or 0)
            if argv is None and getattr(args, "exit_now", False):  # a process of its own: skip seconds of
                sys.stdout.flush()                                  # unloading torch after a cancel
                sys.stderr.flush()
                os._exit(rc)
            return rc
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
    except ImportError as exc:  # an optional part that is not installed is the user's to add, not a bug
        from ftcurate.core.extras import from_import_error

        missing = from_import_error(exc, feature=f"`ftcurate {args.command}`")
        if missing is None:
            return _internal(exc)
        sys.stderr.write(f"ftcurate: error: {missing}\n")
        return 1
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            return _internal(exc)
        sys.stderr.write(f"ftcurate: error: {getattr(args, 'project', '')}: {ProjectBusyError.MESSAGE}\n")
        return 1
    except OSError as exc:
        if not _names_user_path(exc.filename, args):  # not about a file the user named: a bug
            return _internal(exc)
        sys.stderr.write(f"ftcurate: error: {exc.filename}: {exc.strerror or exc}\n")
        return 1
    except RecursionError:  # a reader that missed its own nesting limit: still the input's fault
        sys.stderr.write("ftcurate: error: the input is nested too deeply to read; nothing was changed\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - the contract: internal errors exit 2 with a trace
        return _internal(exc)


def _names_user_path(filename: Any, args: argparse.Namespace) -> bool:
    """True if `filename` is a path the user gave on the command line, inside one, or a folder above
    one (creating an export folder fails on its parent)."""
    if not isinstance(filename, str | bytes) or not filename:
        return False
    from pathlib import Path

    target = Path(os.fsdecode(filename)).resolve()
    given: list[str] = []
    for v in vars(args).values():
        given += [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)] if isinstance(v, list) else []
    for v in given:
        p = Path(v).resolve()
        if target == p or target.is_relative_to(p) or (p.is_relative_to(target) and target != Path.cwd()
                                                       and target.parent != target):
            return True
    return False


def _internal(exc: BaseException) -> int:
    traceback.print_exc()
    sys.stderr.write(f"ftcurate: internal error: {exc.__class__.__name__}: {exc}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())

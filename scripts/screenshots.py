"""Save a PNG of each main screen of the app into docs/screenshots/ (for the README and docs/guide/app.md).

Besides one PNG per screen, `path_*.png` show each step of the guided path on the demo: a new
project (import call to action), the import dialog, the review queue after the automatic checks,
privacy, the export dialog with its inline safety stop, the export finished box, Train and Compare.

The app runs on the demo project: the raw files in resources/demo/ are imported into a temporary
project and all checks are run, exactly as a person would with `ftcurate import` and `ftcurate check`.
It needs a display: without $DISPLAY the script starts Xvfb itself (Debian/Ubuntu:
`apt-get install xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0`), or pass
`--offscreen` to use Qt's offscreen platform instead.

    python scripts/screenshots.py [--out docs/screenshots] [--offscreen] [--keep PROJECT]
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
DEMO_FILES = ("support_log.csv", "faq.html", "catalog.csv")
SIZE = (1440, 900)


def start_display(offscreen: bool) -> None:
    """Use $DISPLAY, or start Xvfb on a free display (stopped at exit), or Qt offscreen."""
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    if os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        sys.exit("Xvfb is not installed (apt-get install xvfb), or run with --offscreen")
    for n in range(90, 120):
        if not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1920x1200x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.1)
    os.environ["DISPLAY"] = f":{n}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"


def build_demo(path: Path) -> Path:
    """Import the demo files into a new project at `path` and run every check."""
    from ftcurate.core.checks.runner import run_checks
    from ftcurate.core.errors import UserError
    from ftcurate.core.importing import import_file
    from ftcurate.core.progress import Progress
    from ftcurate.core.store import Project

    with Project.create(path) as project:
        for name in DEMO_FILES:
            try:
                report = import_file(project, DEMO / name)
                print(f"imported {report.examples:4d} examples from {name} ({report.summary})")
            except (UserError, OSError) as exc:
                print(f"skipped {name}: {exc}")
        if project.count_examples() == 0:
            print("no demo files could be imported; using a small built-in project")
            project.add_examples(_fallback_examples())
        for outcome in run_checks(project, progress=Progress()):
            state = f"{outcome.flags} flags" if outcome.ok else f"FAILED: {outcome.error}"
            print(f"check {outcome.name:16s} {outcome.seconds:6.1f}s  {state}")
    return path


def _fallback_examples():
    from ftcurate.core.records import Example, pair_to_messages

    rows = [("Where is my order 1042?", "Your order left our warehouse today and arrives in 2 days.", "shipping"),
            ("Where is my order 1043?", "Your order left our warehouse today and arrives in 2 days.", "shipping"),
            ("Can I return boots?", "Yes, unused items can be returned within 30 days.", "returns"),
            ("Can I return boots?", "Returns are accepted within 14 days.", "returns"),
            ("Hi, I'm Tom Okafor, call me on +44 20 7946 0149", "Thanks Tom, we'll call you today.", "account"),
            ("Is the tent waterproof?", "lol yeah totally!!! 😎", "product_info")]
    return [Example(pair_to_messages(q, a), label=lab) for q, a, lab in rows]


def wait(app, window, seconds: float = 60.0) -> None:
    """Let background work finish (loading, filtering, health data) and repaint."""
    from ftcurate.gui.app import settle

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        settle(window, 5.0)
        if not any(t.is_running() for t in window.controller.tasks):
            break
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def open_import_dialog(app, window, paths: list[Path]):
    """The import dialog on `paths`, shown once it has inspected them."""
    from ftcurate.gui.import_dialog import ImportDialog

    dlg = ImportDialog(window.controller, window, paths=paths)
    dlg.show()
    deadline = time.monotonic() + 30
    while dlg.is_busy() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    wait(app, window, 5)
    return dlg


def save(widget, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    if not widget.grab().save(str(path), "PNG"):
        raise SystemExit(f"could not write {path}")
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def most_flagged(controller, check: str, skip: int | None = None) -> int | None:
    """The example with the most `check` flags (not `skip`), to show many highlights at once."""
    flags = controller.flags()
    sel = flags.filter((flags["check"] == check) & (flags["example_id"] != (skip if skip is not None else -1)))
    if not sel.height:
        return None
    counts = sel.group_by("example_id").len().sort(["len", "example_id"], descending=[True, False])
    return int(counts["example_id"][0])


def shoot(project_path: Path, out: Path) -> None:
    from ftcurate.gui.app import make_app
    from ftcurate.gui.main_window import MainWindow

    app = make_app()
    window = MainWindow(persist_settings=False)
    window.resize(*SIZE)
    window.controller.open_project(project_path)
    window.show()
    wait(app, window)
    controller = window.controller

    window.select_row(0)
    wait(app, window)
    save(window, out, "review")

    pii = most_flagged(controller, "pii", skip=int(controller.frame()["id"][0]))
    if pii is not None:
        window.open_example(pii)
        wait(app, window)
        save(window, out, "detail_pii")
    else:
        print("no PII flag in the demo project: detail_pii.png not taken")

    for key in ("duplicates", "conflicts", "health", "train"):
        if key not in window.panels:
            print(f"the window has no {key} screen")
            continue
        if key == "health":
            window.resize(SIZE[0], 1500)  # the whole report, not only its first screen
        panel = window.show_panel(key)
        wait(app, window, 120 if key == "health" else 30)
        if key == "duplicates" and hasattr(panel, "clusters"):
            # a near-duplicate cluster shows the word-level differences; exact copies fold into one card
            near = next((c for c in panel.clusters() if c.check == "near_duplicate"), None)
            if near is not None:
                panel.select_cluster(near.key)
                wait(app, window, 5)
        save(window, out, key)
        window.resize(*SIZE)
    window.show_panel("review")

    dlg = open_import_dialog(app, window, [DEMO / "support_log.csv"])
    save(dlg, out, "import_dialog")
    dlg.reject()

    from ftcurate.gui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(controller, window)
    dlg.show()
    dlg.tabs.setCurrentIndex(2)
    wait(app, window, 5)
    save(dlg, out, "settings_dialog")
    dlg.reject()

    try:
        from ftcurate.gui.export_dialog import ExportDialog
    except ImportError as exc:
        print(f"no export dialog: {exc}")
    else:
        dlg = ExportDialog(controller, window)
        dlg.show()
        wait(app, window, 10)
        save(dlg, out, "export_dialog")
        dlg.reject()
    shoot_path(app, window, out)
    controller.close_project()
    window.close()


def shoot_path(app, window, out: Path) -> None:
    """The guided path, step by step, on the open demo project (written into a copy of it)."""
    from PySide6.QtWidgets import QMessageBox

    from ftcurate.core.pii.redact import redaction_command

    controller = window.controller
    window.guide.refresh()
    window.guided_step("review")
    wait(app, window, 10)
    save(window, out, "path_3_review_queue")
    window.guided_step("privacy")
    wait(app, window, 10)
    pii = most_flagged(controller, "pii")
    if pii is not None:
        window.open_example(pii)
        wait(app, window, 5)
    save(window, out, "path_4_privacy")
    export_dir = Path(tempfile.mkdtemp(prefix="ftcurate-shots-export-"))
    dlg = window.export()
    dlg.outdir_edit.setText(str(export_dir))
    dlg.refresh_preview()
    wait(app, window, 5)
    save(dlg, out, "path_5_export_stopped")
    dlg.reject()
    # a reviewer redacts what is left, then exports
    flags = controller.flags()
    open_pii = flags.filter((flags["check"] == "pii") & (flags["state"] == "open"))["id"].to_list()
    if open_pii:
        controller.apply(redaction_command(controller.project, open_pii, "placeholder"))
        wait(app, window, 10)
    window.show_panel("train")
    wait(app, window, 10)
    save(window, out, "path_6_train_no_export")
    handle = window.start_export({"outdir": str(export_dir), "format": "openai", "test_fraction": 0.1, "seed": 0})
    handle.wait(300_000)
    wait(app, window, 10)
    box = getattr(window, "export_box", None)
    if isinstance(box, QMessageBox):
        save(box, out, "path_7_export_done")
        box.close()
    window.show_panel("train")
    wait(app, window, 10)
    save(window, out, "path_8_train")
    window.show_panel("compare")
    wait(app, window, 5)
    save(window, out, "path_9_compare_empty")
    window.show_panel("review")


def shoot_new_project(out: Path) -> None:
    """Step 1 of the path: a new, empty project and the import dialog with a demo file."""
    from ftcurate.gui.app import make_app
    from ftcurate.gui.main_window import MainWindow

    app = make_app()
    window = MainWindow(persist_settings=False)
    window.resize(*SIZE)
    window.show()
    with tempfile.TemporaryDirectory(prefix="ftcurate-shots-new-") as tmp:
        window.controller.new_project(Path(tmp) / "my-shop.ftcurate")
        window.guide.refresh()
        wait(app, window, 5)
        save(window, out, "path_1_new_project")
        dlg = open_import_dialog(app, window, [DEMO / f for f in DEMO_FILES])
        save(dlg, out, "path_2_import")
        dlg.reject()
        window.controller.close_project()
    window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--offscreen", action="store_true", help="Qt offscreen platform instead of Xvfb")
    parser.add_argument("--keep", type=Path, metavar="PROJECT", help="also save the demo project here")
    args = parser.parse_args(argv)
    start_display(args.offscreen)
    os.environ.setdefault("FTCURATE_CONFIG_DIR", tempfile.mkdtemp(prefix="ftcurate-shots-config-"))
    sys.path.insert(0, str(ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ftcurate-shots-") as tmp:
        project = build_demo(Path(tmp) / "demo.ftcurate")
        if args.keep:
            shutil.copyfile(project, args.keep)
        shoot_new_project(args.out)
        shoot(project, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""An export is one set of files: a kill mid-export leaves the old set or the new one, never a mix;
and the dataset card renders project text inert (issue 11)."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from export_fixtures import make_project

from ftcurate.core.export import export_project
from ftcurate.core.records import Example, pair_to_messages

ROOT = Path(__file__).resolve().parents[3]

CHILD = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    import ftcurate.core.export.exporter as exporter
    from ftcurate.core.export import export_project
    from ftcurate.core.store import Project

    project_path, outdir, phase, marker = sys.argv[1:5]

    def pause():
        Path(marker).write_text("here")
        time.sleep(120)

    real_jsonl, real_text, real_swap = exporter.write_jsonl, exporter.write_text, exporter.swap_in

    def jsonl(path, chunks):  # pause with half of train written
        if phase == "data" and path.name == "train.jsonl":
            with open(path, "w") as fh:
                fh.write("{}\\n")
            pause()
        return real_jsonl(path, chunks)

    def text(path, body):
        if phase == "card" and path.name == "README.md":
            pause()
        return real_text(path, body)

    def swap(new, out):
        if phase == "before-swap":
            pause()
        real_swap(new, out)
        if phase == "after-swap":
            pause()

    exporter.write_jsonl, exporter.write_text, exporter.swap_in = jsonl, text, swap
    with Project.open(project_path) as project:
        export_project(project, outdir, seed=2, val_fraction=0.1)
''')


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _card_matches_files(folder: Path) -> None:
    card = (folder / "README.md").read_text()
    rows = re.findall(r"^\| (\S+) \| (\w+) \| \d+ \| ([0-9a-f]{64}) \|$", card, flags=re.M)
    assert rows
    for name, _split, digest in rows:
        assert hashlib.sha256((folder / name.replace("\\", "")).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("phase,expect", [("data", "old"), ("card", "old"), ("before-swap", "old"),
                                          ("after-swap", "new")])
def test_sigkill_mid_export_leaves_one_whole_set(tmp_path, phase, expect):
    project, _ = make_project(tmp_path / "p.ftcurate")
    out = tmp_path / "out"
    export_project(project, out, seed=1, test_fraction=0.3)  # the old set: other seed, no validation file
    export_project(project, tmp_path / "reference", seed=2, val_fraction=0.1)  # what the new set is
    project.close()
    old, new = _digests(out), _digests(tmp_path / "reference")
    assert old != new
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "p.ftcurate"), str(out), phase,
                              str(marker)], env=env, stderr=subprocess.PIPE)
    try:
        for _ in range(1200):
            if marker.exists() or child.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), child.stderr.read().decode() if child.poll() is not None else "child never paused"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert _digests(out) == (old if expect == "old" else new)
    _card_matches_files(out)
    # the next export tidies what the killed one left beside the folder and succeeds
    from ftcurate.core.store import Project

    with Project.open(tmp_path / "p.ftcurate") as project:
        export_project(project, out, seed=2, val_fraction=0.1)
    assert _digests(out) == new
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


HOSTILE_LABEL = "<script>alert('label')</script>"
HOSTILE_SOURCE = "<img src=x onerror=alert(1)>.jsonl"
HOSTILE_PROMPT = "Be kind. [click me](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a>\n```\n<script>x()</script>"


def test_card_renders_project_text_inert(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    project, _ = make_project(tmp_path / "[home](javascript:alert(3)).ftcurate")
    project.add_examples([Example(messages=pair_to_messages(f"Question {i}?", f"Answer {i}."), label=HOSTILE_LABEL)
                          for i in range(4)],
                         source=dict(name=HOSTILE_SOURCE, path="/x.jsonl", content_hash="ab", size=1,
                                     importer="pairs_jsonl", kind="<b onmouseover=alert(4)>pairs</b>", options={},
                                     detection={}))
    export_project(project, tmp_path / "o", system_prompt=HOSTILE_PROMPT, caps={HOSTILE_LABEL: 3})
    project.close()
    card = (tmp_path / "o" / "README.md").read_text()
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(card)
    parser = _Tags()
    parser.feed(html)
    tags = {t for t, _ in parser.tags}
    assert "script" not in tags and "img" not in tags and "b" not in tags
    for tag, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert not str(attrs.get("href", "")).lower().startswith("javascript:"), (tag, attrs)
    # the text is still there for a reader, shown literally
    assert "&lt;script&gt;alert(" in html and "onerror=alert(1)" in html and "javascript:alert(1)" in html


def test_exporting_into_the_working_folder_is_refused_clearly(tmp_path, monkeypatch):
    from ftcurate.core.errors import UserError

    project, _ = make_project(tmp_path / "p.ftcurate")
    out = tmp_path / "out"
    export_project(project, out)
    monkeypatch.chdir(out)
    with pytest.raises(UserError, match="folder you are working in"):
        export_project(project, ".")
    assert (out / "train.jsonl").is_file()
    project.close()

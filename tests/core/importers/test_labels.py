"""The project label map: suggestions, merge/rename through the history, later imports, the CLI."""

from __future__ import annotations

import json

import pytest

from ftcurate.cli import main
from ftcurate.core.errors import UserError
from ftcurate.core.labels import (
    label_counts,
    label_key,
    merge_command,
    project_label_map,
    safe_merges,
    suggest_merges,
)
from ftcurate.core.records import Example
from ftcurate.core.store import Project


def _ex(q: str, label: str | None) -> Example:
    return Example(messages=[{"role": "user", "content": q}, {"role": "assistant", "content": "ok " + q}],
                   label=label)


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p.ftcurate")
    labels = ["returns"] * 5 + ["Returns"] * 2 + ["shipping"] * 6 + ["Orders & shipping"] * 3 + \
             ["Account"] * 2 + ["account"] * 3 + ["orders and Shipping"] + [None]
    p.add_examples([_ex(f"q{i}", lab) for i, lab in enumerate(labels)])
    yield p
    p.close()


def test_label_key_ignores_case_punctuation_ampersand_and_plural():
    assert label_key("Orders & Shipping") == label_key("orders and shipping") == "order and shipping"
    assert label_key("Returns") == label_key("return") == label_key("RETURNS!")
    assert label_key("shipping") != label_key("Orders & shipping")
    assert label_key("address") == "address"  # "ss" is not a plural


def test_suggestions_same_vs_related(project):
    sugg = suggest_merges(label_counts(project))
    same = {s.target: sorted(s.sources) for s in sugg if s.kind == "same"}
    assert same == {"returns": ["Returns"], "account": ["Account"], "Orders & shipping": ["orders and Shipping"]}
    related = [(s.target, s.sources) for s in sugg if s.kind == "related"]
    assert ("shipping", ["Orders & shipping"]) in related  # suggested, never in the safe merges
    assert safe_merges(project) == {"Returns": "returns", "Account": "account",
                                    "orders and Shipping": "Orders & shipping"}


def test_merge_undo_redo_and_later_imports(project, tmp_path):
    before = dict(label_counts(project))
    cmd = merge_command(project, {"Returns": "returns", "Orders & shipping": "shipping"})
    project.apply(cmd)
    after = dict(label_counts(project))
    assert after["returns"] == 7 and "Returns" not in after and after["shipping"] == 9
    assert project_label_map(project) == {"Returns": "returns", "Orders & shipping": "shipping"}
    # a file imported later gets the mapped labels
    src = tmp_path / "more.csv"
    src.write_text("question,answer,category\nHow do I send it back?,Use the return form.,Returns\n",
                   encoding="utf-8")
    from ftcurate.core.importing import import_file

    import_file(project, src)
    assert dict(label_counts(project))["returns"] == 8
    project.undo()  # the import is not an edit: undo takes back the merge
    undone = dict(label_counts(project))
    assert undone["Returns"] == before["Returns"] and undone["Orders & shipping"] == before["Orders & shipping"]
    assert project_label_map(project) == {}
    project.redo()
    assert "Returns" not in dict(label_counts(project))
    assert project_label_map(project)["Returns"] == "returns"


def test_chained_map_and_errors(project):
    project.apply(merge_command(project, {"Returns": "returns"}))
    project.apply(merge_command(project, {"returns": "Returns & refunds"}, rename=True))
    assert project_label_map(project) == {"Returns": "Returns & refunds", "returns": "Returns & refunds"}
    with pytest.raises(UserError, match="did you mean"):
        merge_command(project, {"ACCOUNTS": "account"})
    with pytest.raises(UserError, match="already a label"):
        merge_command(project, {"Account": "account"}, rename=True)


def test_cli_labels(project, capsys):
    path = str(project.path)
    project.close()
    assert main(["labels", path, "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {"label": "returns", "examples": 5} in lines
    assert any(x.get("suggestion", {}).get("target") == "returns" for x in lines)
    assert main(["labels", path, "--apply-suggestions", "--rename", "shipping=delivery"]) == 0
    out = capsys.readouterr().out
    assert "Returns" not in [ln.split(None, 1)[1] for ln in out.splitlines() if ln[:7].strip().isdigit()]
    assert "delivery" in out
    assert main(["labels", path, "--merge", "nope=returns"]) == 1
    assert "no example has the label 'nope'" in capsys.readouterr().err
    assert main(["undo", path]) == 0
    with Project.open(path) as p:
        assert "shipping" in dict(label_counts(p))


def test_demo_ends_without_duplicate_labels(tmp_path):
    from ftcurate.cli import Output
    from ftcurate.cliparts.demo import _merge_demo_labels, demo_files
    from ftcurate.core.importing import import_file

    with Project.create(tmp_path / "demo.ftcurate") as p:
        for f in demo_files():
            import_file(p, f)
        before = dict(label_counts(p))
        assert "Orders & shipping" in before  # the FAQ's sections meet the support log's intents...
        _merge_demo_labels(p, Output(json_mode=True, quiet=True))
        after = dict(label_counts(p))
        keys = [label_key(x) for x in after]
        assert len(keys) == len(set(keys))  # ...and no two labels differ only in case or punctuation
        assert "Orders & shipping" not in after and after["shipping"] == before["shipping"] + before["Orders & shipping"]
        assert not [s for s in suggest_merges(label_counts(p)) if s.kind == "same"]
        p.undo()
        assert "Orders & shipping" in dict(label_counts(p))

"""`ftcurate export` and `ftcurate validate` through the real CLI entry point."""

from __future__ import annotations

import json

from export_fixtures import make_project

from ftcurate.cli import main


def test_export_then_validate(tmp_path, capsys):
    project, _ = make_project(tmp_path / "shop.ftcurate")
    project.close()
    out = tmp_path / "out"
    rc = main(["export", str(tmp_path / "shop.ftcurate"), str(out), "--format", "sharegpt", "--test-fraction",
               "0.2", "--val-fraction", "0.1", "--seed", "3", "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["format"] == "sharegpt" and report["validation"]["ok"]
    assert sorted(report["counts"]) == ["test", "train", "validation"]
    assert (out / "train.jsonl").is_file() and (out / "validation.jsonl").is_file() and (out / "test.jsonl").is_file()

    assert main(["validate", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Axolotl: ok" in text and "LLaMA-Factory: ok" in text and text.strip().endswith("OK")

    with open(out / "train.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    assert main(["validate", str(out), "--json"]) == 1
    res = json.loads(capsys.readouterr().out)
    assert not res["ok"] and res["issues"][0]["file"] == "train.jsonl"


def test_safety_stop_exit_1_then_force(tmp_path, capsys):
    project, _ = make_project(tmp_path / "p.ftcurate", pii=True)
    project.close()
    out = tmp_path / "out"
    assert main(["export", str(tmp_path / "p.ftcurate"), str(out)]) == 1
    err = capsys.readouterr().err
    assert "export stopped" in err and "EMAIL_ADDRESS" in err and "--allow-pii" in err
    assert main(["export", str(tmp_path / "p.ftcurate"), str(out), "--allow-pii"]) == 0
    assert "WARNING: --allow-pii exported 3 open high-severity PII" in capsys.readouterr().out


def test_bad_options_and_folders_are_user_errors(tmp_path, capsys):
    project, _ = make_project(tmp_path / "p.ftcurate")
    project.close()
    p = str(tmp_path / "p.ftcurate")
    assert main(["export", p, str(tmp_path / "o"), "--test-fraction", "1.5"]) == 1
    assert "between 0 and 1" in capsys.readouterr().err
    assert main(["export", p, str(tmp_path / "o"), "--caps", "billing=x"]) == 1
    assert "--caps expects" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.csv").write_text("a")
    assert main(["export", p, str(tmp_path / "full")]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["export", p, str(tmp_path / "o"), "--caps", "billing=3,shipping=2", "--include", "not-rejected",
                 "--test-count", "5"]) == 0
    assert "Exported" in capsys.readouterr().out

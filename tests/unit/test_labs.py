"""`labctl labs`: labs are found in order, each check.py runs in its own process and reports its items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.commands import labs as labs_command
from labctl.labs import catalog, checklist
from labctl.labs.checklist import Item
from labctl.labs.runner import run_check
from labctl.output import LabError

MAIN = """
if __name__ == "__main__":
    import sys
    from labctl.labs import checklist
    sys.exit(checklist.main(check))
"""
LAB_OK = 'def check():\n    return [("api answers", True, "200"), ("exercise 2", None, "not done yet")]\n' + MAIN
LAB_BROKEN = (
    "from labctl.output import LabError\n"
    "def check():\n"
    '    raise LabError("lab_not_running", "No local lab is running.", "labctl up --local")\n' + MAIN
)
LAB_SCRIPT = "import sys\nprint('1 of 2 passed')\nsys.exit(1)\n"
LAB_CRASH = "def check():\n    raise ValueError('boom')\n" + MAIN
REAL_LABS = sorted((Path(__file__).resolve().parents[2] / "labs").glob("*/check.py"))


@pytest.fixture
def labs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path / "home"))
    for name, readme, code in [
        ("00-local-lab", "# Lab 00: Local", LAB_OK),
        ("01-first", "# Lab 01: First", LAB_BROKEN),
        ("02-script", "# Lab 02: Script", LAB_SCRIPT),
        ("03-crash", "# Lab 03: Crash", LAB_CRASH),
    ]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text(readme + "\n")
        (tmp_path / name / "check.py").write_text(code)
    (tmp_path / "04-no-check").mkdir()
    (tmp_path / "not-a-lab").mkdir()
    monkeypatch.setattr(catalog, "LABS_DIR", tmp_path)
    return tmp_path


def test_labs_are_discovered_in_order_with_their_titles(labs_dir: Path) -> None:
    assert [(x.number, x.title) for x in catalog.discover()] == [
        ("00", "Local"),
        ("01", "First"),
        ("02", "Script"),
        ("03", "Crash"),
        ("04", "04-no-check"),
    ]


def test_items_lab_errors_plain_scripts_and_crashes_are_all_reported(labs_dir: Path) -> None:
    found = {x.number: x for x in catalog.discover()}
    assert run_check(found["00"]) == [("api answers", True, "200"), ("exercise 2", None, "not done yet")]
    [(name, ok, detail)] = run_check(found["01"])
    assert (name, ok) == ("can run (lab_not_running)", False)
    assert "labctl up --local" in detail
    assert run_check(found["02"]) == [("check.py passed", False, "exit 1; 1 of 2 passed")]
    assert run_check(found["03"]) == [("check.py passed", False, "exit 1; ValueError: boom")]
    assert run_check(found["04"]) == [("check.py", None, "lab 04 has no check yet")]


def test_labs_check_exits_1_on_todo_and_2_for_an_unknown_lab(labs_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(labs_command.app, ["check", "0", "--json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["passed"] is False
    assert [i["ok"] for i in out["labs"][0]["items"]] == [True, None]
    missing = runner.invoke(labs_command.app, ["check", "42", "--json"])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["code"] == "lab_not_found"


def test_labs_list_keeps_its_json_shape(labs_dir: Path) -> None:
    result = CliRunner().invoke(labs_command.app, ["list", "--json"])
    assert result.exit_code == 0
    first = json.loads(result.stdout)[0]
    assert first == {
        "number": "00",
        "title": "Local",
        "path": str(labs_dir / "00-local-lab"),
        "check": True,
        "done": False,
        "last_check": None,
    }


def test_labs_list_shows_done_only_after_a_passing_check(labs_dir: Path) -> None:
    runner = CliRunner()
    (labs_dir / "00-local-lab" / "check.py").write_text('def check():\n    return [("a", True, "ok")]\n' + MAIN)
    assert runner.invoke(labs_command.app, ["check", "00"]).exit_code == 0
    assert runner.invoke(labs_command.app, ["check", "01"]).exit_code == 1
    listed = {lab["number"]: lab for lab in json.loads(runner.invoke(labs_command.app, ["list", "--json"]).stdout)}
    assert [listed[n]["done"] for n in ("00", "01", "02")] == [True, False, False]
    assert listed["00"]["last_check"]["passed_items"] == 1
    assert listed["01"]["last_check"]["total_items"] == 1
    assert listed["02"]["last_check"] is None
    text = runner.invoke(labs_command.app, ["list"], env={"COLUMNS": "120"}).stdout.splitlines()
    assert text[0].startswith("00  done")
    assert "1/1 passed" in text[0]
    assert text[1].startswith("01  not yet")
    assert "0/1 passed" in text[1]
    assert "never checked" in text[2]
    assert text[-1].startswith("1/5 done")

    # a later failing check takes "done" back
    (labs_dir / "00-local-lab" / "check.py").write_text(LAB_OK)
    assert runner.invoke(labs_command.app, ["check", "00"]).exit_code == 1
    listed = {lab["number"]: lab for lab in json.loads(runner.invoke(labs_command.app, ["list", "--json"]).stdout)}
    assert listed["00"]["done"] is False


def test_labs_show_renders_the_readme_and_refuses_an_unknown_lab(labs_dir: Path) -> None:
    (labs_dir / "01-first" / "README.md").write_text("# Lab 01: First\n\nRun `labctl up --local`.\n")
    runner = CliRunner()
    shown = runner.invoke(labs_command.app, ["show", "1"], env={"COLUMNS": "100"})
    assert shown.exit_code == 0
    assert "Lab 01: First" in shown.stdout
    assert "labctl up --local" in shown.stdout
    assert "# Lab" not in shown.stdout  # rendered, not printed raw
    doc = json.loads(runner.invoke(labs_command.app, ["show", "01", "--json"]).stdout)
    assert doc["markdown"].startswith("# Lab 01: First")
    missing = runner.invoke(labs_command.app, ["show", "42", "--json"])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["code"] == "lab_not_found"
    (labs_dir / "02-script" / "README.md").unlink()
    assert json.loads(runner.invoke(labs_command.app, ["show", "02", "--json"]).stdout)["error"]["code"] == (
        "lab_has_no_readme"
    )


def test_the_real_labs_are_twelve_or_more_each_with_a_readme_and_a_check() -> None:
    labs = catalog.discover(catalog.LABS_DIR)
    assert len(labs) >= 12
    assert [lab.number for lab in labs] == [f"{n:02d}" for n in range(len(labs))]
    for lab in labs:
        readme = (lab.path / "README.md").read_text()
        assert lab.check_file.is_file(), lab.number
        for part in ("Why it matters in production", "Clean-up"):
            assert part in readme, f"lab {lab.number} README lacks {part!r}"


def test_a_check_run_directly_prints_its_checklist_and_exits_by_its_worst_item(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert checklist.main(lambda: [("a", True, "ok")], []) == 0
    assert checklist.main(lambda: [("a", True, "ok"), ("b", None, "later")], []) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == ["PASS a: ok", "PASS a: ok", "TODO b: later"]


def test_a_check_that_cannot_run_exits_2_with_one_item_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    def check() -> list[Item]:
        raise LabError("lab_not_running", "No local lab is running.", "Start it.")

    assert checklist.main(check, ["--json"]) == 2
    assert json.loads(capsys.readouterr().out) == {
        "items": [{"name": "can run (lab_not_running)", "ok": False, "detail": "No local lab is running. Start it."}]
    }


def test_a_checks_own_options_reach_it_as_keyword_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    assert checklist.main(lambda url=None: [("url", url == "http://x", str(url))], ["--url", "http://x"], parser) == 0


@pytest.mark.parametrize("path", REAL_LABS, ids=lambda p: p.parent.name)
def test_every_real_lab_check_ends_with_the_shared_checklist_main(path: Path) -> None:
    source = path.read_text()
    assert "def check(" in source
    assert "checklist.main(check" in source.split('if __name__ == "__main__":')[-1]

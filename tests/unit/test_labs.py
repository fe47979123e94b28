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
        ("00", "Lab 00: Local"),
        ("01", "Lab 01: First"),
        ("02", "Lab 02: Script"),
        ("03", "Lab 03: Crash"),
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
    assert first == {"number": "00", "title": "Lab 00: Local", "path": str(labs_dir / "00-local-lab"), "check": True}


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

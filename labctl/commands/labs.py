"""labctl labs: list the guided exercises and run their checks (labs/NN-topic/check.py, see labs/README.md)."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from labctl.output import EXIT_FAILURE, LabError, console, print_json, reporting

app = typer.Typer(no_args_is_help=True)
LABS_DIR = Path(__file__).resolve().parents[2] / "labs"
_LAB_DIR = re.compile(r"^(\d{2})-[a-z0-9-]+$")
SCRIPT_TIMEOUT_S = 300
Item = tuple[str, bool | None, str]


@dataclass(frozen=True)
class Lab:
    number: str
    path: Path
    title: str

    @property
    def check_file(self) -> Path:
        return self.path / "check.py"


def discover(labs_dir: Path | None = None) -> list[Lab]:
    """Every labs/NN-topic folder, in order; the title is the README's first `# ` heading."""
    found = []
    root = labs_dir or LABS_DIR
    for path in sorted(p for p in root.iterdir() if p.is_dir() and _LAB_DIR.match(p.name)):
        readme = path / "README.md"
        lines = readme.read_text().splitlines() if readme.is_file() else []
        title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), path.name)
        found.append(Lab(path.name[:2], path, title))
    return found


def _as_items(raw: Any) -> list[Item]:
    """Accept tuples or objects with name/ok/detail (a lab may use a small dataclass)."""
    items: list[Item] = []
    for r in raw:
        name, ok, detail = r if isinstance(r, tuple) else (r.name, r.ok, r.detail)
        items.append((str(name), None if ok is None else bool(ok), str(detail)))
    return items


def run_check(lab: Lab) -> list[Item]:
    """Import the lab's check.py and call check(); a check.py without one is run as a script."""
    if not lab.check_file.is_file():
        return [("check.py", None, f"lab {lab.number} has no check yet")]
    try:
        tree = ast.parse(lab.check_file.read_text())
    except SyntaxError as err:
        return [("check.py parses", False, f"SyntaxError: {err}")]
    if not any(isinstance(node, ast.FunctionDef) and node.name == "check" for node in tree.body):
        return _run_script(lab)  # no check(): never import it, a script may do its work at import time
    spec = importlib.util.spec_from_file_location(f"labctl_lab_{lab.number}_check", lab.check_file)
    if spec is None or spec.loader is None:
        return [("check.py loads", False, f"cannot import {lab.check_file}")]
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        return _as_items(module.check())
    except LabError as err:
        return [(f"can run ({err.code})", False, f"{err.message} {err.hint}".strip())]
    except Exception as err:  # noqa: BLE001 - a lab's own code may fail in any way; report it as a failed item
        return [("check ran", False, f"{type(err).__name__}: {err}")]


def _run_script(lab: Lab) -> list[Item]:
    try:
        done = subprocess.run(
            [sys.executable, str(lab.check_file)],
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
            cwd=lab.path.parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [("check.py finished", False, f"still running after {SCRIPT_TIMEOUT_S} s")]
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return [("check.py passed", done.returncode == 0, f"exit {done.returncode}; {last}".strip("; "))]


def _select(number: str | None, labs: list[Lab]) -> list[Lab]:
    if number is None:
        return labs
    chosen = [lab for lab in labs if lab.number == number.zfill(2)]
    if not chosen:
        known = ", ".join(lab.number for lab in labs)
        raise LabError("lab_not_found", f"There is no lab {number}.", f"Known labs: {known} (labctl labs list).")
    return chosen


@app.command("list")
def list_labs(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Every lab: number, title, whether it has a check."""
    with reporting(as_json=as_json):
        labs = discover()
        if as_json:
            rows = [{"number": x.number, "title": x.title, "path": str(x.path)} for x in labs]
            print_json([{**row, "check": x.check_file.is_file()} for row, x in zip(rows, labs, strict=True)])
            return
        for lab in labs:
            check = "" if lab.check_file.is_file() else " [dim](no check yet)[/]"
            console.print(f"[bold]{lab.number}[/]  {lab.title}{check}")


@app.command("check")
def check_labs(
    number: str = typer.Argument(None, help="Lab number, e.g. 00 (default: every lab)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Run the lab's check.py (or all of them); exit 0 only when every item passed."""
    with reporting(as_json=as_json):
        results = {lab.number: (lab, run_check(lab)) for lab in _select(number, discover())}
        passed = all(ok for _, items in results.values() for _, ok, _ in items)
        if as_json:
            print_json(
                {
                    "passed": passed,
                    "labs": [
                        {
                            "number": n,
                            "title": lab.title,
                            "items": [{"name": a, "ok": b, "detail": c} for a, b, c in items],
                        }
                        for n, (lab, items) in results.items()
                    ],
                }
            )
        else:
            for lab, items in results.values():
                console.print(f"[bold]{lab.title}[/]")
                for name, ok, detail in items:
                    mark = "[green]PASS[/]" if ok else "[yellow]TODO[/]" if ok is None else "[red]FAIL[/]"
                    console.print(f"  {mark} {name}: {detail}")
        if not passed:
            raise typer.Exit(EXIT_FAILURE)

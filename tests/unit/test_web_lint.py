"""The web UI is checked like the API: ESLint, and tsc type-checking its JSDoc (strict) with nothing emitted."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ESLINT = REPO / "node_modules" / ".bin" / "eslint"
TSC = REPO / "node_modules" / ".bin" / "tsc"


def _tree(tmp_path: Path) -> Path:
    """A copy of the UI and both configs, with the repo's node_modules."""
    shutil.copytree(REPO / "web", tmp_path / "web")
    for name in ("tsconfig.json", "eslint.config.mjs"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")
    return tmp_path


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_every_module_of_the_ui_is_type_checked_in_strict_mode() -> None:
    listed = _run([str(TSC), "-p", "tsconfig.json", "--listFilesOnly"], REPO).stdout.splitlines()
    checked = {Path(p).relative_to(REPO).as_posix() for p in listed if "/node_modules/" not in p}
    assert checked == {p.relative_to(REPO).as_posix() for p in (REPO / "web" / "js").rglob("*.js")}
    assert '"strict": true' in (REPO / "tsconfig.json").read_text()


def test_the_ui_passes_eslint_and_tsc() -> None:
    assert _run([str(ESLINT), "web/js"], REPO).returncode == 0
    types = _run([str(TSC), "-p", "tsconfig.json"], REPO)
    assert types.returncode == 0, types.stdout


def test_tsc_catches_a_misspelt_api_field_and_a_wrong_argument_type(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    checkout = root / "web" / "js" / "views" / "checkout.js"
    text = checkout.read_text()
    checkout.write_text(text.replace("api.show(hold.show_id, signal)", "api.show(hold.showId, signal)"))
    ui = root / "web" / "js" / "ui.js"  # movieFacts(): the rating, running time and genres of a movie
    ui.write_text(ui.read_text().replace("duration(movie.duration_minutes)", "duration(movie.title)"))
    out = _run([str(TSC), "-p", "tsconfig.json"], root).stdout
    assert "checkout.js" in out
    assert "Property 'showId' does not exist on type 'Hold'" in out
    assert "ui.js" in out
    assert "TS2345" in out


def test_eslint_catches_an_undeclared_global_and_loose_equality(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    store = root / "web" / "js" / "store.js"
    store.write_text(store.read_text() + "\nexport function leak(x) {\n  return x == undeclared;\n}\n")
    out = _run([str(ESLINT), "web/js"], root).stdout
    assert "'undeclared' is not defined" in out
    assert "eqeqeq" in out

"""What the scripted learners share: import a lab's check.py, and give each learner a fresh LABCTL_HOME."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from labctl.labs.checklist import Item, items, passed

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_check(folder: str) -> ModuleType:
    """Import labs/<folder>/check.py (its folder name is not a package name)."""
    spec = importlib.util.spec_from_file_location(f"lab_check_{folder[:2]}", REPO_ROOT / "labs" / folder / "check.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # a dataclass in the check resolves its annotations through it
    spec.loader.exec_module(module)
    return module


def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: str) -> Path:
    """A new LABCTL_HOME for one learner; returns the lab's work folder ($LABCTL_HOME/labs/NN), created."""
    monkeypatch.setenv("LABCTL_HOME", str(tmp_path))
    work = tmp_path / "labs" / number
    work.mkdir(parents=True)
    return work


def verdict(module: ModuleType, **options: object) -> tuple[bool, list[Item]]:
    """Run the lab's check(**options) as `labctl labs check` does: (passed, items)."""
    checked = items(module.check(**options))
    return passed(checked), checked


def not_done(checked: list[Item]) -> list[str]:
    """The names of the items that did not pass (for assertion messages)."""
    return [f"{i.name}: {i.detail}" for i in checked if not i.ok]

"""The local lab, started as a learner starts it: `labctl up --local --detach` in a subprocess.

Fixtures (session scope, each lab in its own LABCTL_HOME on a free port):
  lab_url             -> base URL of a lab with the default hold TTL (300 s)
  short_hold_lab_url  -> base URL of a second lab with --hold-ttl 5 (started only when a test asks for it)
  local_lab           -> the Lab handle behind lab_url (home, port, the `up` output, run(labctl args))
Both labs are stopped with `labctl down --local` at session end, asserting that no process of theirs
is left and that their ports are free.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from labctl.local.ports import free_port, port_open

REPO_ROOT = Path(__file__).resolve().parents[2]
LABCTL = str(Path(sys.executable).parent / "labctl")
START_TIMEOUT_S = 240  # generous: 2 shared cores; the lab itself reports how long it took


@dataclass
class Lab:
    home: Path
    port: int
    hold_ttl: int
    up_output: str = ""
    pids: list[int] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "LABCTL_HOME": str(self.home), "COLUMNS": "120"}

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `labctl args...` against this lab's LABCTL_HOME."""
        return subprocess.run(
            [LABCTL, *args], capture_output=True, text=True, env=self.env(), cwd=REPO_ROOT, timeout=timeout, check=False
        )

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.home / "local" / "state.json").read_text())
        return data


def start_lab(home: Path, hold_ttl: int, *, as_json: bool = False) -> Lab:
    """`labctl up --local --detach` on a free port; records every pid and port the lab owns."""
    lab = Lab(home=home, port=free_port(), hold_ttl=hold_ttl)
    args = ["up", "--local", "--detach", "--port", str(lab.port), "--hold-ttl", str(hold_ttl)]
    done = lab.run(*args, *(["--json"] if as_json else []), timeout=START_TIMEOUT_S)
    assert done.returncode == 0, f"labctl up failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    lab.up_output = done.stdout
    st = lab.state()
    lab.pids = [st["supervisor_pid"], *(s["pid"] for s in st["services"].values())]
    lab.ports = [s["port"] for s in st["services"].values() if s["port"]]
    return lab


def leftovers(lab: Lab) -> tuple[list[int], list[int]]:
    """Pids of the lab still running (zombies count as gone) and its ports still accepting connections."""
    running = []
    for pid in lab.pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.append(pid)
        except psutil.NoSuchProcess:
            pass
    return running, [p for p in lab.ports if port_open(p)]


def stop_lab(lab: Lab) -> subprocess.CompletedProcess[str]:
    """`labctl down --local`, then assert nothing of the lab is left."""
    done = lab.run("down", "--local", timeout=90)
    assert done.returncode == 0, f"labctl down failed:\n{done.stdout}\n{done.stderr}"
    assert leftovers(lab) == ([], []), f"left behind (pids, ports): {leftovers(lab)}"
    return done


def lab_fixture(name: str, home: str, hold_ttl: int) -> Callable[[pytest.TempPathFactory], Iterator[Lab]]:
    """A session fixture `name`: a lab in its own LABCTL_HOME, stopped (and checked clean) at the end."""

    @pytest.fixture(scope="session", name=name)
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
        lab = start_lab(tmp_path_factory.mktemp(home), hold_ttl=hold_ttl)
        try:
            yield lab
        finally:
            stop_lab(lab)

    return fixture


local_lab = lab_fixture("local_lab", "labctl-home", hold_ttl=300)
short_hold_lab = lab_fixture("short_hold_lab", "labctl-home-short", hold_ttl=5)


@pytest.fixture(scope="session")
def lab_url(local_lab: Lab) -> str:
    return local_lab.url


@pytest.fixture(scope="session")
def short_hold_lab_url(short_hold_lab: Lab) -> str:
    return short_hold_lab.url

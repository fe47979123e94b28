"""The pip lock files in requirements/ (`make lock`): one `name==version ; marker` per package, then its hashes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCKS = Path(__file__).resolve().parents[2] / "requirements"
LOCK_FILES = ("uv.txt", "runtime.txt", "dev.txt", "image.txt", "checkov.txt", "sslyze.txt")


@dataclass(frozen=True)
class Pin:
    name: str  # canonical (PEP 503)
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]

    def applies(self) -> bool:
        """True when this interpreter and platform install it."""
        return self.marker is None or self.marker.evaluate()


def read_lock(name: str) -> dict[str, Pin]:
    """Pins of requirements/<name> by canonical package name."""
    text = re.sub(r"\\\n", " ", (LOCKS / name).read_text())
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        spec, *hash_args = re.split(r"\s+--hash=", line)
        req = Requirement(spec)
        (clause,) = req.specifier  # exactly one clause per package, or this fails
        assert clause.operator == "==", f"{name}: {spec} is not an exact pin"
        pins[canonicalize_name(req.name)] = Pin(
            canonicalize_name(req.name), clause.version, req.marker, tuple(h.strip() for h in hash_args)
        )
    return pins


def read_inputs(name: str) -> list[Requirement]:
    """Requirements listed in requirements/<name> (a .in file: one per line, # comments)."""
    lines = (line.split("#", 1)[0].strip() for line in (LOCKS / name).read_text().splitlines())
    return [Requirement(line) for line in lines if line]

"""Where the parts of the repository are: labctl runs from its checkout (`make lab`), next to them."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = REPO_ROOT / "contracts"  # what api, labctl and infra agree on, as data

"""Lab 04's check: its exercise answers and its seeded-moto report items."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

CHECK = Path(__file__).resolve().parents[2] / "labs" / "04-slo" / "check.py"


@pytest.fixture(scope="module")
def lab() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lab04_check", CHECK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_expected_answers_are_the_hand_worked_ones(lab) -> None:
    assert lab.expected_answers() == pytest.approx(
        {
            "budget_minutes_99_95_30d": 21.6,
            "bad_allowed_99_9_of_2m": 2000,
            "burn_for_5pct_in_6h": 6.0,
            "latency_page_error_ratio": 0.72,
            "hours_to_exhaust_at_14_4": 50.0,
        }
    )


def test_missing_wrong_and_right_answers(lab, tmp_path) -> None:
    assert [r.ok for r in lab.check_answers(tmp_path / "none.yaml")] == [None]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("budget_minutes_99_95_30d: 43.2\nburn_for_5pct_in_6h: 6\n")
    assert [r.ok for r in lab.check_answers(wrong)] == [False, None, True, None, None]
    right = tmp_path / "right.yaml"
    right.write_text(
        "budget_minutes_99_95_30d: 21.6\nbad_allowed_99_9_of_2m: 2000\nburn_for_5pct_in_6h: 6\n"
        "latency_page_error_ratio: 0.72\nhours_to_exhaust_at_14_4: 50\n"
    )
    assert all(r.ok for r in lab.check(right))  # including the report on a seeded moto CloudWatch

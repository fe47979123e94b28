"""The one output path: emit() prints a typed result as text or JSON and exits with its code."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from labctl.output import EXIT_FAILURE, JsonDoc, LabError, emit, reporting


@dataclass(frozen=True)
class Counted:
    count: int

    def to_json(self) -> JsonDoc:
        return {"count": self.count}


@dataclass(frozen=True)
class Checked:
    passed: bool

    def to_json(self) -> JsonDoc:
        return {"passed": self.passed}

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else EXIT_FAILURE


def test_json_mode_prints_the_results_document_and_skips_the_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    rendered: list[Counted] = []
    emit(Counted(3), True, rendered.append)
    assert json.loads(capsys.readouterr().out) == {"count": 3}
    assert rendered == []


def test_text_mode_hands_the_result_to_the_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    rendered: list[Counted] = []
    emit(Counted(3), False, rendered.append)
    assert rendered == [Counted(3)]
    assert capsys.readouterr().out == ""


def test_a_result_that_failed_its_check_exits_1_after_printing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        emit(Checked(passed=False), True, print)
    assert exit_info.value.code == EXIT_FAILURE
    assert json.loads(capsys.readouterr().out) == {"passed": False}


def test_a_passing_graded_result_does_not_exit() -> None:
    emit(Checked(passed=True), False, lambda _r: None)


def test_a_lab_error_becomes_a_json_envelope_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info, reporting(as_json=True):
        raise LabError("lab_not_running", "No local lab is running.", "Start it with `labctl up --local`.")
    assert exit_info.value.code == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": {
            "code": "lab_not_running",
            "message": "No local lab is running.",
            "hint": "Start it with `labctl up --local`.",
        }
    }


def test_a_lab_error_in_text_mode_is_one_line_and_a_hint_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit), reporting():
        raise LabError("lab_not_running", "No local lab is running.", "Start it.")
    err = capsys.readouterr().err.splitlines()
    assert err == ["error lab_not_running: No local lab is running.", "  hint: Start it."]

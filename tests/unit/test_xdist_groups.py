"""`make test` runs two xdist workers; the groups keep each costly shared setup on one worker."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT, xdist_group

TESTS = REPO_ROOT / "tests"


def test_every_infra_test_shares_one_worker_and_one_cdk_synth() -> None:
    groups = {xdist_group(p) for p in (TESTS / "infra").glob("test_*.py")}
    assert groups == {"cdk-synth"}


def test_every_e2e_test_shares_one_worker_and_its_session_labs() -> None:
    groups = {xdist_group(p) for p in (TESTS / "e2e").glob("test_*.py")}
    assert groups == {"local-lab"}


def test_any_other_module_runs_whole_on_one_worker_for_its_module_fixtures() -> None:
    files = sorted((TESTS / "integration").glob("test_*.py")) + sorted((TESTS / "unit").glob("test_*.py"))
    groups = [xdist_group(p) for p in files]
    assert len(set(groups)) == len(files)
    assert xdist_group(TESTS / "integration" / "test_workers_load.py") == "integration/test_workers_load.py"


def test_the_scheduler_hands_out_one_work_unit_per_group(
    pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import pytest_xdist_make_scheduler  # the hook xdist calls for `-n`

    monkeypatch.setattr(pytestconfig.option, "tx", ["popen", "popen"], raising=False)
    scheduler = pytest_xdist_make_scheduler(pytestconfig, None)
    scopes = {
        nodeid: scheduler._split_scope(nodeid)
        for nodeid in (
            "tests/infra/test_config.py::test_context_strings_become_typed_values",
            "tests/infra/test_seams.py::test_the_control_stack_receives_every_other_stack_name",
            "tests/e2e/test_ui_booking.py::test_a_booking[chromium]",
            "tests/unit/test_locks.py::test_every_package_is_pinned_exactly_with_sha256_hashes[dev.txt]",
            "tests/unit/test_locks.py::test_the_locks_list_every_dependency_of_pyproject_at_an_allowed_version",
        )
    }
    assert sorted(set(scopes.values())) == ["cdk-synth", "local-lab", "unit/test_locks.py"]

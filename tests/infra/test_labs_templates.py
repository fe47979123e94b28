"""Labs 09 (IAM) and 10 (the WAF half), as scripted learners on the session's synthesized assembly.

The learner's `npx cdk synth -o ~/.labctl/labs/NN/cdk.out` is stood in for by the session's Fargate synth
(the same app, the same logical ids): a link at the path the README names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.labs import fresh_home, load_check, not_done, verdict

IAM_ANSWERS = {
    "api_task_role": "ApiTaskRole",
    "api_execution_role": "ApiExecutionRole",
    "roles_reading_origin_secret": ["ApiExecutionRole"],
    "roles_reading_signing_key": ["BookingEventsWorkerRole", "ApiExecutionRole"],
    "roles_deleting_table_items": ["ApiTaskRole"],
    "roles_deleting_the_table": [],
    "roles_deleting_stacks": ["ReaperRole"],
    "secret_env_vars": ["CONFIRMATION_SIGNING_KEY", "ORIGIN_VERIFY_SECRET"],
}
WAF_ANSWERS = {
    "waf_rules": ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "HoldCreationRateLimit"],
    "waf_default_action": "Allow",
    "rate_limit_requests": 300,
    "rate_limit_window_s": 300,
    "rate_limit_status": 429,
    "origin_header": "X-Origin-Verify",
}


def test_lab09_fails_fresh_and_passes_after_the_steps(
    synth_results: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = fresh_home(tmp_path, monkeypatch, "09")
    lab = load_check("09-iam")
    ok, checked = verdict(lab)
    assert (ok, [i.ok for i in checked]) == (False, [None])

    (work / "cdk.out").symlink_to(synth_results["fargate"].outdir)
    # the task role mistaken for the one that reads the injected secrets
    (work / "answers.json").write_text(json.dumps({**IAM_ANSWERS, "roles_reading_origin_secret": ["ApiTaskRole"]}))
    ok, checked = verdict(lab)
    assert [i.name for i in checked if not i.ok] == ["answer: roles_reading_origin_secret"]

    # the session's lab runs in eu-west-1: a custom resource reads the origin secret to hand it to the
    # us-east-1 edge stack, and the learner who reads this template finds its role too
    cross_region = ["ApiExecutionRole", "AWS679f53fac002430cb0da5b7982bd2287ServiceRole"]
    (work / "answers.json").write_text(json.dumps({**IAM_ANSWERS, "roles_reading_origin_secret": cross_region}))
    ok, checked = verdict(lab)
    assert ok, not_done(checked)
    assert len(checked) == 1 + len(IAM_ANSWERS)


def test_lab10_waf_half_fails_fresh_and_passes_after_the_steps(
    synth_results: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = fresh_home(tmp_path, monkeypatch, "10")
    lab = load_check("10-security")
    [fresh] = lab.check_waf(work / "cdk.out", work / "answers.json")
    assert fresh.ok is None

    (work / "cdk.out").symlink_to(synth_results["fargate"].outdir)
    (work / "answers.json").write_text(json.dumps({**WAF_ANSWERS, "rate_limit_requests": 100}))
    checked = lab.check_waf(work / "cdk.out", work / "answers.json")
    assert [i.name for i in checked if not i.ok] == ["answer: rate_limit_requests"]

    (work / "answers.json").write_text(json.dumps(WAF_ANSWERS))
    checked = lab.check_waf(work / "cdk.out", work / "answers.json")
    assert all(i.ok for i in checked), not_done(checked)
    assert len(checked) == 1 + len(WAF_ANSWERS)


def _crossover(lab: Any, fargate: dict[str, Any], lam: dict[str, Any]) -> int:
    """The learner's search: double --requests until Lambda costs more, then halve the gap."""
    low, high = 1, 1_000
    while lab._totals(fargate, lam, high)[1] < lab._totals(fargate, lam, high)[0]:
        low, high = high, high * 2
    while high - low > low // 50:
        mid = (low + high) // 2
        f, lm = lab._totals(fargate, lam, mid)
        low, high = (mid, high) if lm < f else (low, mid)
    return high


def test_lab05_fails_fresh_and_passes_after_the_answers(
    templates: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labctl.cost.estimate import estimate

    work = fresh_home(tmp_path, monkeypatch, "05")
    lab = load_check("05-cost")
    ok, checked = verdict(lab)  # no answers: nothing is synthesized yet
    assert (ok, [i.ok for i in checked]) == (False, [None])

    fargate, lam = templates["fargate"], templates["lambda"]
    est = {m: estimate(templates[m], region="us-east-1", ttl_hours=2.0, requests=10_000) for m in ("fargate", "lambda")}
    by_type: dict[str, float] = {}  # the estimate's fixed lines, summed per resource type
    for line in est["fargate"].lines:
        if line.kind == "fixed":
            by_type[line.resource] = by_type.get(line.resource, 0.0) + line.usd
    answers = {
        "cheapest_mode": min(est.values(), key=lambda e: e.total_usd).compute,
        "fargate_per_hour_usd": round(est["fargate"].per_hour_usd, 4),
        "biggest_fixed_item": max(by_type, key=lambda k: by_type[k]),
        "public_ipv4_per_hour_usd": 0.005,
        "nat_gateway_per_hour_usd": 0.045,
        "crossover_requests": 1_000,  # a guess before trying --requests
    }
    (work / "answers.json").write_text(json.dumps(answers))
    checked = lab.check_answers(fargate, lam, work / "answers.json")
    assert [i.name for i in checked if not i.ok] == ["answer: crossover_requests"]

    (work / "answers.json").write_text(json.dumps({**answers, "crossover_requests": _crossover(lab, fargate, lam)}))
    checked = lab.check_answers(fargate, lam, work / "answers.json")
    assert all(i.ok for i in checked), not_done(checked)
    assert len(checked) == 6


def test_lab12_dashboard_third_fails_fresh_and_passes_after_the_answers(
    synth_results: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = fresh_home(tmp_path, monkeypatch, "12")
    lab = load_check("12-observability")
    assert [i.ok for i in lab.check_dashboard(work / "cdk.out", work / "answers.json")] == [None]

    (work / "cdk.out").symlink_to(synth_results["fargate"].outdir)
    template = synth_results["fargate"].templates["ftest-observability"]
    body = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    joined = "".join(p for p in body["Properties"]["DashboardBody"]["Fn::Join"][1] if isinstance(p, str))
    titles = re.findall(r'"title":"([^"]+)"', joined)  # the README's jq + grep
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    answers = {
        "dashboard_widgets": len(titles),
        "alarms": len(alarms),
        "logs_insights_widget": "Errors by code",
    }
    (work / "answers.json").write_text(json.dumps(answers))
    checked = lab.check_dashboard(work / "cdk.out", work / "answers.json")
    assert [i.name for i in checked if not i.ok] == ["answer: logs_insights_widget"]

    answers["logs_insights_widget"] = next(t for t in titles if "Logs Insights" in t)
    (work / "answers.json").write_text(json.dumps(answers))
    checked = lab.check_dashboard(work / "cdk.out", work / "answers.json")
    assert all(i.ok for i in checked), not_done(checked)
    assert len(titles) >= 10
    assert len(alarms) >= 18

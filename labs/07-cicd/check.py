"""Lab 07 check: you read the pipeline, planned the OIDC deploy role, and broke a workflow copy that zizmor catches.

Run: labctl labs check 07   (about 1 s, offline: reads the workflows, your files in ~/.labctl/labs/07, runs zizmor)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from labctl.labs import checklist
from labctl.labs.answers import answer, lab_file, read_doc, saved
from labctl.labs.checklist import Item
from labctl.output import LabError

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def pipeline_facts() -> dict[str, object]:
    """What the questions about the pipeline expect, read from the workflow files themselves."""
    ci = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    oidc_jobs = []
    for wf in sorted(WORKFLOWS.glob("*.yml")):
        for job_id, job in (yaml.safe_load(wf.read_text()).get("jobs") or {}).items():
            if (job.get("permissions") or {}).get("id-token") == "write":
                oidc_jobs.append(f"{wf.stem}/{job_id}")
    return {"ci_jobs": list(ci["jobs"]), "oidc_jobs": oidc_jobs}


def candidates(repo: str) -> list[str]:
    """The `sub` claims of README step 3: which can assume the deploy role?"""
    return [
        f"repo:{repo}:ref:refs/heads/main",
        f"repo:{repo}:ref:refs/heads/feature-x",
        f"repo:{repo}:pull_request",
        f"repo:{repo}:environment:deploy",
        f"repo:someone-else/{repo.split('/')[-1]}:ref:refs/heads/main",
    ]


def check_plan(answers: dict[str, object]) -> list[Item]:
    """Your saved bootstrap plan, and which candidate subjects its trust policy accepts."""
    path = lab_file("07", "bootstrap.json")
    plan = read_doc(path)
    if plan is None:
        return [saved("bootstrap plan saved", path, None)]
    policy = plan.get("trust_policy")
    if not isinstance(policy, dict) or not isinstance(plan.get("repository"), str):
        return [Item("bootstrap plan saved", False, f"{path} is not `labctl cicd bootstrap --dry-run --json` output")]
    statement = policy["Statement"][0]["Condition"]["StringEquals"]
    trusted = statement["token.actions.githubusercontent.com:sub"]
    accepted = [s for s in candidates(str(plan["repository"])) if s in trusted]
    return [
        Item("bootstrap plan saved", True, f"repository {plan['repository']}, {len(trusted)} trusted subjects"),
        answer(answers, "accepted_subjects", accepted),
        answer(answers, "audience", statement["token.actions.githubusercontent.com:aud"]),
    ]


def zizmor_findings(path: Path) -> set[str]:
    """The audit names zizmor reports for one workflow file (offline audits only)."""
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        return {str(f["ident"]) for f in json.loads(done.stdout or "[]")}
    except ValueError as err:
        raise LabError("zizmor_failed", f"zizmor could not read {path}: {done.stderr.strip()[-200:]}", "") from err


def check_broken_copy(answers: dict[str, object]) -> list[Item]:
    """Your copy of deploy.yml, broken on purpose: zizmor must report something the original does not."""
    copy = lab_file("07", "deploy.yml")
    if not copy.is_file():
        return [Item("a broken workflow copy that zizmor catches", None, f"not done yet: step 4 writes {copy}")]
    new = zizmor_findings(copy) - zizmor_findings(WORKFLOWS / "deploy.yml")
    return [
        Item("a broken workflow copy that zizmor catches", bool(new), f"new findings: {sorted(new) or 'none'}"),
        Item(
            "answer: zizmor_finding",
            answers.get("zizmor_finding") in new if new else False,
            f"you: {answers.get('zizmor_finding')!r}",
        ),
    ]


def check() -> list[Item]:
    """The pipeline answers, the OIDC plan exercise, and the broken-copy exercise."""
    path = lab_file("07", "answers.json")
    answers = read_doc(path)
    if answers is None:
        return [Item("answers written", None, f"not done yet: write {path} (README, step 5)")]
    facts = pipeline_facts()
    items = [answer(answers, key, want) for key, want in facts.items()]
    return items + check_plan(answers) + check_broken_copy(answers)


if __name__ == "__main__":
    sys.exit(checklist.main(check))

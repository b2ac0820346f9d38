"""DynamoDB tables: which key encrypts them and point-in-time recovery, as the live scan shows
them once the plan is applied (see govkit/sources/aws/normalize/dynamodb.py).

``server_side_encryption`` picks the key: absent or ``enabled = false`` is DynamoDB's AWS
owned key (DescribeTable then shows no SSEDescription: SSEType AWS_OWNED); ``enabled = true``
without ``kms_key_arn`` is the AWS managed key ``aws/dynamodb``; with one, that key.
"""

from __future__ import annotations

from collections.abc import Iterator

from govkit.sources.terraform.aws.rds import after_apply, configured
from govkit.sources.terraform.context import PlanContext, Unknown
from govkit.sources.terraform.keys import resolve_key
from govkit.sources.terraform.plan import PlannedResource
from govkit.inventory.model import CallFailure, Resource, ResourceBuilder

TABLE = "aws_dynamodb_table"
SSE = ("server_side_encryption", 0)
MANAGED_KEY = "alias/aws/dynamodb"


def table(ctx: PlanContext, resource: PlannedResource) -> Iterator[Resource]:
    builder = ctx.builder(resource, "aws.dynamodb.table", ctx.value(resource, "name"))
    _encryption(ctx, builder, resource)
    recovery = ctx.value(resource, "point_in_time_recovery", 0, "enabled",
                         what="point-in-time recovery")
    if isinstance(recovery, Unknown):
        builder.fail("PointInTimeRecovery", recovery.failure)
    else:  # no block, or enabled = false: DescribeContinuousBackups says DISABLED
        builder.set("PointInTimeRecovery", "ENABLED" if recovery is True else "DISABLED",
                    ctx.ref(resource, "point_in_time_recovery"))
    ctx.put(builder, "DeletionProtectionEnabled", resource, ("deletion_protection_enabled",),
            lambda v: bool(v))
    # a table is CREATING until AWS has made it, then ACTIVE: not a planned value
    builder.fail("TableStatus", after_apply(ctx, resource, "the table's status"))
    yield builder.build()


def _encryption(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource) -> None:
    """SSEType, KmsKeyArn and KmsKeyManager, as DescribeTable and KMS would show them."""
    enabled = ctx.value(resource, *SSE, "enabled", what="server-side encryption with KMS")
    where = ctx.ref(resource, *SSE, "enabled")
    if isinstance(enabled, Unknown):
        for key in ("SSEType", "KmsKeyArn", "KmsKeyManager"):
            builder.fail(key, enabled.failure)
        return
    if enabled is not True:
        builder.update({"SSEType": "AWS_OWNED", "KmsKeyArn": None, "KmsKeyManager": None},
                       where)
        return
    builder.set("SSEType", "KMS", where)
    key_path = (*SSE, "kms_key_arn")
    if not configured(resource, key_path):
        # no key named: DynamoDB uses the AWS managed key aws/dynamodb
        planned = ctx.value(resource, *key_path)
        shown = planned if isinstance(planned, str) and planned else MANAGED_KEY
        builder.set("KmsKeyArn", shown, where).set("KmsKeyManager", "AWS", where)
        builder.note(["KmsKeyManager"], "server_side_encryption names no kms_key_arn: the "
                                        "AWS managed key aws/dynamodb")
        return
    named = resolve_key(ctx, resource, key_path, what="the table's KMS key")
    if isinstance(named, CallFailure):
        builder.fail("KmsKeyArn", named).fail("KmsKeyManager", named)
        return
    builder.set("KmsKeyArn", named.shown, named.refs)
    builder.set("KmsKeyManager", named.manager, named.refs)


NORMALIZERS = {TABLE: table}
CONSUMED: frozenset[str] = frozenset()

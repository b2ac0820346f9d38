"""Which KMS key an attribute names, and who manages it, read from a plan.

The live scan asks KMS (``DescribeKey``: ``KeyManager`` CUSTOMER or AWS). In a plan, a key
created by the same plan (``aws_kms_key``, ``aws_kms_replica_key``, or an ``aws_kms_alias`` to
one) is customer managed even while its ARN is unknown; a ``data.aws_kms_key`` read during the
plan says its ``key_manager``; an ``alias/aws/...`` name is an AWS managed key. Any other key
is decided outside the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from govkit.sources.terraform.context import PlanContext, Unknown
from govkit.sources.terraform.plan import AttrPath, PlannedResource
from govkit.inventory.model import CallFailure, Ref, ResourceBuilder

KEY_TYPES = ("aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key",
             "aws_kms_replica_external_key")
ALIAS = "aws_kms_alias"


@dataclass(frozen=True)
class Key:
    """The key an attribute names: how to show it, who manages it, and where that was read.
    ``shown`` is None and ``manager`` None when the attribute names no key."""

    shown: str | None
    manager: str | None  # "CUSTOMER", "AWS", or None when no key is named
    refs: tuple[Ref, ...]


def resolve_key(ctx: PlanContext, resource: PlannedResource, path: AttrPath,
                what: str = "the KMS key") -> Key | CallFailure:
    """The key ``resource`` names at ``path``; the failure when it cannot be told."""
    value = ctx.value(resource, *path, what=what)
    here = ctx.ref(resource, *path) if not isinstance(value, Unknown) else \
        ctx.unknown_ref(resource, *path)
    created = ctx.targets(resource, path, KEY_TYPES)
    if not created:
        for alias in ctx.targets(resource, path, (ALIAS,)):
            created = ctx.targets(alias, "target_key_id", KEY_TYPES, key="key_id")
            if created:
                break
    if created:
        key = created[0]
        shown = value if isinstance(value, str) and value else f"{key.address}.arn"
        return Key(shown, "CUSTOMER", (here, ctx.ref(key)))
    for reference in ctx.references(resource, path):
        data = ctx.data_source(reference, resource.module_address)
        if data is not None and data.type == "aws_kms_key":
            manager = data.values.get("key_manager")
            if isinstance(manager, str) and manager:
                shown = value if isinstance(value, str) and value else data.address
                return Key(shown, manager, (here, ctx.ref(data, "key_manager")))
    if isinstance(value, Unknown):
        return value.failure
    if value is None or value == "":
        return Key(None, None, (here,))
    text = str(value)
    if text.startswith("alias/aws/") or ":alias/aws/" in text:
        return Key(text, "AWS", (here,))
    for key in ctx.of_type(*KEY_TYPES):
        if text in (key.values.get("arn"), key.values.get("key_id"), key.values.get("id")):
            return Key(text, "CUSTOMER", (here, ctx.ref(key)))
    return ctx.not_in_plan(resource, f"{what} {text} is not created by this plan, so whether "
                                     "AWS or the customer manages it is not in the plan")


def put_key_arn(ctx: PlanContext, builder: ResourceBuilder, key: str,
                resource: PlannedResource, attribute: str, what: str) -> None:
    """Set ``key`` to the key ARN ``attribute`` names, as the API would show it (None for no
    key), or, for a key the plan creates whose ARN is known only after apply, to how the
    plan names it."""
    value = ctx.value(resource, attribute, what=what)
    if not isinstance(value, Unknown):
        builder.set(key, value or None, ctx.ref(resource, attribute)
                    if attribute in resource.values else ctx.ref(resource))
        return
    found = resolve_key(ctx, resource, (attribute,), what)
    if isinstance(found, CallFailure):
        builder.fail(key, found)
    else:
        builder.set(key, found.shown, found.refs)

"""KMS keys from a plan: ``aws_kms_key`` and its relatives, with the aliases the plan points
at them, as the ``aws.kms.key`` the scan builds from ``DescribeKey``, ``GetKeyRotationStatus``
and ``ListAliases``.

Every key a plan holds is one Terraform manages, so it is customer managed (``KeyManager``
CUSTOMER). A key the plan deletes is not in the plan's resources at all, and a key Terraform
keeps is never scheduled for deletion (``terraform destroy`` is what schedules it): its
``KeyState`` is Enabled or Disabled and its ``DeletionDate`` None. Key material, spec and
usage are fixed at creation, so the arguments of a new key are what ``DescribeKey`` shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govkit.sources.terraform.context import UNKNOWN_AFTER_APPLY, PlanContext, Unknown
from govkit.sources.terraform.plan import PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder

KEY = "aws_kms_key"
REPLICA = "aws_kms_replica_key"
EXTERNAL = "aws_kms_external_key"
REPLICA_EXTERNAL = "aws_kms_replica_external_key"
ALIAS = "aws_kms_alias"

SYMMETRIC = "SYMMETRIC_DEFAULT"
# KMS's default rotation period for a key whose rotation is enabled without one
DEFAULT_ROTATION_DAYS = 365


def normalize_key(ctx: PlanContext, key: PlannedResource) -> Iterator[Resource]:
    """An ``aws.kms.key`` from any of the four key resources."""
    key_id = ctx.value(key, "key_id")
    builder = ctx.builder(key, "aws.kms.key", key_id if isinstance(key_id, str) else None)
    creating = "create" in key.actions
    primary = _primary(ctx, key)
    builder.set("KeyManager", "CUSTOMER", ctx.ref(key))  # Terraform creates customer keys
    _state(ctx, key, builder)
    _described(ctx, key, builder, creating, primary)
    _rotation(ctx, key, builder, creating, primary)
    builder.set("DeletionDate", None, ctx.ref(key))
    _created(ctx, key, builder, creating)
    _aliases(ctx, key, builder)
    yield builder.build()


def _primary(ctx: PlanContext, key: PlannedResource) -> PlannedResource | None:
    """The primary key of a replica when the plan holds it: multi-Region keys share their
    spec, usage and rotation with it."""
    if key.type not in (REPLICA, REPLICA_EXTERNAL):
        return None
    found = ctx.targets(key, "primary_key_arn", (KEY, EXTERNAL), key="arn")
    return found[0] if found else None


def _state(ctx: PlanContext, key: PlannedResource, builder: ResourceBuilder) -> None:
    """KeyState and Enabled: ``is_enabled`` (``enabled`` on replicas and external keys),
    true by default; an external key without key material waits for its import."""
    attribute = "is_enabled" if key.type == KEY else "enabled"
    enabled = ctx.value(key, attribute, what="whether the key is enabled")
    if isinstance(enabled, Unknown):
        builder.fail("KeyState", enabled.failure).fail("Enabled", enabled.failure)
        return
    where = ctx.ref(key, attribute) if attribute in key.values else ctx.ref(key)
    state = "Disabled" if enabled is False else "Enabled"
    if key.type in (EXTERNAL, REPLICA_EXTERNAL):
        known = ctx.value(key, "key_state")
        if isinstance(known, str) and known:
            builder.update({"KeyState": known, "Enabled": known == "Enabled"},
                           ctx.ref(key, "key_state"))
            return
        if key.values.get("key_material_base64") is None:  # presence only: never the value
            state = "PendingImport"
    builder.update({"KeyState": state, "Enabled": state == "Enabled"}, where)


def _described(ctx: PlanContext, key: PlannedResource, builder: ResourceBuilder,
               creating: bool, primary: PlannedResource | None) -> None:
    """KeySpec, KeyUsage, Origin, MultiRegion and Description."""
    spec_attribute = "customer_master_key_spec" if key.type == KEY else "key_spec"
    _put_or(ctx, builder, "KeySpec", key, spec_attribute, creating, SYMMETRIC, primary,
            "customer_master_key_spec" if primary is not None and primary.type == KEY
            else "key_spec")
    _put_or(ctx, builder, "KeyUsage", key, "key_usage", creating, "ENCRYPT_DECRYPT", primary,
            "key_usage")
    builder.set("Origin", _origin(key), ctx.ref(key))
    if key.type in (REPLICA, REPLICA_EXTERNAL):
        builder.set("MultiRegion", True, ctx.ref(key))
    else:
        _put_or(ctx, builder, "MultiRegion", key, "multi_region", creating, False)
    _put_or(ctx, builder, "Description", key, "description", creating, "")


def _put_or(ctx: PlanContext, builder: ResourceBuilder, field: str, key: PlannedResource,
            attribute: str, creating: bool, default: Any,
            primary: PlannedResource | None = None, primary_attribute: str = "") -> None:
    """``field`` from the key's ``attribute``; when Terraform leaves it to AWS on a new key
    (optional and computed, so unknown until apply), the primary's value for a replica, else
    what KMS gives a key created without it (``default``)."""
    value = ctx.value(key, attribute, what=attribute)
    if not isinstance(value, Unknown):
        builder.set(field, default if value is None else value,
                    ctx.ref(key, attribute) if attribute in key.values else ctx.ref(key))
        return
    if primary is not None:
        shared = ctx.value(primary, primary_attribute, what=primary_attribute)
        if not isinstance(shared, Unknown):
            builder.set(field, default if shared is None else shared,
                        (ctx.ref(primary, primary_attribute) if primary_attribute
                         in primary.values else ctx.ref(primary), ctx.ref(key)))
            return
    if creating and primary is None and key.type not in (REPLICA, REPLICA_EXTERNAL):
        builder.set(field, default, ctx.ref(key))  # AWS's default for the new key
        return
    builder.fail(field, value.failure)


def _origin(key: PlannedResource) -> str:
    """Where the key material comes from: KMS, imported, or a custom key store."""
    if key.type in (EXTERNAL, REPLICA_EXTERNAL):
        return "EXTERNAL"
    if key.values.get("xks_key_id"):
        return "EXTERNAL_KEY_STORE"
    if key.values.get("custom_key_store_id"):
        return "AWS_CLOUDHSM"
    return "AWS_KMS"


def _rotation(ctx: PlanContext, key: PlannedResource, builder: ResourceBuilder,
              creating: bool, primary: PlannedResource | None) -> None:
    """RotationEnabled and RotationPeriodInDays as the scan sets them: None for a key that
    cannot rotate automatically (not symmetric, or not KMS key material)."""
    if "KeySpec" in builder.failures:
        builder.fail("RotationEnabled", builder.failures["KeySpec"])
        return
    if builder.attributes["KeySpec"] != SYMMETRIC or builder.attributes["Origin"] != "AWS_KMS":
        builder.set("RotationEnabled", None, builder.sources["KeySpec"])
        return
    found = _rotation_enabled(ctx, key, primary)
    if isinstance(found, CallFailure):
        builder.fail("RotationEnabled", found).fail("RotationPeriodInDays", found)
        return
    enabled, refs, holder = found
    builder.set("RotationEnabled", enabled, refs)
    if not enabled:
        builder.set("RotationPeriodInDays", None, refs)
        return
    period = ctx.value(holder, "rotation_period_in_days", what="the rotation period")
    if isinstance(period, int):
        builder.set("RotationPeriodInDays", period, ctx.ref(holder, "rotation_period_in_days"))
    elif creating or "create" in holder.actions:
        # KMS rotates yearly when rotation is enabled without a period
        builder.set("RotationPeriodInDays", DEFAULT_ROTATION_DAYS, refs)
    elif isinstance(period, Unknown):
        builder.fail("RotationPeriodInDays", period.failure)
    else:
        builder.set("RotationPeriodInDays", None, refs)


def _rotation_enabled(ctx: PlanContext, key: PlannedResource, primary: PlannedResource | None
                      ) -> tuple[bool, tuple[Ref, ...], PlannedResource] | CallFailure:
    """Whether rotation is on, where that was read, and the key resource that says so.
    Rotation is a shared property of multi-Region keys: a replica has its primary's."""
    if key.type == KEY:
        value = ctx.value(key, "enable_key_rotation", what="whether key rotation is enabled")
        if isinstance(value, Unknown):
            return value.failure
        return (value is True, (ctx.ref(key, "enable_key_rotation")
                                if "enable_key_rotation" in key.values else ctx.ref(key),), key)
    known = ctx.value(key, "key_rotation_enabled", what="whether key rotation is enabled")
    if isinstance(known, bool):
        return known, (ctx.ref(key, "key_rotation_enabled"),), key
    if primary is not None and primary.type == KEY:
        return _rotation_enabled(ctx, primary, None)
    if isinstance(known, Unknown) and primary is None:
        return ctx.not_in_plan(key, f"replica key {key.address} rotates as its primary key "
                                    "does, and the primary key is not in this plan")
    return known.failure if isinstance(known, Unknown) else \
        ctx.not_in_plan(key, f"whether replica key {key.address} rotates is not in the plan")


def _created(ctx: PlanContext, key: PlannedResource, builder: ResourceBuilder,
             creating: bool) -> None:
    """CreationDate: the moment of apply for a new key; no Terraform attribute holds it for
    an existing one."""
    if creating:
        builder.fail("CreationDate", CallFailure(
            call=key.address, operation="terraform:plan", code=UNKNOWN_AFTER_APPLY,
            message=f"the creation date of key {key.address} is known only after apply",
            file=ctx.file, pointer=key.pointer))
    else:
        builder.fail("CreationDate", ctx.not_in_plan(
            key, f"the creation date of key {builder.name} is in no Terraform attribute"))


def _aliases(ctx: PlanContext, key: PlannedResource, builder: ResourceBuilder) -> None:
    """The names of the plan's ``aws_kms_alias`` resources whose ``target_key_id`` points at
    the key (by reference, else by its known id or ARN)."""
    names: list[str] = []
    refs: list[Ref] = []
    for alias in ctx.linked((ALIAS,), "target_key_id", key, key="key_id"):
        name = ctx.value(alias, "name", what="the alias name")
        if isinstance(name, Unknown):
            builder.fail("Aliases", name.failure)
            return
        if isinstance(name, str) and name:
            names.append(name)
            refs.append(ctx.ref(alias, "name"))
    builder.set("Aliases", sorted(names), tuple(refs) or (ctx.ref(key),))
    if "create" not in key.actions:
        # an alias made outside this configuration is not listed; it cannot be under
        # alias/aws/ (AWS reserves those for its own keys), so no rule's scope changes
        builder.note(("Aliases",), "only the aliases this plan manages are listed")


NORMALIZERS = {KEY: normalize_key, REPLICA: normalize_key, EXTERNAL: normalize_key,
               REPLICA_EXTERNAL: normalize_key}
CONSUMED = frozenset({ALIAS})

"""EBS volumes, snapshots and the per-region encryption-by-default setting, as the live scan
shows them once the plan is applied (see govkit/sources/aws/normalize/ec2.py).

The live scan lists every volume, so an ``aws_instance``'s root and EBS block devices become
volumes here too, named ``<instance address>/root_block_device[0]`` and
``<instance address>/ebs_block_device[N]``. A volume the configuration does not ask to
encrypt is encrypted anyway when the region encrypts new volumes by default: this plan
decides that only when it manages ``aws_ebs_encryption_by_default`` itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from govkit.sources.terraform.aws.rds import (Decided, Decision, after_apply, apply, configured,
                                              put_snapshot_key)
from govkit.sources.terraform.context import PlanContext, Unknown, describe_path
from govkit.sources.terraform.keys import resolve_key
from govkit.sources.terraform.plan import AttrPath, PlannedResource
from govkit.inventory.model import CallFailure, Resource, ResourceBuilder

VOLUME, SNAPSHOT, BY_DEFAULT = "aws_ebs_volume", "aws_ebs_snapshot", \
    "aws_ebs_encryption_by_default"
INSTANCE, ATTACHMENT = "aws_instance", "aws_volume_attachment"
PERMISSION = "aws_snapshot_create_volume_permission"
BY_DEFAULT_NOTE = "encrypted by the region's EBS encryption by default, which this plan enables"
BY_DEFAULT_OFF_NOTE = "the region's EBS encryption by default, which this plan turns off"


def _region(ctx: PlanContext, resource: PlannedResource) -> str:
    return ctx.builder(resource, "").region


def by_default(ctx: PlanContext, resource: PlannedResource) -> Decided | None:
    """The region's EBS encryption by default when this plan manages it
    (``aws_ebs_encryption_by_default`` of ``resource``'s region), as the reason a volume is
    or is not encrypted; None when the plan does not manage it."""
    for setting in ctx.of_type(BY_DEFAULT):
        if not ctx.same_region(setting, resource):  # another region's setting
            continue
        enabled = ctx.value(setting, "enabled")
        if isinstance(enabled, Unknown):
            continue
        on = enabled is not False  # the provider's default: true
        return Decided(on, (ctx.ref(setting, "enabled") if enabled is not None
                            else ctx.ref(setting),),
                       BY_DEFAULT_NOTE if on else BY_DEFAULT_OFF_NOTE)
    return None


def volume_encryption(ctx: PlanContext, resource: PlannedResource, block: AttrPath,
                      inherited: str | None) -> Decision:
    """Whether a volume (``block`` is its path: () for an ``aws_ebs_volume``) is encrypted:
    as asked, else by the region's default, else decided by ``inherited`` outside the plan.
    An explicit ``encrypted = false`` stays false unless this plan turns the default on."""
    path = (*block, "encrypted")
    value = ctx.value(resource, *path, what="volume encryption")
    if value is True:
        return Decided(True, (ctx.ref(resource, *path),))
    if isinstance(value, Unknown) and configured(resource, path):
        return value.failure
    default = by_default(ctx, resource)
    if default is not None and default.value is True:
        return default
    if value is False or (value is None and "create" not in resource.actions):
        return Decided(False, (ctx.ref(resource, *path),))
    if default is not None and inherited is None:
        return default
    if "create" not in resource.actions and isinstance(value, Unknown):
        return value.failure
    region = _region(ctx, resource) or "the provider's region"
    deciders = f"{inherited} and the EBS encryption by default of {region}, neither of " \
        "which this plan manages, decide" if inherited else \
        f"the EBS encryption by default of {region}, which this plan does not manage, decides"
    where = describe_path((*block, "encrypted"))
    return ctx.not_in_plan(resource, f"{where} is not set, so {deciders} whether the volume "
                                     "is encrypted")


def _attached(ctx: PlanContext, volume: PlannedResource
              ) -> tuple[list[str], list[PlannedResource]]:
    """The instances ``aws_volume_attachment`` resources attach the volume to (their ids, or
    addresses while unknown), and those attachments."""
    instances: list[str] = []
    attachments = ctx.linked((ATTACHMENT,), "volume_id", volume, key="id")
    for attachment in attachments:
        instance_id = ctx.value(attachment, "instance_id")
        if isinstance(instance_id, str) and instance_id:
            instances.append(instance_id)
            continue
        found = ctx.targets(attachment, "instance_id", (INSTANCE,), key="id")
        instances.append(found[0].address if found else "an instance outside this plan")
    return sorted(instances), attachments


def ebs_volume(ctx: PlanContext, volume: PlannedResource) -> Iterator[Resource]:
    builder = ctx.builder(volume, "aws.ec2.volume", ctx.value(volume, "id"))
    decided = _volume_decision(ctx, volume)
    apply(builder, "Encrypted", decided)
    _key(ctx, builder, volume, (), decided)
    ctx.put(builder, "Size", volume, ("size",))
    ctx.put(builder, "VolumeType", volume, ("type",))
    instances, attachments = _attached(ctx, volume)
    refs = [ctx.ref(a, "volume_id") for a in attachments]
    builder.set("AttachedInstances", instances, refs or ctx.ref(volume))
    if attachments:
        builder.set("State", "in-use", refs)
    else:  # a new volume nothing attaches is "available"
        builder.set("State", "available", ctx.ref(volume))
    builder.fail("CreateTime", after_apply(ctx, volume, "the volume's creation time"))
    yield builder.build()


def _volume_decision(ctx: PlanContext, volume: PlannedResource) -> Decision:
    """Whether an ``aws_ebs_volume`` is encrypted, following a snapshot it is made from
    when this plan creates that snapshot."""
    snapshot = ctx.value(volume, "snapshot_id")
    source = ctx.targets(volume, "snapshot_id", (SNAPSHOT,), key="id")
    if source and ctx.value(volume, "encrypted") is not True:
        return _from_snapshot(ctx, volume, source[0])
    return volume_encryption(ctx, volume, (), f"the encryption of snapshot {snapshot}"
                             if isinstance(snapshot, str) and snapshot else None)


def _from_snapshot(ctx: PlanContext, volume: PlannedResource, snapshot: PlannedResource
                   ) -> Decision:
    """A volume made from an encrypted snapshot is encrypted; from an unencrypted one, as
    asked or by the region's default."""
    decided = snapshot_encryption(ctx, snapshot)
    if isinstance(decided, Decided) and decided.value is True:
        return Decided(True, (ctx.ref(volume, "snapshot_id"), *decided.refs))
    fallback = volume_encryption(ctx, volume, (), f"the encryption of snapshot "
                                                  f"{snapshot.address}")
    if isinstance(decided, CallFailure) and not (isinstance(fallback, Decided)
                                                 and fallback.value is True):
        return decided
    return fallback


def _key(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource,
         block: AttrPath, encrypted: Decision) -> None:
    """KmsKeyId: none for an unencrypted volume, the key the configuration names (a key the
    plan creates shown by its address while its ARN is unknown), else the key AWS picks."""
    if isinstance(encrypted, Decided) and encrypted.value is False:
        builder.set("KmsKeyId", None, encrypted.refs)
        return
    path = (*block, "kms_key_id")
    if configured(resource, path):
        key = resolve_key(ctx, resource, path, what="the KMS key of the volume")
        if isinstance(key, CallFailure):
            builder.fail("KmsKeyId", key)
        else:
            builder.set("KmsKeyId", key.shown, key.refs)
        return
    ctx.put(builder, "KmsKeyId", resource, path, what="the KMS key AWS picks for the volume")


def instance_volumes(ctx: PlanContext, instance: PlannedResource) -> Iterator[Resource]:
    """The root volume and the EBS block devices of an ``aws_instance``."""
    image = ctx.value(instance, "ami")
    image_text = f"AMI {image}" if isinstance(image, str) and image else "the AMI"
    blocks: list[tuple[AttrPath, str | None]] = [(("root_block_device", 0),
                                                  f"the root snapshot of {image_text}")]
    devices = instance.values.get("ebs_block_device")  # its known part: one per device
    for index, device in enumerate(devices if isinstance(devices, list) else []):
        snapshot = device.get("snapshot_id") if isinstance(device, dict) else None
        blocks.append((("ebs_block_device", index),
                       f"the encryption of snapshot {snapshot}" if snapshot else None))
    instance_id = ctx.value(instance, "id")
    attached = instance_id if isinstance(instance_id, str) and instance_id else \
        instance.address
    for block, inherited in blocks:
        yield _block_volume(ctx, instance, block, inherited, attached)


def _block_volume(ctx: PlanContext, instance: PlannedResource, block: AttrPath,
                  inherited: str | None, attached: str) -> Resource:
    name, index = str(block[0]), int(block[1])
    address = f"{instance.address}/{name}[{index}]"
    volume_id = ctx.value(instance, *block, "volume_id")
    base = ctx.builder(instance, "aws.ec2.volume")
    builder = ResourceBuilder(id=address, type="aws.ec2.volume", account=base.account,
                              region=base.region, name=volume_id if isinstance(
                                  volume_id, str) and volume_id else address)
    device_tags = ctx.value(instance, *block, "tags_all")
    if isinstance(device_tags, dict):
        builder.set_tags({str(k): str(v) for k, v in device_tags.items() if v is not None},
                         ctx.ref(instance, *block, "tags_all"))
    else:  # volume_tags (or no tags) label the instance's volumes
        ctx.set_tags(builder, instance)
    decided = volume_encryption(ctx, instance, block, inherited)
    apply(builder, "Encrypted", decided)
    _key(ctx, builder, instance, block, decided)
    ctx.put(builder, "Size", instance, (*block, "volume_size"))
    ctx.put(builder, "VolumeType", instance, (*block, "volume_type"))
    builder.set("AttachedInstances", [attached], ctx.ref(instance))
    builder.set("State", "in-use", ctx.ref(instance))
    builder.fail("CreateTime", after_apply(ctx, instance, f"the creation time of {address}"))
    return builder.build()


def snapshot_encryption(ctx: PlanContext, snapshot: PlannedResource) -> Decision:
    """A snapshot is encrypted exactly when its volume is."""
    value = ctx.value(snapshot, "encrypted")
    if isinstance(value, bool):
        return Decided(value, (ctx.ref(snapshot, "encrypted"),))
    volume = ctx.targets(snapshot, "volume_id", (VOLUME,), key="id")
    if not volume:
        shown = ctx.value(snapshot, "volume_id")
        refs = ctx.references(snapshot, ("volume_id",))
        name = shown if isinstance(shown, str) and shown else (refs[0] if refs else "?")
        return ctx.not_in_plan(snapshot, f"volume {name} is not created by this plan; the "
                                         "snapshot inherits its encryption")
    decided = _volume_decision(ctx, volume[0])
    if isinstance(decided, CallFailure):
        return decided
    return Decided(decided.value, (ctx.ref(snapshot, "volume_id"), *decided.refs),
                   decided.note)


def ebs_snapshot(ctx: PlanContext, snapshot: PlannedResource) -> Iterator[Resource]:
    builder = ctx.builder(snapshot, "aws.ec2.snapshot", ctx.value(snapshot, "id"))
    decided = snapshot_encryption(ctx, snapshot)
    apply(builder, "Encrypted", decided)
    put_snapshot_key(ctx, builder, snapshot, decided)
    volume_id = ctx.value(snapshot, "volume_id")
    volume = ctx.targets(snapshot, "volume_id", (VOLUME,), key="id")
    if isinstance(volume_id, str) and volume_id:
        builder.set("VolumeId", volume_id, ctx.ref(snapshot, "volume_id"))
    elif volume:
        builder.set("VolumeId", volume[0].address, (ctx.ref(snapshot), ctx.ref(volume[0])))
    elif isinstance(volume_id, Unknown):
        builder.fail("VolumeId", volume_id.failure)
    builder.fail("StartTime", after_apply(ctx, snapshot, "the snapshot's start time"))
    _permissions(ctx, builder, snapshot)
    yield builder.build()


def _permissions(ctx: PlanContext, builder: ResourceBuilder, snapshot: PlannedResource) -> None:
    """Who may create volumes from the snapshot: the accounts of the
    ``aws_snapshot_create_volume_permission`` resources for it. The provider grants each as
    a UserId, never the group "all", so a snapshot this plan shares is never public."""
    grants = ctx.linked((PERMISSION,), "snapshot_id", snapshot, key="id")
    accounts: list[str] = []
    for grant in grants:
        account = ctx.value(grant, "account_id", what="the account given create volume "
                                                      "permission")
        if isinstance(account, Unknown):
            builder.fail("SharedWithAccounts", account.failure)
            builder.set("Public", False, ctx.ref(grant))
            return
        accounts.append(str(account))
    refs = [ctx.ref(g, "account_id") for g in grants] or [ctx.ref(snapshot)]
    builder.set("Public", False, refs)
    builder.set("SharedWithAccounts", sorted(accounts), refs)


def encryption_by_default(ctx: PlanContext, setting: PlannedResource) -> Iterator[Resource]:
    """The region's setting: named ``ACCOUNT/REGION`` as the live scan names it."""
    base = ctx.builder(setting, "aws.ec2.regional_settings")
    name = "/".join(p for p in (base.account, base.region) if p) or setting.address
    builder = ctx.builder(setting, "aws.ec2.regional_settings", name)
    # enabled defaults to true in the provider: the resource exists to turn the setting on
    ctx.put(builder, "EbsEncryptionByDefault", setting, ("enabled",),
            lambda v: True if v is None else bool(v))
    yield builder.build()


NORMALIZERS = {VOLUME: ebs_volume, SNAPSHOT: ebs_snapshot, BY_DEFAULT: encryption_by_default,
               INSTANCE: instance_volumes}
CONSUMED: frozenset[str] = frozenset({ATTACHMENT, PERMISSION})

"""RDS instances, clusters and their manual snapshots, as the live scan shows them once the
plan is applied (see govkit/sources/aws/normalize/rds.py).

Storage encryption is decided at create time and never changes: by ``storage_encrypted``
when the configuration sets it, else by AWS's default for the kind of database, else (read
replicas, restores, snapshots, cluster members) by the source it is made from, which is
followed through the plan. A source this plan does not create is a fact the plan cannot give.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from govkit.sources.terraform.context import UNKNOWN_AFTER_APPLY, PlanContext, Unknown
from govkit.sources.terraform.keys import resolve_key
from govkit.sources.terraform.plan import AttrPath, PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder

INSTANCE, CLUSTER_INSTANCE, CLUSTER = "aws_db_instance", "aws_rds_cluster_instance", \
    "aws_rds_cluster"
SNAPSHOT, CLUSTER_SNAPSHOT = "aws_db_snapshot", "aws_db_cluster_snapshot"
# CreateDBInstance's documented defaults, shown by DescribeDBInstances once created
_INSTANCE_DEFAULTS: dict[str, object] = {"backup_retention_period": 1, "multi_az": False}
# CreateDBCluster's documented default backup retention
_CLUSTER_DEFAULTS: dict[str, object] = {"backup_retention_period": 1}
AURORA_DEFAULT_NOTE = ("Aurora encrypts every cluster created since 2026-02-18 with an AWS "
                       "owned key unless storage_encrypted asks otherwise")


@dataclass(frozen=True)
class Decided:
    """A value the plan decides (directly, by an AWS default, or through a source), where
    that shows, and what it relied on (a note results repeat)."""

    value: object
    refs: tuple[Ref, ...]
    note: str | None = None


Decision = Decided | CallFailure


# --------------------------------------------------------------------------- shared helpers


def configured(resource: PlannedResource, path: AttrPath) -> bool:
    """Whether the configuration writes an expression for ``path`` (a constant or one that
    refers to something); a computed attribute left out is decided by the provider or AWS."""
    config = resource.config
    if config is None:
        return True  # nothing to tell by: never assume a default
    wanted = tuple(0 if isinstance(p, int) else p for p in path)
    keys = [*config.references, *config.constants]
    return any(tuple(0 if isinstance(p, int) else p for p in key[:len(wanted)]) == wanted
               for key in keys)


def with_default(ctx: PlanContext, resource: PlannedResource, path: AttrPath,
                 default: object, what: str = "") -> Decision:
    """The planned value at ``path``; when Terraform leaves it to AWS at create time (unknown,
    not in the configuration), AWS's documented create-time default."""
    value = ctx.value(resource, *path, what=what)
    if isinstance(value, Unknown):
        if "create" in resource.actions and not configured(resource, path):
            shown = str(default).lower() if isinstance(default, bool) else default
            return Decided(default, (ctx.ref(resource),),
                           f"{path[-1]} not set: AWS's default {shown} applies")
        return value.failure
    return Decided(value, (ctx.ref(resource, *path),))


def after_apply(ctx: PlanContext, resource: PlannedResource, what: str) -> CallFailure:
    """A value AWS assigns when the object is created, which no Terraform attribute plans."""
    return CallFailure(call=resource.address, operation="terraform:plan",
                       code=UNKNOWN_AFTER_APPLY, message=f"{what} is known only after apply",
                       file=ctx.file, pointer=resource.pointer)


def put_snapshot_key(ctx: PlanContext, builder: ResourceBuilder, snapshot: PlannedResource,
                     encrypted: Decision) -> None:
    """``KmsKeyId`` of a snapshot: none when it is not encrypted, else the key planned (the
    failure when it is known only after apply)."""
    key_id = ctx.value(snapshot, "kms_key_id", what="the KMS key of the snapshot")
    if isinstance(encrypted, Decided) and encrypted.value is False:
        builder.set("KmsKeyId", None, encrypted.refs)
    elif isinstance(key_id, Unknown):
        builder.fail("KmsKeyId", key_id.failure)
    else:
        builder.set("KmsKeyId", key_id, ctx.ref(snapshot, "kms_key_id"))


def apply(builder: ResourceBuilder, key: str, decided: Decision) -> None:
    if isinstance(decided, CallFailure):
        builder.fail(key, decided)
        return
    builder.set(key, decided.value, decided.refs)
    if decided.note:
        builder.note([key], decided.note)


def _known_text(ctx: PlanContext, resource: PlannedResource, key: str) -> str | None:
    value = ctx.value(resource, key)
    return value if isinstance(value, str) and value else None


def label(ctx: PlanContext, resource: PlannedResource, key: str) -> str:
    """How a finding names the object: its AWS identifier when planned, else its address."""
    return _known_text(ctx, resource, key) or resource.address


def _first(found: list[PlannedResource]) -> PlannedResource | None:
    return found[0] if found else None


# --------------------------------------------------------------------------- encryption


def instance_encryption(ctx: PlanContext, db: PlannedResource, depth: int = 0) -> Decision:
    """Whether an ``aws_db_instance`` / ``aws_rds_cluster_instance`` stores data encrypted."""
    if db.type == CLUSTER_INSTANCE:
        cluster = _first(ctx.targets(db, "cluster_identifier", (CLUSTER,),
                                     key="cluster_identifier"))
        if cluster is None:
            return ctx.not_in_plan(db, f"cluster {_shown(ctx, db, 'cluster_identifier')} is "
                                       "not created by this plan, and an instance of a cluster "
                                       "is encrypted as its cluster is")
        return _inherited(cluster_encryption(ctx, cluster), ctx.ref(db, "cluster_identifier"))
    value = ctx.value(db, "storage_encrypted", what="storage encryption")
    if value is True and not _is_set(ctx, db, "replicate_source_db"):
        return Decided(True, (ctx.ref(db, "storage_encrypted"),))
    # a read replica is encrypted as its source is, whatever storage_encrypted says
    source = _instance_source(ctx, db, depth)
    if source is not None:
        return source
    if isinstance(value, Unknown) and configured(db, ("storage_encrypted",)):
        return value.failure
    # CreateDBInstance leaves storage unencrypted unless StorageEncrypted is true
    where = ctx.ref(db, "storage_encrypted") if value is False else ctx.ref(db)
    return Decided(False, (where,), None if value is False else
                   "storage_encrypted not set: a new instance is unencrypted by default")


def _instance_source(ctx: PlanContext, db: PlannedResource, depth: int) -> Decision | None:
    """The encryption a read replica or a restored instance takes from its source (None when
    it is neither)."""
    if depth > 8:
        return None
    for attribute, types, key, kind in (
            ("replicate_source_db", (INSTANCE,), "identifier", "read replica"),
            ("snapshot_identifier", (SNAPSHOT,), "db_snapshot_identifier",
             "instance restored from a snapshot")):
        if not _is_set(ctx, db, attribute):
            continue
        if _is_set(ctx, db, "kms_key_id"):  # a key given for the copy encrypts it
            return Decided(True, (ctx.ref(db, "kms_key_id"),))
        source = _first(ctx.targets(db, attribute, types, key=key))
        if source is None:
            return ctx.not_in_plan(db, f"{_shown(ctx, db, attribute)}, the source of this "
                                       f"{kind}, is not created by this plan; the {kind} "
                                       "inherits its storage encryption")
        decided = instance_encryption(ctx, source, depth + 1) if source.type == INSTANCE \
            else snapshot_encryption(ctx, source, depth + 1)
        return _inherited(decided, ctx.ref(db, attribute))
    if _is_set(ctx, db, "restore_to_point_in_time"):
        return ctx.not_in_plan(db, "this instance is restored to a point in time of another "
                                   "instance, whose storage encryption it inherits and which "
                                   "this plan does not show")
    return None


def cluster_encryption(ctx: PlanContext, cluster: PlannedResource) -> Decision:
    """Whether an ``aws_rds_cluster`` stores data encrypted."""
    value = ctx.value(cluster, "storage_encrypted", what="storage encryption")
    if isinstance(value, bool):
        return Decided(value, (ctx.ref(cluster, "storage_encrypted"),))
    if isinstance(value, Unknown) and configured(cluster, ("storage_encrypted",)):
        return value.failure
    if "create" not in cluster.actions:
        return value.failure if isinstance(value, Unknown) else \
            Decided(False, (ctx.ref(cluster),))
    for attribute in ("snapshot_identifier", "replication_source_identifier",
                      "restore_to_point_in_time", "global_cluster_identifier"):
        if not _is_set(ctx, cluster, attribute):
            continue
        if _is_set(ctx, cluster, "kms_key_id"):
            return Decided(True, (ctx.ref(cluster, "kms_key_id"),))
        if attribute != "global_cluster_identifier":
            return ctx.not_in_plan(cluster, f"the cluster is made from {attribute} "
                                            f"{_shown(ctx, cluster, attribute)}, whose "
                                            "encryption it inherits and which this plan does "
                                            "not show")
    engine = ctx.value(cluster, "engine")
    mode = ctx.value(cluster, "engine_mode")
    if mode == "serverless":  # Aurora Serverless v1 clusters are always encrypted
        return Decided(True, (ctx.ref(cluster, "engine_mode"),),
                       "engine_mode serverless: always encrypted")
    if engine is None or (isinstance(engine, str) and engine.startswith("aurora")):
        return Decided(True, (ctx.ref(cluster, "engine") if engine else ctx.ref(cluster),),
                       AURORA_DEFAULT_NOTE)
    if isinstance(engine, Unknown):
        return engine.failure
    # a Multi-AZ DB cluster (MySQL, PostgreSQL) is unencrypted unless asked
    return Decided(False, (ctx.ref(cluster),),
                   "storage_encrypted not set: a new Multi-AZ DB cluster is unencrypted by "
                   "default")


def snapshot_encryption(ctx: PlanContext, snapshot: PlannedResource, depth: int = 0
                        ) -> Decision:
    """A snapshot is encrypted exactly when the instance or cluster it is taken of is."""
    cluster = snapshot.type == CLUSTER_SNAPSHOT
    attribute = "storage_encrypted" if cluster else "encrypted"
    value = ctx.value(snapshot, attribute)
    if isinstance(value, bool):
        return Decided(value, (ctx.ref(snapshot, attribute),))
    source_attr = "db_cluster_identifier" if cluster else "db_instance_identifier"
    source = _first(ctx.targets(snapshot, source_attr, (CLUSTER,) if cluster else
                                (INSTANCE,), key="cluster_identifier" if cluster
                                else "identifier"))
    if source is None:
        kind = "cluster" if cluster else "instance"
        return ctx.not_in_plan(snapshot, f"{kind} {_shown(ctx, snapshot, source_attr)} is not "
                                         "created by this plan; the snapshot inherits its "
                                         "storage encryption")
    decided = cluster_encryption(ctx, source) if cluster else \
        instance_encryption(ctx, source, depth + 1)
    return _inherited(decided, ctx.ref(snapshot, source_attr))


def _inherited(decided: Decision, link: Ref) -> Decision:
    if isinstance(decided, CallFailure):
        return decided
    return Decided(decided.value, (link, *decided.refs), decided.note)


def _is_set(ctx: PlanContext, resource: PlannedResource, attribute: str) -> bool:
    """Whether the planned resource sets ``attribute``: a value, or one known only after
    apply that the configuration asks for (a computed attribute left out is not set)."""
    value = ctx.value(resource, attribute)
    if isinstance(value, Unknown):
        return configured(resource, (attribute,))
    return value not in (None, "", [], {})


def _shown(ctx: PlanContext, resource: PlannedResource, attribute: str) -> str:
    """An attribute's value for a message: the value, else what the configuration refers
    to, else the attribute's name."""
    value = ctx.value(resource, attribute)
    if isinstance(value, str) and value:
        return value
    refs = ctx.references(resource, (attribute,))
    return refs[0] if refs else attribute


def _key_id(ctx: PlanContext, resource: PlannedResource, encrypted: Decision
            ) -> Decision:
    """KmsKeyId: none for unencrypted storage, the key the configuration names, else the
    key AWS picks (the AWS managed key), known after apply."""
    if isinstance(encrypted, Decided) and encrypted.value is False:
        return Decided(None, encrypted.refs)
    if configured(resource, ("kms_key_id",)):
        key = resolve_key(ctx, resource, ("kms_key_id",))
        if isinstance(key, CallFailure):
            return key
        return Decided(key.shown, key.refs)
    value = ctx.value(resource, "kms_key_id", what="the KMS key AWS chooses")
    if isinstance(value, Unknown):
        return value.failure
    return Decided(value, (ctx.ref(resource, "kms_key_id"),))


def _plain(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource,
           fields: Iterable[tuple[str, str]]) -> None:
    for key, attribute in fields:
        ctx.put(builder, key, resource, (attribute,))


def _flag(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource,
          key: str, attribute: str) -> None:
    """A boolean argument whose unset (null) value is false."""
    ctx.put(builder, key, resource, (attribute,), lambda v: bool(v))


# --------------------------------------------------------------------------- resources


def db_instance(ctx: PlanContext, db: PlannedResource) -> Iterator[Resource]:
    builder = ctx.builder(db, "aws.rds.instance", _known_text(ctx, db, "identifier"))
    encrypted = instance_encryption(ctx, db)
    for key in ("StorageEncrypted", "Encrypted"):
        apply(builder, key, encrypted)
    apply(builder, "KmsKeyId", _key_id(ctx, db, encrypted))
    _plain(ctx, builder, db, (("Engine", "engine"), ("EngineVersion", "engine_version"),
                              ("CACertificateIdentifier", "ca_cert_identifier"),
                              ("DBInstanceStatus", "status")))
    _flag(ctx, builder, db, "PubliclyAccessible", "publicly_accessible")
    _flag(ctx, builder, db, "IAMDatabaseAuthenticationEnabled",
          "iam_database_authentication_enabled")
    if db.type == CLUSTER_INSTANCE:
        _cluster_member(ctx, builder, db)
    else:
        builder.set("DBClusterIdentifier", None, ctx.ref(db))
        _plain(ctx, builder, db, (("EnabledCloudwatchLogsExports",
                                   "enabled_cloudwatch_logs_exports"),))
        for key, attribute in (("BackupRetentionPeriod", "backup_retention_period"),
                               ("MultiAZ", "multi_az")):
            apply(builder, key, _instance_setting(ctx, db, attribute))
    yield builder.build()


def _instance_setting(ctx: PlanContext, db: PlannedResource, attribute: str) -> Decision:
    """A computed instance setting: AWS's create default applies only to a new primary
    instance (a replica or a restore takes its own from the source)."""
    if any(_is_set(ctx, db, a) for a in ("replicate_source_db", "snapshot_identifier",
                                         "restore_to_point_in_time")):
        value = ctx.value(db, attribute)
        return value.failure if isinstance(value, Unknown) else \
            Decided(value, (ctx.ref(db, attribute),))
    return with_default(ctx, db, (attribute,), _INSTANCE_DEFAULTS[attribute])


def _cluster_member(ctx: PlanContext, builder: ResourceBuilder, db: PlannedResource) -> None:
    """An Aurora instance: its cluster's identifier and backup retention (the cluster keeps
    the backups). The Multi-AZ rule does not judge cluster members: no MultiAZ."""
    cluster = _first(ctx.targets(db, "cluster_identifier", (CLUSTER,),
                                 key="cluster_identifier"))
    value = ctx.value(db, "cluster_identifier")
    if isinstance(value, str) and value:
        builder.set("DBClusterIdentifier", value, ctx.ref(db, "cluster_identifier"))
    elif cluster is not None:
        builder.set("DBClusterIdentifier", label(ctx, cluster, "cluster_identifier"),
                    (ctx.ref(db, "cluster_identifier"), ctx.ref(cluster)))
    else:
        builder.fail("DBClusterIdentifier", value.failure if isinstance(value, Unknown)
                     else ctx.not_in_plan(db, "the instance names no cluster"))
    if cluster is None:
        builder.fail("BackupRetentionPeriod", ctx.not_in_plan(
            db, f"cluster {_shown(ctx, db, 'cluster_identifier')} is not created by this "
                "plan, and an instance of a cluster keeps its cluster's backup retention"))
        return
    apply(builder, "BackupRetentionPeriod", _inherited(
        with_default(ctx, cluster, ("backup_retention_period",),
                     _CLUSTER_DEFAULTS["backup_retention_period"]),
        ctx.ref(db, "cluster_identifier")))


def rds_cluster(ctx: PlanContext, cluster: PlannedResource) -> Iterator[Resource]:
    builder = ctx.builder(cluster, "aws.rds.cluster",
                          _known_text(ctx, cluster, "cluster_identifier"))
    encrypted = cluster_encryption(ctx, cluster)
    for key in ("StorageEncrypted", "Encrypted"):
        apply(builder, key, encrypted)
    apply(builder, "KmsKeyId", _key_id(ctx, cluster, encrypted))
    _plain(ctx, builder, cluster, (("Engine", "engine"), ("EngineVersion", "engine_version")))
    _flag(ctx, builder, cluster, "IAMDatabaseAuthenticationEnabled",
          "iam_database_authentication_enabled")
    _flag(ctx, builder, cluster, "DeletionProtection", "deletion_protection")
    apply(builder, "BackupRetentionPeriod",
          with_default(ctx, cluster, ("backup_retention_period",),
                       _CLUSTER_DEFAULTS["backup_retention_period"]))
    builder.fail("Status", after_apply(ctx, cluster, "the cluster's status"))
    yield builder.build()


def db_snapshot(ctx: PlanContext, snapshot: PlannedResource) -> Iterator[Resource]:
    cluster = snapshot.type == CLUSTER_SNAPSHOT
    kind = "aws.rds.cluster_snapshot" if cluster else "aws.rds.snapshot"
    name_key = "db_cluster_snapshot_identifier" if cluster else "db_snapshot_identifier"
    source_attr = "db_cluster_identifier" if cluster else "db_instance_identifier"
    builder = ctx.builder(snapshot, kind, _known_text(ctx, snapshot, name_key))
    encrypted = snapshot_encryption(ctx, snapshot)
    for key in ("StorageEncrypted", "Encrypted") if cluster else ("Encrypted",):
        apply(builder, key, encrypted)
    source = _first(ctx.targets(snapshot, source_attr, (CLUSTER,) if cluster else (INSTANCE,),
                                key="cluster_identifier" if cluster else "identifier"))
    put_snapshot_key(ctx, builder, snapshot, encrypted)
    source_key = "DBClusterIdentifier" if cluster else "DBInstanceIdentifier"
    identifier = ctx.value(snapshot, source_attr)
    if isinstance(identifier, str) and identifier:
        builder.set(source_key, identifier, ctx.ref(snapshot, source_attr))
    elif source is not None:
        builder.set(source_key, label(ctx, source, "cluster_identifier" if cluster
                                      else "identifier"),
                    (ctx.ref(snapshot, source_attr), ctx.ref(source)))
    elif isinstance(identifier, Unknown):
        builder.fail(source_key, identifier.failure)
    engine = ctx.value(snapshot, "engine")
    if isinstance(engine, Unknown) and source is not None:
        ctx.put(builder, "Engine", source, ("engine",))
    else:
        ctx.put(builder, "Engine", snapshot, ("engine",))
    # a snapshot Terraform takes (CreateDBSnapshot / CreateDBClusterSnapshot) is "manual"
    snapshot_type = ctx.value(snapshot, "snapshot_type")
    builder.set("SnapshotType", snapshot_type if isinstance(snapshot_type, str) else "manual",
                ctx.ref(snapshot, "snapshot_type") if isinstance(snapshot_type, str)
                else ctx.ref(snapshot))
    builder.fail("SnapshotCreateTime", after_apply(ctx, snapshot, "the snapshot's creation "
                                                                  "time"))
    _restore_permissions(ctx, builder, snapshot)
    yield builder.build()


def _restore_permissions(ctx: PlanContext, builder: ResourceBuilder,
                         snapshot: PlannedResource) -> None:
    """Who may restore the snapshot: ``shared_accounts`` (account ids, "all" for anyone)."""
    if "shared_accounts" not in snapshot.values and \
            not ctx.is_unknown(snapshot, ("shared_accounts",)):
        failure = ctx.not_in_plan(snapshot, "this AWS provider version plans no "
                                            "shared_accounts for the snapshot, so who may "
                                            "restore it is not in the plan")
        builder.fail("Public", failure).fail("SharedWithAccounts", failure)
        return
    accounts = ctx.value(snapshot, "shared_accounts", what="the accounts the snapshot is "
                                                           "shared with")
    if isinstance(accounts, Unknown):
        builder.fail("Public", accounts.failure).fail("SharedWithAccounts", accounts.failure)
        return
    shared = [str(a) for a in accounts or []]
    where = ctx.ref(snapshot, "shared_accounts")
    builder.set("Public", "all" in shared, where)
    builder.set("SharedWithAccounts", sorted(a for a in shared if a != "all"), where)


NORMALIZERS = {INSTANCE: db_instance, CLUSTER_INSTANCE: db_instance, CLUSTER: rds_cluster,
               SNAPSHOT: db_snapshot, CLUSTER_SNAPSHOT: db_snapshot}
CONSUMED: frozenset[str] = frozenset()

"""Configuration items turned back into the answers of the services' own APIs, so the same
normalisers (and so the same rules) read them.

Each answer is written as a *derived* record: it names the Config record and item it was read
from and when Config captured it, and it is not counted as an API call. A setting the item
shows as unset is written as the "not configured" answer the API gives (``NoSuchBucketPolicy``
and the like), so it reads exactly as a direct scan's would. A setting Config does not hold is
never made up: it is called for (DynamoDB's tags: batch gets carry no tags).

Config's JSON is the Java SDK's: lower camel case keys, whole acronyms lower-cased in some
types (DynamoDB's ``ssedescription``), times as ISO text. The mappings follow AWS Config's
resource schema (awslabs/aws-config-resource-schema) and the API reference.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.sources.aws import session as sessions
from govkit.sources.aws.awsconfig.query import ConfigData, Health, Item, Listed, parse_time
from govkit.sources.aws.services import dynamodb, s3
from govkit.sources.aws.tasks import ServiceScope
from govkit.snapshot import GLOBAL_REGION, Derivation, SnapshotWriter

if TYPE_CHECKING:
    from govkit.sources.aws.awsconfig.plan import ConfigPlan

BUCKET = "AWS::S3::Bucket"
ACCOUNT_BLOCK = "AWS::S3::AccountPublicAccessBlock"
TABLE = "AWS::DynamoDB::Table"


@dataclass(frozen=True, kw_only=True)
class Context:
    writer: SnapshotWriter
    targets: Sequence[sessions.AccountSession]
    regions: tuple[str, ...]
    home_region: str
    health: Mapping[tuple[str, str], Health]
    data: ConfigData

    def put(self, source: Item | Derivation, *, account: str, region: str, service: str,
            operation: str, params: Mapping[str, Any], response: Mapping[str, Any] | None = None,
            not_configured: tuple[str, str] | None = None) -> None:
        """Write one derived answer (or, with ``not_configured``, the API's "nothing is
        configured" error code and a message saying what the item showed)."""
        derived = source if isinstance(source, Derivation) else Derivation(
            file=source.file, pointer=source.pointer,
            captured_at=source.captured_at.astimezone(dt.timezone.utc).isoformat()
            .replace("+00:00", "Z"))
        code, message = not_configured or (None, None)
        self.writer.record(account=account, region=region, service=service,
                           operation=operation, params=params,
                           started_at=dt.datetime.now(dt.timezone.utc), duration_ms=0,
                           response=response, error_code=code, error_message=message,
                           derived=derived)

    def gap(self, account: str, region: str, *, service: str, operation: str) -> None:
        """A failed listing where Config's data is missing, so the resources there are
        ERROR, named with the reason."""
        state = self.health[(account, region)]
        self.writer.record(account=account, region=region, service=service,
                           operation=operation, params={},
                           started_at=dt.datetime.now(dt.timezone.utc), duration_ms=0,
                           error_code=state.gap_code,
                           error_message=state.gap,
                           derived=Derivation(file=state.file or "", pointer="",
                                              captured_at=""))

    def usable(self, account: str, region: str, resource_type: str) -> bool | None:
        """True: read from Config here; False: a gap (ERROR here); None: use the API."""
        state = self.health[(account, region)]
        if state.gap is not None:
            return False
        if state.unread is not None or not state.records(resource_type):
            return None
        return True

    def items(self, resource_type: str) -> dict[str, list[Item]]:
        found: dict[str, list[Item]] = defaultdict(list)
        for item in self.data.items:
            if item.type == resource_type:
                found[item.account].append(item)
        return found

    def missing(self, resource_type: str) -> dict[str, list[Listed]]:
        found: dict[str, list[Listed]] = defaultdict(list)
        for row, _ in self.data.missing:
            if row.type == resource_type:
                found[row.account].append(row)
        return found

    def listed(self, resource_type: str, account: str, region: str | None = None
               ) -> dict[str, list[Listed]]:
        """The resources of a type the query listed in an account (and region), by the query
        page that listed them, in order."""
        pages: dict[str, list[Listed]] = {}
        for row in self.data.rows:
            if row.type == resource_type and row.account == account and \
                    (region is None or row.region == region) and \
                    row.status not in ("ResourceDeleted", "ResourceDeletedNotRecorded"):
                pages.setdefault(row.file, []).append(row)
        return pages


def _derivation(file: str, pointer: str = "/response/Results") -> Derivation:
    return Derivation(file=file, pointer=pointer, captured_at="")


def _upper_first(value: Any) -> Any:
    """Config's lower camel case keys in the API's upper camel case, all the way down."""
    if isinstance(value, Mapping):
        return {(k[:1].upper() + k[1:]): _upper_first(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_upper_first(v) for v in value]
    return value


def _time(value: Any) -> Any:
    """A time as the API's answers hold it (so the canonical record matches a direct
    scan's); text that is not a time is kept."""
    moment = parse_time(value) if isinstance(value, str) else None
    return moment if moment is not None else value


# -- S3 -------------------------------------------------------------------------------------

_GROUPS = {"AllUsers": "http://acs.amazonaws.com/groups/global/AllUsers",
           "AuthenticatedUsers": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
           "LogDelivery": "http://acs.amazonaws.com/groups/s3/LogDelivery"}
_PERMISSIONS = {"FullControl": "FULL_CONTROL", "Read": "READ", "Write": "WRITE",
                "ReadAcp": "READ_ACP", "WriteAcp": "WRITE_ACP"}


def _grantee(grantee: Any) -> dict[str, Any]:
    if isinstance(grantee, str):
        return {"Type": "Group", "URI": _GROUPS.get(grantee, grantee)}
    if isinstance(grantee, Mapping) and grantee.get("typeIdentifier") == "emailAddress":
        return {"Type": "AmazonCustomerByEmail", "EmailAddress": grantee.get("identifier")}
    found = {"Type": "CanonicalUser", "ID": (grantee or {}).get("id")}
    if (grantee or {}).get("displayName"):
        found["DisplayName"] = grantee["displayName"]
    return found


def _acl(value: Mapping[str, Any]) -> dict[str, Any]:
    owner = value.get("owner") or {}
    answer: dict[str, Any] = {"Owner": {"ID": owner.get("id")}}
    if owner.get("displayName"):
        answer["Owner"]["DisplayName"] = owner["displayName"]
    answer["Grants"] = [{"Grantee": _grantee(g.get("grantee")),
                         "Permission": _PERMISSIONS.get(g.get("permission"),
                                                        g.get("permission"))}
                        for g in value.get("grantList") or []]
    return answer


def _encryption(value: Mapping[str, Any]) -> dict[str, Any] | None:
    rules = []
    for rule in value.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        applied = {"SSEAlgorithm": default.get("sseAlgorithm")}
        if default.get("kmsMasterKeyID"):
            applied["KMSMasterKeyID"] = default["kmsMasterKeyID"]
        found: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": applied}
        if rule.get("bucketKeyEnabled") is not None:
            found["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
        rules.append(found)
    return {"ServerSideEncryptionConfiguration": {"Rules": rules}} if rules else None


def _versioning(value: Mapping[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    if value.get("status") and value["status"] != "Off":
        answer["Status"] = value["status"]
    if isinstance(value.get("isMfaDeleteEnabled"), bool):
        answer["MFADelete"] = "Enabled" if value["isMfaDeleteEnabled"] else "Disabled"
    return answer


def _logging(value: Mapping[str, Any]) -> dict[str, Any]:
    if not value.get("destinationBucketName"):
        return {}
    return {"LoggingEnabled": {"TargetBucket": value["destinationBucketName"],
                               "TargetPrefix": value.get("logFilePrefix") or ""}}


def _object_lock(value: Mapping[str, Any]) -> dict[str, Any] | None:
    if not value or value.get("objectLockEnabled") != "Enabled":
        return None
    lock: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
    retention = ((value.get("rule") or {}).get("defaultRetention")) or {}
    kept = {name: retention[key] for key, name in (("mode", "Mode"), ("days", "Days"),
                                                     ("years", "Years"))
            if retention.get(key) is not None}
    if kept:
        lock["Rule"] = {"DefaultRetention": kept}
    return {"ObjectLockConfiguration": lock}


def _tags(value: Mapping[str, Any]) -> dict[str, Any] | None:
    sets = value.get("tagSets") or []
    tags = (sets[0].get("tags") if sets else None) or {}
    if not tags:
        return None
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


def _policy(value: Mapping[str, Any]) -> dict[str, Any] | None:
    return {"Policy": value["policyText"]} if value.get("policyText") else None


def _block(value: Mapping[str, Any]) -> dict[str, Any] | None:
    return {"PublicAccessBlockConfiguration": _upper_first(dict(value))} if value else None


# the bucket's calls: the supplementary configuration each is read from, how, and the error
# code the API gives when nothing is configured (None: it answers with an empty document)
_BUCKET_ANSWERS: tuple[tuple[str, str, Callable[[Mapping[str, Any]], Any], str | None], ...] = (
    ("GetBucketTagging", "BucketTaggingConfiguration", _tags, "NoSuchTagSet"),
    ("GetBucketEncryption", "ServerSideEncryptionConfiguration", _encryption,
     "ServerSideEncryptionConfigurationNotFoundError"),
    ("GetBucketPolicy", "BucketPolicy", _policy, "NoSuchBucketPolicy"),
    ("GetPublicAccessBlock", "PublicAccessBlockConfiguration", _block,
     "NoSuchPublicAccessBlockConfiguration"),
    ("GetBucketAcl", "AccessControlList", _acl, None),
    ("GetBucketVersioning", "BucketVersioningConfiguration", _versioning, None),
    ("GetObjectLockConfiguration", "ObjectLockConfiguration", _object_lock,
     "ObjectLockConfigurationNotFoundError"),
    ("GetBucketLogging", "BucketLoggingConfiguration", _logging, None),
)


class S3FromConfig:
    """Buckets, with every setting govkit reads, and the account's public access block."""

    service = "s3"
    types = (BUCKET, ACCOUNT_BLOCK)

    def apply(self, ctx: Context, plan: ConfigPlan) -> None:
        items, missing = ctx.items(BUCKET), ctx.missing(BUCKET)
        blocks = ctx.items(ACCOUNT_BLOCK)
        for target in ctx.targets:
            account = target.account
            states = {r: ctx.usable(account, r, BUCKET) for r in ctx.regions}
            if any(state is None for state in states.values()):
                continue  # a region Config cannot answer for: the account's S3 goes direct
            plan.handled.add((account, GLOBAL_REGION, self.service))
            scope = ServiceScope(target, ctx.home_region, ctx.writer, label=GLOBAL_REGION,
                                 scan_regions=ctx.regions)
            for region, state in states.items():
                if state is False:
                    ctx.gap(account, region, service="s3", operation="ListBuckets")
            self._listing(ctx, account, {i.id: i for i in items.get(account, [])})
            for item in items.get(account, []):
                self._bucket(ctx, item)
            for row in missing.get(account, []):
                plan.tasks.append(s3.bucket_task(scope, row.id, row.region))
            self._account_block(ctx, plan, scope, blocks.get(account, []))

    def _listing(self, ctx: Context, account: str, items: Mapping[str, Item]) -> None:
        pages = ctx.listed(BUCKET, account)
        if not pages:  # no bucket: the query's (empty) answer is the listing
            first = ctx.data.query_of(account, ctx.home_region)
            pages = {first: []} if first is not None else {}
        for number, (file, rows) in enumerate(pages.items(), start=1):
            buckets = []
            for row in rows:
                entry: dict[str, Any] = {"Name": row.name or row.id}
                item = items.get(row.id)
                if item is not None and item.configuration.get("creationDate"):
                    entry["CreationDate"] = _time(item.configuration["creationDate"])
                entry["BucketRegion"] = row.region
                buckets.append(entry)
            ctx.put(_derivation(file), account=account, region=GLOBAL_REGION, service="s3",
                    operation="ListBuckets", params={"page": number},
                    response={"Buckets": buckets})

    def _bucket(self, ctx: Context, item: Item) -> None:
        name = item.name or item.id
        for operation, key, answer, unset in _BUCKET_ANSWERS:
            value = item.supplementary.get(key)
            response = answer(value) if isinstance(value, Mapping) else None
            if response is None and unset is None:
                response = {}
            ctx.put(item, account=item.account, region=item.region, service="s3",
                    operation=operation, params={"Bucket": name}, response=response,
                    not_configured=None if response is not None else
                    (unset or "", f"the AWS Config item of bucket {name} has no {key}"))

    def _account_block(self, ctx: Context, plan: ConfigPlan, scope: ServiceScope,
                       items: list[Item]) -> None:
        """The newest item of the account's public access block; with none (Config
        records it only once it is set), the API is asked."""
        if not items:
            plan.tasks.append(lambda: s3.account_block(scope))
            return
        item = max(items, key=lambda i: i.captured_at)
        ctx.put(item, account=item.account, region=GLOBAL_REGION, service="s3control",
                operation="GetPublicAccessBlock", params={"AccountId": item.account},
                response=_block(item.configuration) or {})


# -- DynamoDB -------------------------------------------------------------------------------

# Config lower-cases whole acronyms in DynamoDB's keys; after the first letter is raised
_TABLE_KEYS = {"Ssedescription": "SSEDescription", "Ssetype": "SSEType",
               "KmsmasterKeyArn": "KMSMasterKeyArn", "KmsmasterKeyId": "KMSMasterKeyId"}
_TABLE_TIMES = frozenset({"CreationDateTime", "InaccessibleEncryptionDateTime",
                          "LastUpdateToPayPerRequestDateTime", "LastIncreaseDateTime",
                          "LastDecreaseDateTime", "LastUpdateDateTime",
                          "EarliestRestorableDateTime", "LatestRestorableDateTime",
                          "RestoreDateTime"})


def _api_keys(value: Any, renames: Mapping[str, str], times: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        answer = {}
        for key, inner in value.items():
            name = key[:1].upper() + key[1:]
            name = renames.get(name, name)
            inner = _api_keys(inner, renames, times)
            answer[name] = _time(inner) if name in times else inner
        return answer
    if isinstance(value, list):
        return [_api_keys(v, renames, times) for v in value]
    return value


class DynamoDbFromConfig:
    """Tables: description (encryption, status) and point-in-time recovery from the item;
    tags from the API (batch gets carry none)."""

    service = "dynamodb"
    types = (TABLE,)

    def apply(self, ctx: Context, plan: ConfigPlan) -> None:
        items, missing = ctx.items(TABLE), ctx.missing(TABLE)
        for target in ctx.targets:
            account = target.account
            for region in ctx.regions:
                state = ctx.usable(account, region, TABLE)
                if state is None:
                    continue
                plan.handled.add((account, region, self.service))
                if state is False:
                    ctx.gap(account, region, service="dynamodb", operation="ListTables")
                    continue
                scope = ServiceScope(target, region, ctx.writer)
                here = [i for i in items.get(account, []) if i.region == region]
                self._listing(ctx, account, region)
                for item in here:
                    self._table(ctx, plan, scope, item)
                for row in missing.get(account, []):
                    if row.region == region:
                        plan.tasks.append(dynamodb.table_task(scope, row.name or row.id))

    def _listing(self, ctx: Context, account: str, region: str) -> None:
        pages = ctx.listed(TABLE, account, region)
        if not pages:
            first = ctx.data.query_of(account, region)
            pages = {first: []} if first is not None else {}
        for number, (file, rows) in enumerate(pages.items(), start=1):
            ctx.put(_derivation(file), account=account, region=region, service="dynamodb",
                    operation="ListTables", params={"page": number},
                    response={"TableNames": sorted(r.name or r.id for r in rows)})

    def _table(self, ctx: Context, plan: ConfigPlan, scope: ServiceScope, item: Item) -> None:
        name = item.name or item.id
        table = _api_keys(item.configuration, _TABLE_KEYS, _TABLE_TIMES)
        ctx.put(item, account=item.account, region=item.region, service="dynamodb",
                operation="DescribeTable", params={"TableName": name}, response={"Table": table})
        backups = item.supplementary.get("ContinuousBackupsDescription")
        if isinstance(backups, Mapping):
            ctx.put(item, account=item.account, region=item.region, service="dynamodb",
                    operation="DescribeContinuousBackups", params={"TableName": name},
                    response={"ContinuousBackupsDescription":
                              _api_keys(backups, _TABLE_KEYS, _TABLE_TIMES)})
        else:  # not in the item: asked of the API
            plan.tasks.append(lambda: dynamodb.continuous_backups(scope, name))
        arn = table.get("TableArn")
        if arn:
            plan.tasks.append(lambda: dynamodb.tags(scope, arn))


DERIVATIONS: tuple[S3FromConfig | DynamoDbFromConfig, ...] = (S3FromConfig(),
                                                              DynamoDbFromConfig())
SERVICES: frozenset[str] = frozenset(d.service for d in DERIVATIONS)


def types_of(services: Iterable[str]) -> list[str]:
    return sorted(t for d in DERIVATIONS if d.service in services for t in d.types)

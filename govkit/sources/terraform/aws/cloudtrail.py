"""CloudTrail trails, as the live scan shows them once the plan is applied (see
govkit/sources/aws/normalize/trails.py), and what the plan's trails mean for its S3 buckets:
which record every read and write of a bucket's objects (``bucket_data_events``) and which
deliver their log files to it (``log_destination_trails``).

Event selectors are turned into the shape GetEventSelectors answers with, and judged by the
same reader the live scan uses (govkit/sources/aws/normalize/data_events.py), so a selector
counts for a bucket exactly when it would once applied. A selector value known only after
apply (an ARN built from a bucket the plan creates) is matched by what the configuration
refers to: a reference to the bucket counts as that bucket's ARN prefix. The plan cannot
show the literal text around such a reference, so a ``"${aws_s3_bucket.b.arn}/prefix/"``
selector counts as the whole bucket.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.sources.terraform.context import PlanContext, Unknown, describe_path
from govkit.sources.terraform.keys import resolve_key
from govkit.sources.terraform.plan import AttrPath, PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.data_events import READ, WRITE, s3_data_events

TRAIL, BUCKET, LOG_GROUP = "aws_cloudtrail", "aws_s3_bucket", "aws_cloudwatch_log_group"
# field_selector attribute -> the AdvancedFieldSelector member GetEventSelectors shows
_OPERATORS = {"equals": "Equals", "not_equals": "NotEquals", "starts_with": "StartsWith",
              "not_starts_with": "NotStartsWith", "ends_with": "EndsWith",
              "not_ends_with": "NotEndsWith"}
# GetEventSelectors of a trail created without selectors: every management event
_DEFAULT_SELECTOR = {"ReadWriteType": "All", "IncludeManagementEvents": True,
                     "DataResources": [], "ExcludeManagementEventSources": []}


def _flag(ctx: PlanContext, builder: ResourceBuilder, trail: PlannedResource, key: str,
          attribute: str, default: bool) -> None:
    """A boolean argument; unset (null) is the provider's default."""
    ctx.put(builder, key, trail, (attribute,), lambda v: default if v is None else bool(v))


def trail_name(ctx: PlanContext, trail: PlannedResource) -> str:
    name = ctx.value(trail, "name")
    return name if isinstance(name, str) and name else trail.address


def normalize_trail(ctx: PlanContext, trail: PlannedResource) -> Iterator[Resource]:
    builder = ctx.builder(trail, "aws.cloudtrail.trail", trail_name(ctx, trail))
    _flag(ctx, builder, trail, "IsMultiRegionTrail", "is_multi_region_trail", False)
    _flag(ctx, builder, trail, "IsOrganizationTrail", "is_organization_trail", False)
    _flag(ctx, builder, trail, "IncludeGlobalServiceEvents", "include_global_service_events",
          True)
    _flag(ctx, builder, trail, "LogFileValidationEnabled", "enable_log_file_validation", False)
    _flag(ctx, builder, trail, "IsLogging", "enable_logging", True)
    home = ctx.value(trail, "home_region")
    if isinstance(home, str) and home:
        builder.set("HomeRegion", home, ctx.ref(trail, "home_region"))
    elif builder.region:  # a trail's home is the region it is created in
        builder.set("HomeRegion", builder.region, ctx.ref(trail))
    else:
        builder.fail("HomeRegion", ctx.unknown(trail, ("home_region",), "the home region"))
    _bucket_name(ctx, builder, trail)
    _key(ctx, builder, trail)
    _log_group(ctx, builder, trail)
    document, unknown = selector_document(ctx, trail, None)
    if unknown is not None and not document["EventSelectors"] and \
            not document["AdvancedEventSelectors"]:
        builder.fail("EventSelectors", unknown)
    else:
        builder.set("EventSelectors", document, _selector_refs(ctx, trail))
    yield builder.build()


def _bucket_name(ctx: PlanContext, builder: ResourceBuilder, trail: PlannedResource) -> None:
    value = ctx.value(trail, "s3_bucket_name", what="the log bucket")
    if not isinstance(value, Unknown):
        builder.set("S3BucketName", value, ctx.ref(trail, "s3_bucket_name"))
        return
    buckets = ctx.targets(trail, "s3_bucket_name", (BUCKET,), key="bucket")
    if not buckets:
        builder.fail("S3BucketName", value.failure)
        return
    name = ctx.value(buckets[0], "bucket")
    builder.set("S3BucketName", name if isinstance(name, str) and name else
                buckets[0].address, (ctx.unknown_ref(trail, "s3_bucket_name"),
                                     ctx.ref(buckets[0])))


def _key(ctx: PlanContext, builder: ResourceBuilder, trail: PlannedResource) -> None:
    """KmsKeyId: the key the trail names (a key the plan creates counts while its ARN is
    unknown), or none."""
    key = resolve_key(ctx, trail, ("kms_key_id",), what="the trail's KMS key")
    if isinstance(key, CallFailure):
        builder.fail("KmsKeyId", key)
    else:
        builder.set("KmsKeyId", key.shown, key.refs)


def _log_group(ctx: PlanContext, builder: ResourceBuilder, trail: PlannedResource) -> None:
    """CloudWatchLogsLogGroupArn: a log group the plan creates counts as set while its ARN is
    unknown, shown by its address."""
    value = ctx.value(trail, "cloud_watch_logs_group_arn", what="the CloudWatch Logs group")
    if not isinstance(value, Unknown):
        builder.set("CloudWatchLogsLogGroupArn", value or None,
                    ctx.ref(trail, "cloud_watch_logs_group_arn"))
        return
    groups = ctx.targets(trail, "cloud_watch_logs_group_arn", (LOG_GROUP,), key="arn")
    if not groups:
        builder.fail("CloudWatchLogsLogGroupArn", value.failure)
        return
    builder.set("CloudWatchLogsLogGroupArn", groups[0].address,
                (ctx.unknown_ref(trail, "cloud_watch_logs_group_arn"), ctx.ref(groups[0])))


# --------------------------------------------------------------------------- event selectors


def _bucket_arn(ctx: PlanContext, bucket: PlannedResource) -> str:
    """The bucket's ARN, or one made from its name while the ARN is unknown (S3 ARNs hold
    only the name); from its address when even the name is unknown (``bucket_prefix``)."""
    arn = ctx.value(bucket, "arn")
    if isinstance(arn, str) and arn:
        return arn
    name = ctx.value(bucket, "bucket")
    return f"arn:aws:s3:::{name if isinstance(name, str) and name else bucket.address}"


def _strings(ctx: PlanContext, trail: PlannedResource, path: AttrPath,
             reference_keys: list[AttrPath], bucket: PlannedResource | None
             ) -> tuple[list[str], CallFailure | None]:
    """The strings of a list attribute; one known only after apply is shown as such (a text
    no ARN matches), and the failure says which. Even a value that refers to a bucket
    (``"${aws_s3_bucket.b.arn}/prefix/"``) is not taken for the whole bucket: the plan keeps
    the references of an expression, not its text, so it may name a prefix only."""
    raw = ctx.value(trail, *path)
    if not isinstance(raw, Unknown):
        return [str(v) for v in raw or [] if v is not None], None
    values = [str(v) for v in _known_part(trail, path) if v is not None]
    refs = [r for key in reference_keys for r in ctx.references(trail, key)]
    values.append(f"(known after apply: {refs[0] if refs else describe_path(path)})")
    return values, raw.failure


def _known_part(trail: PlannedResource, path: AttrPath) -> list[Any]:
    """The known elements of a partly unknown list in the planned values."""
    node: Any = trail.values
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return []
    return list(node) if isinstance(node, list) else []


def _blocks(trail: PlannedResource, name: str) -> list[Any]:
    """The planned blocks (their known part: a value known only after apply is null)."""
    value = trail.values.get(name)
    return [b for b in value if isinstance(b, Mapping)] if isinstance(value, list) else []


def selector_document(ctx: PlanContext, trail: PlannedResource,
                      bucket: PlannedResource | None
                      ) -> tuple[dict[str, list[dict[str, Any]]], CallFailure | None]:
    """The trail's selectors as GetEventSelectors shows them (values known only after apply
    resolved for ``bucket``), and the first such value's failure."""
    unknown: CallFailure | None = None
    classic: list[dict[str, Any]] = []
    for i, selector in enumerate(_blocks(trail, "event_selector")):
        resources = []
        for j, resource in enumerate(selector.get("data_resource") or []):
            path = ("event_selector", i, "data_resource", j, "values")
            values, failed = _strings(ctx, trail, path, [path], bucket)
            unknown = unknown or failed
            resources.append({"Type": resource.get("type"), "Values": values})
        excluded, failed = _strings(ctx, trail, ("event_selector", i,
                                                 "exclude_management_event_sources"), [], None)
        classic.append({"ReadWriteType": selector.get("read_write_type") or "All",
                        "IncludeManagementEvents":
                            selector.get("include_management_events") is not False,
                        "DataResources": resources, "ExcludeManagementEventSources": excluded})
    advanced: list[dict[str, Any]] = []
    for i, selector in enumerate(_blocks(trail, "advanced_event_selector")):
        fields = []
        for j, field in enumerate(selector.get("field_selector") or []):
            shown: dict[str, Any] = {"Field": field.get("field")}
            for attribute, member in _OPERATORS.items():
                path = ("advanced_event_selector", i, "field_selector", j, attribute)
                values, failed = _strings(ctx, trail, path,
                                          _field_reference_keys(trail, i, attribute), bucket)
                unknown = unknown or failed
                if values:
                    shown[member] = values
            fields.append(shown)
        advanced.append({"Name": selector.get("name"), "FieldSelectors": fields})
    if not classic and not advanced and not ctx.is_unknown(trail, ("event_selector",)) and \
            not ctx.is_unknown(trail, ("advanced_event_selector",)):
        classic = [dict(_DEFAULT_SELECTOR)]
    return {"EventSelectors": classic, "AdvancedEventSelectors": advanced}, unknown


def _field_reference_keys(trail: PlannedResource, index: int, attribute: str
                          ) -> list[AttrPath]:
    """Where the configuration of advanced selector ``index`` refers to something for
    ``attribute`` in any of its field selectors: they are a set, whose planned order need not
    be the order they are written in."""
    if trail.config is None:
        return []
    prefix = ("advanced_event_selector", index, "field_selector")
    return [key for key in trail.config.references
            if key[:3] == prefix and key[-1] == attribute]


def _selector_refs(ctx: PlanContext, trail: PlannedResource) -> tuple[Ref, ...]:
    refs = tuple(ctx.ref(trail, name) for name in ("event_selector", "advanced_event_selector")
                 if trail.values.get(name))
    return refs or (ctx.ref(trail),)


def _logs_in(ctx: PlanContext, trail: PlannedResource, resource: PlannedResource) -> bool:
    """Whether the trail logs (``enable_logging``, true unless set false) events of
    ``resource``'s region: a multi-region trail everywhere, another in its home region only
    (a region the plan does not make known counts as another region)."""
    if ctx.value(trail, "enable_logging") not in (True, None):
        return False
    if ctx.value(trail, "is_multi_region_trail") is True:
        return True
    return ctx.same_region(trail, resource)


def bucket_data_events(ctx: PlanContext, bucket: PlannedResource
                       ) -> tuple[dict[str, list[str]], list[Ref]] | CallFailure | None:
    """The trails of the plan that record every read (``Read``) and every write (``Write``)
    of ``bucket``'s objects, with the selectors that make them do so (every logging trail's
    selectors when none does); None when the plan has no trail; the failure when a selector
    value known only after apply leaves it open whether the bucket is covered. Trails
    outside the plan (an organisation trail) may record the bucket too: the plan does not
    show them."""
    trails = ctx.of_type(TRAIL)
    if not trails:
        return None
    arn = _bucket_arn(ctx, bucket)
    logged: dict[str, set[str]] = {READ: set(), WRITE: set()}
    covering: list[Ref] = []
    candidates: list[Ref] = []
    unknown: CallFailure | None = None
    for trail in trails:
        if not _logs_in(ctx, trail, bucket):
            continue
        document, failed = selector_document(ctx, trail, bucket)
        if failed is not None and _may_name(ctx, trail, bucket):
            unknown = unknown or failed
        candidates.extend(_selector_refs(ctx, trail))
        for kind, index, selector in _each_selector(document):
            single = {kind: [selector]}
            kinds = s3_data_events(single).kinds_for(arn)
            for found in kinds:
                logged[found].add(trail_name(ctx, trail))
            if kinds:
                block = "event_selector" if kind == "EventSelectors" else \
                    "advanced_event_selector"
                covering.append(ctx.ref(trail, block, index))
    if unknown is not None and not (logged[READ] and logged[WRITE]):
        return unknown
    refs = covering or candidates or [ctx.ref(t) for t in trails]
    return {kind: sorted(names) for kind, names in logged.items()}, refs


def _may_name(ctx: PlanContext, trail: PlannedResource, bucket: PlannedResource) -> bool:
    """Whether the trail's selectors may name ``bucket``: unless every reference they make
    leads to other buckets of the plan."""
    config = trail.config
    if config is None:
        return True
    paths = [path for path in config.references
             if path and path[0] in ("event_selector", "advanced_event_selector")]
    if not paths:
        return True
    for path in paths:
        targets = ctx.targets(trail, path, (BUCKET,))
        if not targets or any(t.address == bucket.address for t in targets):
            return True
    return False


def _each_selector(document: Mapping[str, list[dict[str, Any]]]
                   ) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for kind in ("EventSelectors", "AdvancedEventSelectors"):
        for index, selector in enumerate(document.get(kind) or []):
            yield kind, index, selector


def log_destination_trails(ctx: PlanContext, bucket: PlannedResource
                           ) -> tuple[list[str], list[Ref]]:
    """The trails of the plan whose ``s3_bucket_name`` is ``bucket`` (by reference, or by
    its name), each by its ARN when planned, else its name; with where each names it."""
    found: list[tuple[str, Ref]] = []
    for trail in ctx.of_type(TRAIL):
        if any(b.address == bucket.address for b in
               ctx.targets(trail, "s3_bucket_name", (BUCKET,), key="bucket")):
            arn = ctx.value(trail, "arn")
            shown = arn if isinstance(arn, str) and arn else trail_name(ctx, trail)
            where = ctx.unknown_ref(trail, "s3_bucket_name") if \
                ctx.is_unknown(trail, ("s3_bucket_name",)) else ctx.ref(trail, "s3_bucket_name")
            found.append((shown, where))
    found.sort(key=lambda pair: pair[0])
    return [name for name, _ in found], [ref for _, ref in found]


NORMALIZERS = {TRAIL: normalize_trail}
CONSUMED: frozenset[str] = frozenset()

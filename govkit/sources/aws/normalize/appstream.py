"""AppStream 2.0 stacks, fleets and image builders, as DescribeStacks, DescribeFleets and
DescribeImageBuilders answer them, with what the per-resource calls add: each stack's fleets,
its user-pool users and its tags, and each fleet's and image builder's tags.

A stack's ``UserSettings`` holds only the actions someone set; AppStream enables an action left
out, so ``EffectiveUserSettings`` gives the permission in force for each action that moves data
between the session and the user's device (missing: ENABLED). A listed stack, fleet or image
builder whose follow-up call failed, or was never made, has that attribute failed with the
call, never an empty default; a listing that failed leaves its resource type's coverage in that
account and region failed with the call. The glass-window view of a stack and its fleet is
built from these resources in govkit.vdi.appstream.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, ref, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SERVICE = "appstream"
STACK = "aws.appstream.stack"
FLEET = "aws.appstream.fleet"
IMAGE_BUILDER = "aws.appstream.image_builder"
# the actions that move data between the session and the user's device
DATA_ACTIONS = ("CLIPBOARD_COPY_TO_LOCAL_DEVICE", "CLIPBOARD_COPY_FROM_LOCAL_DEVICE",
                "FILE_DOWNLOAD", "FILE_UPLOAD", "PRINTING_TO_LOCAL_DEVICE")
DEFAULT_PERMISSION = "ENABLED"  # "By default, these actions are enabled" (CreateStack)
STACK_FIELDS = ("DisplayName", "Description", "CreatedTime", "RedirectURL", "FeedbackURL",
                "ApplicationSettings", "StreamingExperienceSettings", "ContentRedirection",
                "WebAuthnRedirection", "AgentAccessConfig", "StorageConnectorAuthentication")
STACK_LISTS = ("UserSettings", "StorageConnectors", "AccessEndpoints", "EmbedHostDomains",
               "StackErrors")
FLEET_FIELDS = ("DisplayName", "Description", "CreatedTime", "State", "FleetType",
                "InstanceType", "Platform", "StreamView", "ImageName", "ImageArn",
                "EnableDefaultInternetAccess", "MaxUserDurationInSeconds",
                "DisconnectTimeoutInSeconds", "IdleDisconnectTimeoutInSeconds", "VpcConfig",
                "DomainJoinInfo", "IamRoleArn", "DisableIMDSV1", "MaxConcurrentSessions",
                "MaxSessionsPerInstance", "SessionScriptS3Location")
FLEET_LISTS = ("UsbDeviceFilterStrings", "FleetErrors")
IMAGE_BUILDER_FIELDS = ("DisplayName", "Description", "CreatedTime", "State",
                        "StateChangeReason", "InstanceType", "Platform", "ImageArn",
                        "EnableDefaultInternetAccess", "VpcConfig", "DomainJoinInfo",
                        "NetworkAccessConfiguration", "IamRoleArn", "AppstreamAgentVersion",
                        "DisableIMDSV1")
IMAGE_BUILDER_LISTS = ("AccessEndpoints", "ImageBuilderErrors")

Pages = Mapping[tuple[str, str], Sequence[CallRecord]]


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, SERVICE):
        records = RecordSet(snapshot, SERVICE, account)
        tags = records.by_param("ListTagsForResource", "ResourceArn")
        stacks = records.of("DescribeStacks")
        yield from listing_coverage(stacks, STACK)
        fleets_of = _pages_by(records.of("ListAssociatedFleets"), "StackName")
        users_of = _pages_by(records.of("DescribeUserStackAssociations"), "StackName")
        for page in stacks:
            for index, stack in enumerate(page.response.get("Stacks") or []):
                yield _stack(stack, (page, index), account, tags, fleets_of, users_of)
        fleets = records.of("DescribeFleets")
        yield from listing_coverage(fleets, FLEET)
        for page in fleets:
            for index, fleet in enumerate(page.response.get("Fleets") or []):
                yield _fleet(fleet, (page, index), account, tags)
        builders = records.of("DescribeImageBuilders")
        yield from listing_coverage(builders, IMAGE_BUILDER)
        for page in builders:
            for index, builder in enumerate(page.response.get("ImageBuilders") or []):
                yield _image_builder(builder, (page, index), account, tags)


def _pages_by(records: Sequence[CallRecord], param: str) -> Pages:
    """The pages of a per-resource listing, by (region, value of ``param``), in order."""
    found: dict[tuple[str, str], list[CallRecord]] = defaultdict(list)
    for record in records:
        found[(record.entry.region, str(record.entry.params.get(param)))].append(record)
    for pages in found.values():
        pages.sort(key=lambda r: int(r.entry.params.get("page") or 1))
    return found


def _listed(pages: Sequence[CallRecord], key: str, missing: CallFailure
            ) -> tuple[list[Any], list[Ref]] | CallFailure:
    """Every item under ``key`` over ``pages`` and where each page holds them; the failed
    page, or ``missing`` when the listing was never made."""
    if not pages:
        return missing
    bad = next((p for p in pages if not p.entry.ok), None)
    if bad is not None:
        return failure(bad)
    return ([item for p in pages for item in p.response.get(key) or []],
            [ref(p, key) for p in pages])


def _builder(item: Mapping[str, Any], listed: tuple[CallRecord, int], key: str, type_: str,
             account: str, fields: Sequence[str], lists: Sequence[str]) -> ResourceBuilder:
    page, index = listed
    builder = ResourceBuilder(id=item["Arn"], type=type_, account=account,
                              region=page.entry.region, name=item["Name"])
    builder.set("Arn", item["Arn"], ref(page, key, index, "Arn"))
    for name in fields:
        builder.set(name, item.get(name), ref(page, key, index, name))
    for name in lists:  # absent: none set
        builder.set(name, list(item.get(name) or []), ref(page, key, index, name))
    return builder


def _set_tags(builder: ResourceBuilder, arn: str, tags: Mapping[Any, CallRecord],
              missing: CallFailure) -> None:
    record = tags.get(arn)
    if record is None:
        builder.fail("Tags", missing)
    elif not record.entry.ok:
        builder.fail("Tags", failure(record))
    else:
        builder.set_tags({str(k): str(v) for k, v in (record.response.get("Tags") or {}).items()},
                         ref(record, "Tags"))


def effective_user_settings(settings: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The permission in force for each action of :data:`DATA_ACTIONS`."""
    given = {str(s.get("Action")): str(s.get("Permission")) for s in settings}
    return {action: given.get(action, DEFAULT_PERMISSION) for action in DATA_ACTIONS}


def _stack(stack: Mapping[str, Any], listed: tuple[CallRecord, int], account: str,
           tags: Mapping[Any, CallRecord], fleets_of: Pages, users_of: Pages) -> Resource:
    page, index = listed
    builder = _builder(stack, listed, "Stacks", STACK, account, STACK_FIELDS, STACK_LISTS)
    settings = builder.attributes["UserSettings"]
    builder.set("EffectiveUserSettings", effective_user_settings(settings),
                builder.sources["UserSettings"])
    name, key = stack["Name"], (page.entry.region, stack["Name"])

    def missing(what: str) -> CallFailure:
        return unread(page, f"{what} of stack {name} were not read", "Stacks", index)

    fleets = _listed(fleets_of.get(key, ()), "Names", missing("the fleets"))
    if isinstance(fleets, CallFailure):
        builder.fail("Fleets", fleets)
    else:
        builder.set("Fleets", [str(n) for n in fleets[0]], fleets[1])
    users = _listed(users_of.get(key, ()), "UserStackAssociations", missing("the users"))
    if isinstance(users, CallFailure):
        builder.fail("UserAssociations", users)
    else:
        builder.set("UserAssociations", [
            {"UserName": u.get("UserName"), "AuthenticationType": u.get("AuthenticationType")}
            for u in users[0]], users[1])
    _set_tags(builder, stack["Arn"], tags, missing("the tags"))
    return builder.build()


def _fleet(fleet: Mapping[str, Any], listed: tuple[CallRecord, int], account: str,
           tags: Mapping[Any, CallRecord]) -> Resource:
    page, index = listed
    builder = _builder(fleet, listed, "Fleets", FLEET, account, FLEET_FIELDS, FLEET_LISTS)
    _set_tags(builder, fleet["Arn"], tags, unread(
        page, f"the tags of fleet {fleet['Name']} were not read", "Fleets", index))
    return builder.build()


def _image_builder(image_builder: Mapping[str, Any], listed: tuple[CallRecord, int],
                   account: str, tags: Mapping[Any, CallRecord]) -> Resource:
    page, index = listed
    builder = _builder(image_builder, listed, "ImageBuilders", IMAGE_BUILDER, account,
                       IMAGE_BUILDER_FIELDS, IMAGE_BUILDER_LISTS)
    _set_tags(builder, image_builder["Arn"], tags, unread(
        page, f"the tags of image builder {image_builder['Name']} were not read",
        "ImageBuilders", index))
    return builder.build()

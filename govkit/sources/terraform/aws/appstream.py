"""AppStream 2.0 stacks, fleets and image builders as a plan leaves them.

The shapes are those of govkit.sources.aws.normalize.appstream (DescribeStacks, DescribeFleets,
DescribeImageBuilders): a stack's ``UserSettings`` lists only the actions the configuration
sets, each ``{"Action", "Permission"}`` (and ``MaximumLength`` when set), and an action left
out stays enabled, as AppStream does; the glass window (govkit.vdi.appstream) reads it that
way. A stack's ``Fleets`` and ``UserAssociations`` come from the plan's
``aws_appstream_fleet_stack_association`` and ``aws_appstream_user_stack_association``
resources, found by the reference (or the name) they give for the stack.

The AWS provider has no argument for a fleet's USB device filter strings, so a fleet it
creates has none (AppStream then redirects no USB device); for a fleet that already exists
they were set outside Terraform and are not in the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from govkit.sources.terraform.context import PlanContext, Unknown
from govkit.sources.terraform.plan import PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.appstream import effective_user_settings

STACK = "aws.appstream.stack"
FLEET = "aws.appstream.fleet"
IMAGE_BUILDER = "aws.appstream.image_builder"
TF_STACK = "aws_appstream_stack"
TF_FLEET = "aws_appstream_fleet"
TF_IMAGE_BUILDER = "aws_appstream_image_builder"
TF_FLEET_ASSOCIATION = "aws_appstream_fleet_stack_association"
TF_USER_ASSOCIATION = "aws_appstream_user_stack_association"
TF_USER = "aws_appstream_user"

# Terraform attribute -> DescribeFleets / DescribeImageBuilders field, values copied as they are
_FLEET_SCALARS = {"arn": "Arn", "display_name": "DisplayName", "description": "Description",
                  "created_time": "CreatedTime", "state": "State", "fleet_type": "FleetType",
                  "instance_type": "InstanceType", "stream_view": "StreamView",
                  "image_name": "ImageName", "image_arn": "ImageArn",
                  "enable_default_internet_access": "EnableDefaultInternetAccess",
                  "max_user_duration_in_seconds": "MaxUserDurationInSeconds",
                  "disconnect_timeout_in_seconds": "DisconnectTimeoutInSeconds",
                  "idle_disconnect_timeout_in_seconds": "IdleDisconnectTimeoutInSeconds",
                  "iam_role_arn": "IamRoleArn",
                  "max_sessions_per_instance": "MaxSessionsPerInstance"}
_BUILDER_SCALARS = {"arn": "Arn", "display_name": "DisplayName", "description": "Description",
                    "created_time": "CreatedTime", "state": "State",
                    "instance_type": "InstanceType", "image_arn": "ImageArn",
                    "enable_default_internet_access": "EnableDefaultInternetAccess",
                    "iam_role_arn": "IamRoleArn",
                    "appstream_agent_version": "AppstreamAgentVersion"}
_STACK_SCALARS = {"arn": "Arn", "display_name": "DisplayName", "description": "Description",
                  "created_time": "CreatedTime", "redirect_url": "RedirectURL",
                  "feedback_url": "FeedbackURL"}


# --------------------------------------------------------------------------- value shapes


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    """A nested block list (or set) as its objects; None (unset) is none."""
    return [v for v in value or [] if isinstance(v, Mapping)]


def _first(value: Any) -> Mapping[str, Any] | None:
    """A ``MaxItems: 1`` block: its only object, or None when unset."""
    blocks = _blocks(value)
    return blocks[0] if blocks else None


def _pick(block: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """The fields of a block that are set, renamed as the API names them (the API leaves
    unset members out of its answers)."""
    return {api: block[tf] for tf, api in fields.items()
            if block.get(tf) is not None and block.get(tf) != "" and block.get(tf) != []}


def user_settings(value: Any) -> list[dict[str, Any]]:
    """``user_settings`` blocks as DescribeStacks answers ``UserSettings``."""
    return [_pick(b, {"action": "Action", "permission": "Permission",
                      "maximum_length": "MaximumLength"}) for b in _blocks(value)]


def storage_connectors(value: Any) -> list[dict[str, Any]]:
    return [_pick(b, {"connector_type": "ConnectorType", "domains": "Domains",
                      "resource_identifier": "ResourceIdentifier"}) for b in _blocks(value)]


def access_endpoints(value: Any) -> list[dict[str, Any]]:
    return [_pick(b, {"endpoint_type": "EndpointType", "vpce_id": "VpceId"})
            for b in _blocks(value)]


def vpc_config(value: Any) -> dict[str, Any] | None:
    block = _first(value)
    return None if block is None else _pick(block, {"subnet_ids": "SubnetIds",
                                                    "security_group_ids": "SecurityGroupIds"})


def domain_join_info(value: Any) -> dict[str, Any] | None:
    block = _first(value)
    return None if block is None else _pick(block, {
        "directory_name": "DirectoryName",
        "organizational_unit_distinguished_name": "OrganizationalUnitDistinguishedName"})


def application_settings(value: Any) -> dict[str, Any] | None:
    block = _first(value)
    return None if block is None else _pick(block, {"enabled": "Enabled",
                                                    "settings_group": "SettingsGroup"})


def streaming_experience(value: Any) -> dict[str, Any] | None:
    block = _first(value)
    return None if block is None else _pick(block, {"preferred_protocol": "PreferredProtocol"})


def _number(value: Any) -> Any:
    """A JSON number as the API's integer (Terraform writes whole numbers without a point)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# --------------------------------------------------------------------------- helpers


def created_unset(resource: PlannedResource, attribute: str) -> bool:
    """Whether the plan creates ``resource`` and its configuration does not set
    ``attribute``: an Optional+Computed attribute is then unknown in the plan only because
    the provider reads back what AWS chose, and AWS's documented create-time default
    applies."""
    return "create" in resource.actions and resource.config is not None \
        and attribute not in resource.config.expressions


def put_or_default(ctx: PlanContext, builder: ResourceBuilder, key: str,
                   resource: PlannedResource, attribute: str,
                   convert: Callable[[Any], Any], default: Any) -> None:
    """Set ``key`` from ``attribute``; when the plan creates the resource without it, the
    API's create-time ``default`` (pointing at the resource's values)."""
    if isinstance(ctx.value(resource, attribute), Unknown) and \
            created_unset(resource, attribute):
        builder.set(key, default, ctx.ref(resource))
        return
    ctx.put(builder, key, resource, (attribute,), convert)


def _name(resource: PlannedResource) -> Any:
    return resource.values.get("name")


def _named(ctx: PlanContext, resource: PlannedResource, attribute: str,
           types: Sequence[str], key: str, what: str) -> tuple[str, Ref] | CallFailure:
    """The name an association gives at ``attribute``, and where the plan holds it: its own
    value, else the ``key`` of the planned resource it refers to."""
    value = ctx.value(resource, attribute, what=what)
    if isinstance(value, str) and value:
        return value, ctx.ref(resource, attribute)
    for target in ctx.targets(resource, attribute, types, key):
        named = ctx.value(target, key)
        if isinstance(named, str) and named:
            return named, ctx.ref(target, key)
    if isinstance(value, Unknown):
        return value.failure
    return ctx.not_in_plan(resource, f"{resource.address} names no {what}")


# --------------------------------------------------------------------------- stacks


def _stack(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    builder = ctx.builder(resource, STACK, _name(resource))
    for attribute, key in _STACK_SCALARS.items():
        ctx.put(builder, key, resource, (attribute,))
    # CreateStack: "By default, these actions are enabled" -- none listed, all enabled
    put_or_default(ctx, builder, "UserSettings", resource, "user_settings", user_settings, [])
    # a stack created without storage connectors has none (no home folders either)
    put_or_default(ctx, builder, "StorageConnectors", resource, "storage_connectors",
                   storage_connectors, [])
    put_or_default(ctx, builder, "AccessEndpoints", resource, "access_endpoints",
                   access_endpoints, [])
    put_or_default(ctx, builder, "EmbedHostDomains", resource, "embed_host_domains",
                   lambda v: list(v or []), [])
    ctx.put(builder, "ApplicationSettings", resource, ("application_settings",),
            application_settings)
    ctx.put(builder, "StreamingExperienceSettings", resource,
            ("streaming_experience_settings",), streaming_experience)
    _effective(builder)
    _fleets(ctx, builder, resource)
    _users(ctx, builder, resource)
    yield builder.build()


def _effective(builder: ResourceBuilder) -> None:
    """``EffectiveUserSettings`` as the live normaliser derives it from ``UserSettings``."""
    if "UserSettings" in builder.failures:
        builder.fail("EffectiveUserSettings", builder.failures["UserSettings"])
        return
    builder.set("EffectiveUserSettings",
                effective_user_settings(builder.attributes["UserSettings"]),
                builder.sources["UserSettings"])


def _fleets(ctx: PlanContext, builder: ResourceBuilder, stack: PlannedResource) -> None:
    """The fleets the plan associates with the stack (``ListAssociatedFleets``)."""
    names: list[str] = []
    refs: list[Ref] = []
    for association in ctx.linked((TF_FLEET_ASSOCIATION,), "stack_name", stack, key="name"):
        found = _named(ctx, association, "fleet_name", (TF_FLEET,), "name", "the fleet name")
        if isinstance(found, CallFailure):
            builder.fail("Fleets", found)
            return
        names.append(found[0])
        refs.append(found[1])
    builder.set("Fleets", names, refs or [ctx.ref(stack)])


def _users(ctx: PlanContext, builder: ResourceBuilder, stack: PlannedResource) -> None:
    """The user-pool users the plan associates with the stack
    (``DescribeUserStackAssociations``)."""
    users: list[dict[str, Any]] = []
    refs: list[Ref] = []
    for association in ctx.linked((TF_USER_ASSOCIATION,), "stack_name", stack, key="name"):
        found = _named(ctx, association, "user_name", (TF_USER,), "user_name", "the user name")
        if isinstance(found, CallFailure):
            builder.fail("UserAssociations", found)
            return
        kind = ctx.value(association, "authentication_type")
        users.append({"UserName": found[0],
                      "AuthenticationType": None if isinstance(kind, Unknown) else kind})
        refs.append(ctx.ref(association))
    builder.set("UserAssociations", users, refs or [ctx.ref(stack)])


# --------------------------------------------------------------------------- fleets


def _fleet(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    builder = ctx.builder(resource, FLEET, _name(resource))
    for attribute, key in _FLEET_SCALARS.items():
        ctx.put(builder, key, resource, (attribute,), _number)
    _running(ctx, builder, resource)
    ctx.put(builder, "VpcConfig", resource, ("vpc_config",), vpc_config)
    ctx.put(builder, "DomainJoinInfo", resource, ("domain_join_info",), domain_join_info)
    _usb_filters(ctx, builder, resource)
    yield builder.build()


def _usb_filters(ctx: PlanContext, builder: ResourceBuilder, fleet: PlannedResource) -> None:
    """The provider never sends ``UsbDeviceFilterStrings``: a fleet it creates has none."""
    if "create" in fleet.actions:
        builder.set("UsbDeviceFilterStrings", [], ctx.ref(fleet))
        return
    builder.fail("UsbDeviceFilterStrings", ctx.not_in_plan(
        fleet, f"the USB device filter strings of fleet {_name(fleet) or fleet.address} are "
               "not in the plan: the AWS provider has no argument for them, so they are set "
               "outside Terraform"))


def _running(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource) -> None:
    """A fleet or image builder the plan creates is RUNNING once applied: the provider
    starts it and waits for that state before the apply succeeds."""
    if "create" in resource.actions and isinstance(ctx.value(resource, "state"), Unknown):
        builder.set("State", "RUNNING", ctx.ref(resource))


# --------------------------------------------------------------------------- image builders


def _image_builder(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    builder = ctx.builder(resource, IMAGE_BUILDER, _name(resource))
    for attribute, key in _BUILDER_SCALARS.items():
        ctx.put(builder, key, resource, (attribute,))
    _running(ctx, builder, resource)
    ctx.put(builder, "VpcConfig", resource, ("vpc_config",), vpc_config)
    ctx.put(builder, "DomainJoinInfo", resource, ("domain_join_info",), domain_join_info)
    put_or_default(ctx, builder, "AccessEndpoints", resource, "access_endpoint",
                   access_endpoints, [])
    yield builder.build()


NORMALIZERS: dict[str, Callable[[PlanContext, PlannedResource], Iterable[Resource]]] = {
    TF_STACK: _stack,
    TF_FLEET: _fleet,
    TF_IMAGE_BUILDER: _image_builder,
}
# associations are the stack's Fleets and UserAssociations; a user-pool user is judged only
# as the stack's entitlement (the live scan builds no resource for users either)
CONSUMED: frozenset[str] = frozenset({TF_FLEET_ASSOCIATION, TF_USER_ASSOCIATION, TF_USER})

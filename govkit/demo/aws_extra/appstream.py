"""Amazon AppStream 2.0 on loopback: stacks, fleets, image builders, the stack-fleet
association, user-pool users and tags, over awsJson1.1
(``X-Amz-Target: PhotonAdminProxyService.<Operation>``). The service model also lists Smithy
RPC v2 CBOR, but botocore ranks awsJson1.1 first and speaks it. Every answer is checked
against the operation's output shape in the installed botocore model before it is sent: an
answer the real service could not give is a bug here, not a test result.

Writes (CreateStack, CreateFleet, StartFleet, AssociateFleet, CreateImageBuilder,
StartImageBuilder, StopImageBuilder, CreateUser, BatchAssociateUserStack, TagResource) are what
the demo estate and the tests seed with, through boto3, so every seeded value has passed the
client's own validation. Reads are the calls govkit makes: DescribeStacks, DescribeFleets,
DescribeImageBuilders (all three paged by NextToken), ListAssociatedFleets,
DescribeUserStackAssociations and ListTagsForResource.

What the service fills in itself follows its documentation: a stack's UserSettings are only
those the request set (an action left out is enabled); a new fleet is STOPPED until started, an
ON_DEMAND fleet unless another type is asked for, and without internet access; its idle
disconnect timeout is 0 (users are never disconnected for inactivity) unless set. The maximum
session length and the disconnect timeout are answered only when the request set them (the
service's own defaults for them are not documented). A stack streams from at most one fleet:
associating a second is refused, as the console refuses it.

A new image builder is PENDING in the answer to CreateImageBuilder and RUNNING from then on
(the service moves it there once its instance is ready; here it is ready at once);
StopImageBuilder answers STOPPING and leaves it STOPPED, StartImageBuilder answers PENDING and
leaves it RUNNING. It has no default internet access unless asked for, like a fleet. Its
Platform is the one the AWS base image it was made from is named for
(AppStream-WinServer2022-...: WINDOWS_SERVER_2022), and left out for any other image, whose
platform this emulator cannot know.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

from govkit.demo.aws_extra import Call, JsonService, ServiceError, offset_page, token_offset

_STACK_FIELDS = ("Name", "Description", "DisplayName", "StorageConnectors", "RedirectURL",
                 "FeedbackURL", "UserSettings", "AccessEndpoints", "EmbedHostDomains",
                 "StreamingExperienceSettings", "ContentRedirection", "WebAuthnRedirection",
                 "AgentAccessConfig", "StorageConnectorAuthentication")
_FLEET_FIELDS = ("Name", "DisplayName", "Description", "ImageName", "ImageArn", "InstanceType",
                 "FleetType", "VpcConfig", "MaxUserDurationInSeconds",
                 "DisconnectTimeoutInSeconds", "EnableDefaultInternetAccess", "DomainJoinInfo",
                 "IdleDisconnectTimeoutInSeconds", "IamRoleArn", "StreamView", "Platform",
                 "MaxConcurrentSessions", "UsbDeviceFilterStrings", "SessionScriptS3Location",
                 "MaxSessionsPerInstance", "RootVolumeConfig", "DisableIMDSV1")
_FLEET_DEFAULTS: Mapping[str, Any] = {
    "FleetType": "ON_DEMAND", "EnableDefaultInternetAccess": False, "StreamView": "APP",
    "IdleDisconnectTimeoutInSeconds": 0}
_IMAGE_BUILDER_FIELDS = ("Name", "Description", "DisplayName", "ImageArn", "InstanceType",
                         "VpcConfig", "IamRoleArn", "EnableDefaultInternetAccess",
                         "DomainJoinInfo", "AppstreamAgentVersion", "AccessEndpoints",
                         "RootVolumeConfig", "DisableIMDSV1")
_IMAGE_BUILDER_DEFAULTS: Mapping[str, Any] = {"EnableDefaultInternetAccess": False}
# the platform of each AWS base image, by the start of its name
_BASE_IMAGE_PLATFORMS = (("AppStream-WinServer2016-", "WINDOWS_SERVER_2016"),
                         ("AppStream-WinServer2019-", "WINDOWS_SERVER_2019"),
                         ("AppStream-WinServer2022-", "WINDOWS_SERVER_2022"),
                         ("AppStream-WinServer2025-", "WINDOWS_SERVER_2025"),
                         ("AppStream-AmazonLinux2-", "AMAZON_LINUX2"))


@dataclass
class Region:
    """One account's AppStream estate in one region."""

    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    fleets: dict[str, dict[str, Any]] = field(default_factory=dict)
    image_builders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fleet_of: dict[str, list[str]] = field(default_factory=dict)  # stack -> fleet names
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # ARN -> tags
    users: set[tuple[str, str]] = field(default_factory=set)  # (user name, auth type)
    user_stacks: list[dict[str, Any]] = field(default_factory=list)


def _now() -> float:
    """A timestamp as awsJson1.1 sends it: seconds since the epoch."""
    return round(dt.datetime.now(dt.timezone.utc).timestamp(), 3)


def _page(items: Sequence[Any], params: Mapping[str, Any], size: int,
          key: str) -> dict[str, Any]:
    start = token_offset(params.get("NextToken"), "InvalidParameterCombinationException")
    found, token = offset_page(items, start, int(params.get("MaxResults") or size))
    # lists the model bounds below by 1 (UserStackAssociations) are left out when empty
    answer: dict[str, Any] = {key: found} if found or key != "UserStackAssociations" else {}
    if token is not None:
        answer["NextToken"] = token
    return answer


def _named(held: Mapping[str, dict[str, Any]], names: Sequence[str] | None,
           find: Callable[[str], dict[str, Any]]) -> list[dict[str, Any]]:
    """What a Describe call's ``Names`` asks for (``find``: each, or ResourceNotFound), or
    everything ``held``, by name."""
    return [find(n) for n in names] if names else [held[n] for n in sorted(held)]


Operation = Callable[["AppStream", Call, dict[str, Any]], dict[str, Any]]


@functools.cache
def _model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("appstream")


def _checked(method: Operation) -> Operation:
    """``method`` (``op_<Operation>``), its answer checked against the service model."""
    operation = method.__name__.removeprefix("op_")

    @functools.wraps(method)
    def run(self: AppStream, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        answer = method(self, call, params)
        shape = _model().operation_model(operation).output_shape
        report = ParamValidator().validate(answer, shape) if shape is not None else None
        if report is not None and report.has_errors():
            raise AssertionError(f"appstream {operation} answer does not match the service "
                                 f"model: {report.generate_report()}")
        return answer
    return run


class AppStream(JsonService):
    service = "appstream"
    target_prefix = "PhotonAdminProxyService"

    def __init__(self, page_size: int = 25) -> None:
        super().__init__()
        self.page_size = page_size  # items per page of the listings without MaxResults

    def new_state(self) -> Region:
        return Region()

    def _arn(self, call: Call, kind: str, name: str) -> str:
        return f"arn:aws:appstream:{call.region}:{call.account}:{kind}/{name}"

    def _stack(self, state: Region, name: str) -> dict[str, Any]:
        if name not in state.stacks:
            raise ServiceError("ResourceNotFoundException", f"The stack {name} was not found.")
        return state.stacks[name]

    def _fleet(self, state: Region, name: str) -> dict[str, Any]:
        if name not in state.fleets:
            raise ServiceError("ResourceNotFoundException", f"The fleet {name} was not found.")
        return state.fleets[name]

    def _image_builder(self, state: Region, name: str) -> dict[str, Any]:
        if name not in state.image_builders:
            raise ServiceError("ResourceNotFoundException",
                               f"The image builder {name} was not found.")
        return state.image_builders[name]

    # --- writes ------------------------------------------------------------------------

    @_checked
    def op_CreateStack(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        name = params["Name"]
        if name in state.stacks:
            raise ServiceError("ResourceAlreadyExistsException", f"The stack {name} exists.")
        stack: dict[str, Any] = {k: params[k] for k in _STACK_FIELDS if k in params}
        stack.update(Arn=self._arn(call, "stack", name),
                     CreatedTime=_now())
        settings = params.get("ApplicationSettings")
        if settings is not None:
            stack["ApplicationSettings"] = dict(settings)
            if settings.get("Enabled"):
                digest = hashlib.sha256(f"{call.account}{call.region}".encode()).hexdigest()
                stack["ApplicationSettings"]["S3BucketName"] = \
                    f"appstream-app-settings-{call.region}-{call.account}-{digest[:8]}"
        state.stacks[name] = stack
        state.tags[stack["Arn"]] = dict(params.get("Tags") or {})
        return {"Stack": stack}

    @_checked
    def op_CreateFleet(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        name = params["Name"]
        if name in state.fleets:
            raise ServiceError("ResourceAlreadyExistsException", f"The fleet {name} exists.")
        fleet: dict[str, Any] = {**_FLEET_DEFAULTS,
                                 **{k: params[k] for k in _FLEET_FIELDS if k in params}}
        desired = (params.get("ComputeCapacity") or {}).get("DesiredInstances", 0)
        fleet.update(Arn=self._arn(call, "fleet", name), State="STOPPED",
                     CreatedTime=_now(),
                     ComputeCapacityStatus={"Desired": desired, "Running": 0, "InUse": 0,
                                            "Available": 0})
        if "ImageName" in params and "ImageArn" not in params:
            fleet["ImageArn"] = f"arn:aws:appstream:{call.region}::image/{params['ImageName']}"
        state.fleets[name] = fleet
        state.tags[fleet["Arn"]] = dict(params.get("Tags") or {})
        return {"Fleet": fleet}

    @_checked
    def op_StartFleet(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        fleet = self._fleet(self.region_state(call), params["Name"])
        capacity = fleet["ComputeCapacityStatus"]
        fleet["State"] = "RUNNING"
        capacity.update(Running=capacity["Desired"], Available=capacity["Desired"])
        return {}

    @_checked
    def op_CreateImageBuilder(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        name = params["Name"]
        if name in state.image_builders:
            raise ServiceError("ResourceAlreadyExistsException",
                               f"The image builder {name} exists.")
        image = params.get("ImageName")
        if image is None and "ImageArn" not in params:
            raise ServiceError("InvalidParameterCombinationException",
                               "Specify an image name or an image ARN.")
        builder: dict[str, Any] = {
            **_IMAGE_BUILDER_DEFAULTS,
            **{k: params[k] for k in _IMAGE_BUILDER_FIELDS if k in params}}
        builder.update(Arn=self._arn(call, "image-builder", name), State="RUNNING",
                       CreatedTime=_now())
        if image is not None and "ImageArn" not in params:
            builder["ImageArn"] = f"arn:aws:appstream:{call.region}::image/{image}"
        platform = next((p for prefix, p in _BASE_IMAGE_PLATFORMS
                         if str(image or "").startswith(prefix)), None)
        if platform is not None:
            builder["Platform"] = platform
        state.image_builders[name] = builder
        state.tags[builder["Arn"]] = dict(params.get("Tags") or {})
        return {"ImageBuilder": {**builder, "State": "PENDING"}}

    @_checked
    def op_StartImageBuilder(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        builder = self._image_builder(self.region_state(call), params["Name"])
        builder["State"] = "RUNNING"
        if "AppstreamAgentVersion" in params:
            builder["AppstreamAgentVersion"] = params["AppstreamAgentVersion"]
        return {"ImageBuilder": {**builder, "State": "PENDING"}}

    @_checked
    def op_StopImageBuilder(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        builder = self._image_builder(self.region_state(call), params["Name"])
        builder["State"] = "STOPPED"
        return {"ImageBuilder": {**builder, "State": "STOPPING"}}

    @_checked
    def op_AssociateFleet(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        stack, fleet = params["StackName"], params["FleetName"]
        self._stack(state, stack)
        self._fleet(state, fleet)
        current = state.fleet_of.setdefault(stack, [])
        if current and fleet not in current:
            raise ServiceError("OperationNotPermittedException",
                               f"The stack {stack} is already associated with a fleet.")
        if fleet not in current:
            current.append(fleet)
        return {}

    @_checked
    def op_CreateUser(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        key = (params["UserName"], params["AuthenticationType"])
        if key in state.users:
            raise ServiceError("ResourceAlreadyExistsException",
                               f"The user {key[0]} already exists.")
        state.users.add(key)
        return {}

    @_checked
    def op_BatchAssociateUserStack(self, call: Call, params: dict[str, Any]
                                   ) -> dict[str, Any]:
        state: Region = self.region_state(call)
        errors = []
        for association in params["UserStackAssociations"]:
            code = "STACK_NOT_FOUND" if association["StackName"] not in state.stacks else \
                "USER_NAME_NOT_FOUND" if (association["UserName"],
                                          association["AuthenticationType"]) not in state.users \
                else None
            if code is not None:
                errors.append({"UserStackAssociation": association, "ErrorCode": code,
                               "ErrorMessage": code.replace("_", " ").lower()})
            elif association not in state.user_stacks:
                state.user_stacks.append(dict(association))
        return {"errors": errors}

    @_checked
    def op_TagResource(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        if params["ResourceArn"] not in state.tags:
            raise ServiceError("ResourceNotFoundException",
                               f"The resource {params['ResourceArn']} was not found.")
        state.tags[params["ResourceArn"]].update(params["Tags"])
        return {}

    # --- reads -------------------------------------------------------------------------

    @_checked
    def op_DescribeStacks(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        stacks = _named(state.stacks, params.get("Names"), functools.partial(self._stack, state))
        return _page(stacks, params, self.page_size, "Stacks")

    @_checked
    def op_DescribeFleets(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        fleets = _named(state.fleets, params.get("Names"), functools.partial(self._fleet, state))
        return _page(fleets, params, self.page_size, "Fleets")

    @_checked
    def op_DescribeImageBuilders(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        builders = _named(state.image_builders, params.get("Names"),
                          functools.partial(self._image_builder, state))
        return _page(builders, params, self.page_size, "ImageBuilders")

    @_checked
    def op_ListAssociatedFleets(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        return _page(state.fleet_of.get(params["StackName"], []), params, self.page_size,
                     "Names")

    @_checked
    def op_DescribeUserStackAssociations(self, call: Call, params: dict[str, Any]
                                         ) -> dict[str, Any]:
        state: Region = self.region_state(call)
        stack, user = params.get("StackName"), params.get("UserName")
        kind = params.get("AuthenticationType")
        if stack is None and (user is None or kind is None):
            raise ServiceError("InvalidParameterCombinationException",
                               "Specify a stack name, or a user name and authentication type.")
        found = [a for a in state.user_stacks
                 if (stack is None or a["StackName"] == stack)
                 and (user is None or a["UserName"] == user)
                 and (kind is None or a["AuthenticationType"] == kind)]
        return _page(found, params, self.page_size, "UserStackAssociations")

    @_checked
    def op_ListTagsForResource(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        state: Region = self.region_state(call)
        arn = params["ResourceArn"]
        if arn not in state.tags:
            raise ServiceError("ResourceNotFoundException", f"The resource {arn} was not found.")
        tags = state.tags[arn]
        return {"Tags": dict(tags)} if tags else {}  # the model's Tags map has at least one


# one estate per process, like moto's backends: every loopback server in the process serves it,
# and tests reach it to change what boto3 cannot (the page size)
SERVICE = AppStream()

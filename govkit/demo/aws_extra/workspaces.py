"""WorkSpaces Pools and IP access control groups, beside moto's WorkSpaces.

moto 5 answers WorkSpaces Personal (directories registered from AWS Directory Service, and
WorkSpaces) but has no pools, no pool directories and no IP access control groups. This
service shares moto's signing name and target prefix (``WorkspacesService``) and takes:

- every request of an operation moto does not implement and the demo needs:
  ``CreateIpGroup``, ``AuthorizeIpRules``, ``DescribeIpGroups``, ``CreateWorkspacesPool``,
  ``DescribeWorkspacesPools``, ``UpdateWorkspacesPool``;
- the directory operations only when they are about the pool directories held here:
  ``RegisterWorkspaceDirectory`` with ``WorkspaceType`` POOLS, and ``DescribeWorkspaceDirectories``,
  ``DescribeClientProperties``, ``ModifyClientProperties``, ``ModifyStreamingProperties``,
  ``ModifyWorkspaceAccessProperties`` and ``AssociateIpGroups`` naming only such directories,
  or ``DescribeWorkspaceDirectories`` filtered to WORKSPACE_TYPE POOLS (``answers`` reads the
  request body and puts it back for moto). Everything else about directories stays with
  moto, whose answers are not touched.

So moto's unfiltered ``DescribeWorkspaceDirectories`` does not list pool directories, as AWS
does; govkit's collector describes, by id, a pool's directory that the listing left out (which
also covers a directory registered between the two calls in AWS), and this service answers
that request. A pool directory's ``StreamingProperties`` (user settings and storage
connectors) are where the botocore model puts them: on ``WorkspaceDirectory``.

Identifiers are a stable hash of account, region and name (``wsd-``, ``wspool-``, ``wsipg-``
and nine characters), so a demo rebuilt from scratch gets the same ids; names are unique per
account and region, as AWS requires for IP groups and pools.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import time
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any, cast

from govkit.demo.aws_extra import (
    Call, Environ, JsonService, ServiceError, offset_page, token_offset)

OPEN_OPERATIONS = frozenset({"CreateIpGroup", "AuthorizeIpRules", "DescribeIpGroups",
                             "CreateWorkspacesPool", "DescribeWorkspacesPools",
                             "UpdateWorkspacesPool"})
# answered here only for the pool directories this service holds; moto answers the rest
DIRECTORY_OPERATIONS = frozenset({"RegisterWorkspaceDirectory", "DescribeWorkspaceDirectories",
                                  "DescribeClientProperties", "ModifyClientProperties",
                                  "ModifyStreamingProperties", "ModifyWorkspaceAccessProperties",
                                  "AssociateIpGroups"})
USER_SETTING_ACTIONS = frozenset({"CLIPBOARD_COPY_FROM_LOCAL_DEVICE",
                                  "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "PRINTING_TO_LOCAL_DEVICE",
                                  "SMART_CARD"})
MAX_RULES_PER_GROUP = 10  # the WorkSpaces quota on rules in one IP access control group
MAX_PAGE = 25
# what AWS gives a newly registered directory (moto keeps the same defaults)
DEFAULT_DEVICE_ACCESS = {"DeviceTypeWindows": "ALLOW", "DeviceTypeOsx": "ALLOW",
                         "DeviceTypeWeb": "DENY", "DeviceTypeIos": "ALLOW",
                         "DeviceTypeAndroid": "ALLOW", "DeviceTypeChromeOs": "ALLOW",
                         "DeviceTypeZeroClient": "ALLOW", "DeviceTypeLinux": "DENY"}
DEFAULT_CLIENT_PROPERTIES = {"ReconnectEnabled": "ENABLED", "LogUploadEnabled": "ENABLED"}
# a pool directory offers no self-service actions (they belong to WorkSpaces Personal)
POOL_SELF_SERVICE = {"RestartWorkspace": "DISABLED", "IncreaseVolumeSize": "DISABLED",
                     "ChangeComputeType": "DISABLED", "SwitchRunningMode": "DISABLED",
                     "RebuildWorkspace": "DISABLED"}


def stable_id(prefix: str, *parts: str) -> str:
    """``prefix`` and nine hex characters derived from ``parts``."""
    digest = hashlib.sha256(":".join(parts).encode()).hexdigest()
    return f"{prefix}-{digest[:9]}"


def _peek(environ: Environ) -> Mapping[str, Any]:
    """The request's JSON body, read and put back so the next reader sees it whole."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    cast(MutableMapping[str, Any], environ)["wsgi.input"] = io.BytesIO(body)
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


def _page(items: Sequence[Any], params: Mapping[str, Any], limit_key: str,
          key: str) -> dict[str, Any]:
    """The answer holding one page of ``items`` under ``key``, from the request's NextToken
    (an offset) and limit, with the next page's token (none: this is the last)."""
    token = params.get("NextToken")
    start = token_offset(token, "InvalidParameterValuesException")
    if start < 0 or start > len(items):
        raise ServiceError("InvalidParameterValuesException", f"invalid NextToken {token!r}")
    limit = int(params.get(limit_key) or MAX_PAGE)
    page, following = offset_page(items, start, max(1, min(limit, MAX_PAGE)))
    return {key: page, **({"NextToken": following} if following else {})}


def _cidr(rule: Mapping[str, Any]) -> dict[str, str]:
    text = str(rule.get("ipRule") or "")
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ServiceError("InvalidParameterValuesException",
                           f"ipRule {text!r} is not an IP address or CIDR range") from None
    item = {"ipRule": text}
    if rule.get("ruleDesc"):
        item["ruleDesc"] = str(rule["ruleDesc"])
    return item


class WorkSpacesExtra(JsonService):
    """Pools, pool directories and IP access control groups, per account and region."""

    service = "workspaces"
    target_prefix = "WorkspacesService"

    def new_state(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {"directories": {}, "clients": {}, "pools": {}, "groups": {}}

    # -- routing -----------------------------------------------------------------------------

    def answers(self, environ: Environ, call: Call) -> bool:
        if not super().answers(environ, call):
            return False
        name = self.operation(environ)
        if name in OPEN_OPERATIONS:
            return True
        params = _peek(environ)
        with self._lock:
            held = self.state.get((call.account, call.region), {}).get("directories", {})
            return _about_pool_directories(str(name), params, held)

    # -- pool directories --------------------------------------------------------------------

    def op_RegisterWorkspaceDirectory(self, call: Call, params: Mapping[str, Any]
                                      ) -> dict[str, Any]:
        state = self.region_state(call)
        name = str(params.get("WorkspaceDirectoryName") or "")
        if not name or not params.get("WorkspaceDirectoryDescription"):
            raise ServiceError("InvalidParameterValuesException", "a pool directory needs "
                               "WorkspaceDirectoryName and WorkspaceDirectoryDescription")
        directory_id = stable_id("wsd", call.account, call.region, name)
        if directory_id in state["directories"]:
            raise ServiceError("ResourceAlreadyExistsException",
                               f"directory {name} is already registered")
        identity = str(params.get("UserIdentityType") or "CUSTOMER_MANAGED")
        state["directories"][directory_id] = {
            "DirectoryId": directory_id, "DirectoryName": name,
            "WorkspaceDirectoryName": name,
            "WorkspaceDirectoryDescription": params["WorkspaceDirectoryDescription"],
            "DirectoryType": "CUSTOMER_MANAGED" if identity == "CUSTOMER_MANAGED"
            else "AD_CONNECTOR",
            "UserIdentityType": identity, "WorkspaceType": "POOLS", "State": "REGISTERED",
            "SubnetIds": list(params.get("SubnetIds") or []),
            "Tenancy": params.get("Tenancy") or "SHARED", "ipGroupIds": [],
            "WorkspaceAccessProperties": dict(DEFAULT_DEVICE_ACCESS),
            "WorkspaceCreationProperties": {"EnableInternetAccess": False,
                                            "UserEnabledAsLocalAdministrator": False},
            "SelfservicePermissions": dict(POOL_SELF_SERVICE),
            "SamlProperties": {"Status": "DISABLED"},
            "CertificateBasedAuthProperties": {"Status": "DISABLED"},
        }
        state["clients"][directory_id] = dict(DEFAULT_CLIENT_PROPERTIES)
        return {"DirectoryId": directory_id, "State": "REGISTERED"}

    def op_DescribeWorkspaceDirectories(self, call: Call, params: Mapping[str, Any]
                                        ) -> dict[str, Any]:
        held = self.region_state(call)["directories"]
        wanted = params.get("DirectoryIds") or sorted(held)
        found = [held[d] for d in wanted if d in held]
        return _page(found, params, "Limit", "Directories")

    def op_DescribeClientProperties(self, call: Call, params: Mapping[str, Any]
                                    ) -> dict[str, Any]:
        clients = self.region_state(call)["clients"]
        return {"ClientPropertiesList": [
            {"ResourceId": d, "ClientProperties": dict(clients[d])}
            for d in params.get("ResourceIds") or [] if d in clients]}

    def op_ModifyClientProperties(self, call: Call, params: Mapping[str, Any]
                                  ) -> dict[str, Any]:
        directory = self._directory(call, params.get("ResourceId"))
        clients = self.region_state(call)["clients"]
        clients[directory["DirectoryId"]].update(params.get("ClientProperties") or {})
        return {}

    def op_ModifyWorkspaceAccessProperties(self, call: Call, params: Mapping[str, Any]
                                           ) -> dict[str, Any]:
        directory = self._directory(call, params.get("ResourceId"))
        directory["WorkspaceAccessProperties"].update(
            params.get("WorkspaceAccessProperties") or {})
        return {}

    def op_ModifyStreamingProperties(self, call: Call, params: Mapping[str, Any]
                                     ) -> dict[str, Any]:
        directory = self._directory(call, params.get("ResourceId"))
        properties = dict(params.get("StreamingProperties") or {})
        actions = [s.get("Action") for s in properties.get("UserSettings") or []]
        unknown = sorted(str(a) for a in actions if a not in USER_SETTING_ACTIONS)
        if unknown or len(set(actions)) != len(actions):
            raise ServiceError("InvalidParameterValuesException",
                               f"invalid or repeated user setting actions: {actions}")
        if properties:
            directory["StreamingProperties"] = properties
        else:
            directory.pop("StreamingProperties", None)
        return {}

    def op_AssociateIpGroups(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        directory = self._directory(call, params.get("DirectoryId"))
        groups = self.region_state(call)["groups"]
        for group_id in params.get("GroupIds") or []:
            if group_id not in groups:
                raise ServiceError("ResourceNotFoundException",
                                   f"IP access control group {group_id} does not exist")
            if group_id not in directory["ipGroupIds"]:
                directory["ipGroupIds"].append(group_id)
        return {}

    def _directory(self, call: Call, directory_id: Any) -> dict[str, Any]:
        directory: dict[str, Any] | None = \
            self.region_state(call)["directories"].get(str(directory_id))
        if directory is None:
            raise ServiceError("ResourceNotFoundException",
                               f"directory {directory_id} is not registered")
        return directory

    # -- IP access control groups ------------------------------------------------------------

    def op_CreateIpGroup(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        groups = self.region_state(call)["groups"]
        name = str(params.get("GroupName") or "")
        if not name:
            raise ServiceError("InvalidParameterValuesException", "GroupName is required")
        group_id = stable_id("wsipg", call.account, call.region, name)
        if group_id in groups:
            raise ServiceError("ResourceAlreadyExistsException",
                               f"an IP access control group named {name} exists")
        rules = [_cidr(r) for r in params.get("UserRules") or []]
        if len(rules) > MAX_RULES_PER_GROUP:
            raise ServiceError("ResourceLimitExceededException",
                               f"at most {MAX_RULES_PER_GROUP} rules per group")
        group: dict[str, Any] = {"groupId": group_id, "groupName": name, "userRules": rules}
        if params.get("GroupDesc"):
            group["groupDesc"] = str(params["GroupDesc"])
        groups[group_id] = group
        return {"GroupId": group_id}

    def op_AuthorizeIpRules(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        group = self.region_state(call)["groups"].get(str(params.get("GroupId")))
        if group is None:
            raise ServiceError("ResourceNotFoundException",
                               f"IP access control group {params.get('GroupId')} does not exist")
        held = {r["ipRule"] for r in group["userRules"]}
        added = [r for r in (_cidr(r) for r in params.get("UserRules") or [])
                 if r["ipRule"] not in held]
        if len(group["userRules"]) + len(added) > MAX_RULES_PER_GROUP:
            raise ServiceError("ResourceLimitExceededException",
                               f"at most {MAX_RULES_PER_GROUP} rules per group")
        group["userRules"].extend(added)
        return {}

    def op_DescribeIpGroups(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        groups = self.region_state(call)["groups"]
        wanted = params.get("GroupIds") or sorted(groups)
        found = [groups[g] for g in wanted if g in groups]
        return _page(found, params, "MaxResults", "Result")

    # -- pools -------------------------------------------------------------------------------

    def op_CreateWorkspacesPool(self, call: Call, params: Mapping[str, Any]
                                ) -> dict[str, Any]:
        state = self.region_state(call)
        name = str(params.get("PoolName") or "")
        pool_id = stable_id("wspool", call.account, call.region, name)
        if pool_id in state["pools"]:
            raise ServiceError("ResourceAlreadyExistsException", f"pool {name} exists")
        self._directory(call, params.get("DirectoryId"))
        desired = int((params.get("Capacity") or {}).get("DesiredUserSessions") or 0)
        pool: dict[str, Any] = {
            "PoolId": pool_id, "PoolName": name,
            "PoolArn": f"arn:aws:workspaces:{call.region}:{call.account}:workspacespool/"
                       f"{pool_id}",
            "Description": params.get("Description"), "BundleId": params.get("BundleId"),
            "DirectoryId": params.get("DirectoryId"), "State": "RUNNING",
            "CreatedAt": time.time(), "RunningMode": params.get("RunningMode") or "AUTO_STOP",
            "CapacityStatus": {"AvailableUserSessions": desired, "DesiredUserSessions": desired,
                               "ActualUserSessions": desired, "ActiveUserSessions": 0},
            "Errors": [],
        }
        _apply_pool_settings(pool, params, call)
        state["pools"][pool_id] = pool
        return {"WorkspacesPool": pool}

    def op_DescribeWorkspacesPools(self, call: Call, params: Mapping[str, Any]
                                   ) -> dict[str, Any]:
        pools = self.region_state(call)["pools"]
        wanted = params.get("PoolIds") or sorted(pools, key=lambda p: pools[p]["PoolName"])
        found = [pools[p] for p in wanted if p in pools and
                 _matches(pools[p], params.get("Filters") or [])]
        return _page(found, params, "Limit", "WorkspacesPools")

    def op_UpdateWorkspacesPool(self, call: Call, params: Mapping[str, Any]
                                ) -> dict[str, Any]:
        pool = self.region_state(call)["pools"].get(str(params.get("PoolId")))
        if pool is None:
            raise ServiceError("ResourceNotFoundException",
                               f"pool {params.get('PoolId')} does not exist")
        if params.get("DirectoryId"):
            self._directory(call, params["DirectoryId"])
        for key in ("Description", "BundleId", "DirectoryId", "RunningMode"):
            if params.get(key):
                pool[key] = params[key]
        if params.get("Capacity"):
            desired = int(params["Capacity"].get("DesiredUserSessions") or 0)
            pool["CapacityStatus"].update(DesiredUserSessions=desired,
                                          AvailableUserSessions=desired,
                                          ActualUserSessions=desired)
        _apply_pool_settings(pool, params, call)
        return {"WorkspacesPool": pool}


def _about_pool_directories(name: str, params: Mapping[str, Any],
                            held: Mapping[str, Any]) -> bool:
    """Whether a directory request is for this service: registering a pool directory, or
    naming only pool directories registered here."""
    if name == "RegisterWorkspaceDirectory":
        return params.get("WorkspaceType") == "POOLS"
    named: Iterable[Any] = params.get("DirectoryIds") or params.get("ResourceIds") or \
        [params.get("ResourceId") or params.get("DirectoryId")]
    ids = [str(i) for i in named if i]
    if name == "DescribeWorkspaceDirectories" and not ids:
        filters = params.get("Filters") or []
        return any(f.get("Name") == "WORKSPACE_TYPE" and f.get("Values") == ["POOLS"]
                   for f in filters if isinstance(f, Mapping))
    return bool(ids) and all(i in held for i in ids)


def _apply_pool_settings(pool: dict[str, Any], params: Mapping[str, Any], call: Call) -> None:
    if params.get("TimeoutSettings") is not None:
        pool["TimeoutSettings"] = dict(params["TimeoutSettings"])
    settings = params.get("ApplicationSettings")
    if settings is not None:
        applied = {"Status": settings.get("Status") or "DISABLED"}
        if settings.get("SettingsGroup"):
            applied["SettingsGroup"] = settings["SettingsGroup"]
        if applied["Status"] == "ENABLED":
            applied["S3BucketName"] = f"wspool-app-settings-{call.region}-{call.account}"
        pool["ApplicationSettings"] = applied
    pool.setdefault("ApplicationSettings", {"Status": "DISABLED"})


def _matches(pool: Mapping[str, Any], filters: Sequence[Mapping[str, Any]]) -> bool:
    """DescribeWorkspacesPools filters: on PoolName, with EQUALS, NOTEQUALS, CONTAINS or
    NOTCONTAINS against any of the values."""
    for spec in filters:
        if spec.get("Name") != "PoolName":
            raise ServiceError("InvalidParameterValuesException",
                               f"unknown filter {spec.get('Name')}")
        name, values = str(pool["PoolName"]), [str(v) for v in spec.get("Values") or []]
        operator = spec.get("Operator")
        if operator == "EQUALS":
            hit = name in values
        elif operator == "NOTEQUALS":
            hit = name not in values
        elif operator == "CONTAINS":
            hit = any(v in name for v in values)
        elif operator == "NOTCONTAINS":
            hit = not any(v in name for v in values)
        else:
            raise ServiceError("InvalidParameterValuesException",
                               f"unknown filter operator {operator}")
        if not hit:
            return False
    return True

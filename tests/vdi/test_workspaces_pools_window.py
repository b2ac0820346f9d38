"""WorkSpaces pools mapped into glass windows, on hand-built pool resources, and judged by the
built-in vdi rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import load_policy_set
from govkit.policy.model import Rule
from govkit.results import Status
from govkit.vdi import workspaces_pools
from govkit.vdi.window import CHANNELS, LIMITS, WINDOW

NOW = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc)
POOLS = "snapshots/111122223333/us-east-1/workspaces/DescribeWorkspacesPools.1.json"
DIRECTORIES = "snapshots/111122223333/us-east-1/workspaces/DescribeWorkspaceDirectories.1.json"
LOCKED = {"UserSettings": [
    {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "DISABLED"},
    {"Action": "CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "Permission": "DISABLED"},
    {"Action": "PRINTING_TO_LOCAL_DEVICE", "Permission": "DISABLED"}],
    "StorageConnectors": [{"ConnectorType": "HOME_FOLDER", "Status": "ENABLED"}]}
DENIED = CallFailure(call="workspaces:DescribeWorkspaceDirectories in 111122223333/us-east-1",
                     operation="workspaces:DescribeWorkspaceDirectories",
                     code="AccessDeniedException", message="denied", file=DIRECTORIES,
                     pointer="/error_message")


def pool(streaming: Mapping[str, Any] | None | CallFailure = None,
         timeouts: Mapping[str, Any] | None = None) -> Resource:
    builder = ResourceBuilder(
        id="arn:aws:workspaces:us-east-1:111122223333:workspacespool/wspool-0a1b2c3d4",
        type="aws.workspaces.pool", account="111122223333", region="us-east-1",
        name="phi-desk")
    entry = Ref(POOLS, "/response/WorkspacesPools/0")
    builder.update({"PoolId": "wspool-0a1b2c3d4", "PoolName": "phi-desk",
                    "DirectoryId": "wsd-0a1b2c3d4"}, entry)
    builder.set("TimeoutSettings", dict(timeouts) if timeouts is not None else None,
                Ref(POOLS, "/response/WorkspacesPools/0/TimeoutSettings"))
    if isinstance(streaming, CallFailure):
        builder.fail("StreamingProperties", streaming).fail("UserIdentityType", streaming)
    else:
        builder.set("StreamingProperties", dict(streaming) if streaming is not None else None,
                    Ref(DIRECTORIES, "/response/Directories/0/StreamingProperties"))
        builder.set("UserIdentityType", "CUSTOMER_MANAGED",
                    Ref(DIRECTORIES, "/response/Directories/0/UserIdentityType"))
    return builder.build()


def window_of(resource: Resource) -> Resource:
    [window] = workspaces_pools.windows({"aws.workspaces.pool": [resource]})
    return window


@pytest.fixture(scope="module")
def rules() -> dict[str, Rule]:
    return load_policy_set().by_id()


def status(rules: dict[str, Rule], rule: str, window: Resource) -> Status:
    result = judge(rules[rule], window, settings=Settings(), now=NOW)
    assert result is not None
    return result.status


def test_every_window_attribute_is_set_or_failed() -> None:
    for source in (pool(LOCKED), pool(None), pool(DENIED)):
        window = window_of(source)
        assert window.type == WINDOW and window.id == f"vdi:{source.id}"
        assert window.attributes["Platform"] == "workspaces-pools"
        assert window.attributes["Window"] == "WorkSpaces pool phi-desk (111122223333/us-east-1)"
        for key in (*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"):
            assert (key in window.attributes) != (key in window.failures), key
            assert key in window.failures or window.sources[key], key


def test_explicit_settings_quote_the_directory() -> None:
    window = window_of(pool(LOCKED))
    out = window.attributes["ClipboardOut"]
    assert out == {"Allowed": False, "Offered": True, "Explicit": True,
                   "Setting": "directory wsd-0a1b2c3d4 StreamingProperties.UserSettings "
                              "CLIPBOARD_COPY_TO_LOCAL_DEVICE is DISABLED"}
    assert window.sources["Printing"] == (
        Ref(DIRECTORIES, "/response/Directories/0/StreamingProperties/UserSettings/2"),)
    # the home folder is an S3 bucket in the pool's own account: no connector leaves AWS
    assert window.attributes["StorageConnectors"] == []
    assert window.attributes["Entitlements"] == []
    assert "SAML 2.0 identity provider" in window.notes["Entitlements"]


def test_an_action_left_out_is_allowed_by_default() -> None:
    only_print = {"UserSettings": [{"Action": "PRINTING_TO_LOCAL_DEVICE",
                                    "Permission": "DISABLED"}]}
    window = window_of(pool(only_print))
    copy_out = window.attributes["ClipboardOut"]
    assert copy_out["Allowed"] is True and copy_out["Explicit"] is False
    assert copy_out["Setting"] == ("not set: directory wsd-0a1b2c3d4 StreamingProperties."
                                   "UserSettings has no CLIPBOARD_COPY_TO_LOCAL_DEVICE, so the "
                                   "default (enabled) applies")
    assert window.sources["ClipboardOut"] == (
        Ref(DIRECTORIES, "/response/Directories/0/StreamingProperties/UserSettings"),)
    assert window.attributes["Printing"]["Allowed"] is False
    nothing = window_of(pool(None)).attributes
    assert all(nothing[key]["Allowed"] and not nothing[key]["Explicit"]
               for key in ("ClipboardOut", "ClipboardIn", "Printing"))


def test_channels_pools_do_not_offer() -> None:
    window = window_of(pool(LOCKED)).attributes
    for key in ("Download", "Upload", "DriveRedirection", "UsbRedirection"):
        assert window[key]["Offered"] is False and window[key]["Allowed"] is False, key
    assert "home folder" in window["Download"]["Setting"]


def test_limits_from_the_pool_timeouts() -> None:
    window = window_of(pool(LOCKED, {"IdleDisconnectTimeoutInSeconds": 601,
                                     "DisconnectTimeoutInSeconds": 900})).attributes
    assert window["IdleTimeout"] == {
        "Minutes": 11, "Offered": True,
        "Setting": "pool phi-desk TimeoutSettings IdleDisconnectTimeoutInSeconds is 601"}
    assert window["DisconnectTimeout"]["Minutes"] == 15
    assert window["MaxSession"] == {
        "Minutes": None, "Offered": True,
        "Setting": "not set: pool phi-desk TimeoutSettings has no MaxUserDurationInSeconds"}
    never = window_of(pool(LOCKED, {"IdleDisconnectTimeoutInSeconds": 0})).attributes
    assert never["IdleTimeout"]["Minutes"] is None
    assert "never disconnected" in never["IdleTimeout"]["Setting"]
    unset = window_of(pool(LOCKED, None)).attributes
    assert all(unset[key]["Minutes"] is None for key in LIMITS)


def test_judged_by_the_vdi_rules(rules: dict[str, Rule]) -> None:
    locked = window_of(pool(LOCKED, {"IdleDisconnectTimeoutInSeconds": 600,
                                     "DisconnectTimeoutInSeconds": 900,
                                     "MaxUserDurationInSeconds": 28800}))
    for rule in ("vdi-clipboard-out-blocked", "vdi-clipboard-in-blocked",
                 "vdi-printing-blocked", "vdi-download-blocked", "vdi-upload-blocked",
                 "vdi-drive-redirection-blocked", "vdi-usb-redirection-blocked",
                 "vdi-no-storage-connectors", "vdi-idle-timeout"):
        assert status(rules, rule, locked) is Status.PASS, rule
    defaults = window_of(pool(None))
    assert status(rules, "vdi-clipboard-out-blocked", defaults) is Status.FAIL
    assert status(rules, "vdi-idle-timeout", defaults) is Status.FAIL


def test_unknown_settings_are_error_naming_the_call(rules: dict[str, Rule]) -> None:
    window = window_of(pool(DENIED, {"IdleDisconnectTimeoutInSeconds": 600}))
    for key in ("ClipboardOut", "ClipboardIn", "Printing"):
        assert window.failures[key] == DENIED
    result = judge(rules["vdi-clipboard-out-blocked"], window, settings=Settings(), now=NOW)
    assert result is not None and result.status is Status.ERROR
    assert "workspaces:DescribeWorkspaceDirectories" in result.message
    # what the pool itself says is still judged
    assert status(rules, "vdi-idle-timeout", window) is Status.PASS
    assert status(rules, "vdi-download-blocked", window) is Status.PASS

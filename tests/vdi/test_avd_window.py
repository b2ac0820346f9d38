"""AVD host pools mapped into windows, on host pool resources built by the AVD normaliser's
own builder from hand-written ARM items: an absent property is the client's default, explicit
0 and 1, drives, USB, duplicates, malformed entries, and who may open the window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref, Resource
from govkit.sources.avd.groups import Group, Groups
from govkit.sources.avd.hostpool import host_pool
from govkit.vdi import avd
from govkit.vdi.window import CHANNELS, LIMITS

SUB = "4c1d7e92-5a3b-4f80-b6d2-9e0a1c3f5b77"
POOL_ID = (f"/subscriptions/{SUB}/resourceGroups/rg-avd/providers/"
           "Microsoft.DesktopVirtualization/hostPools/hp-agents")
POOLS, GROUPS = "snapshots/pools.json", "snapshots/groups.json"
DENIED = CallFailure(call=f"avd:ListRoleAssignments in {SUB}/global",
                     operation="avd:ListRoleAssignments", code="HTTP403",
                     message="AuthorizationFailed", file="snapshots/ra.json",
                     pointer="/error_message")


def pool(rdp: str | None, *, assigned: Sequence[Mapping[str, Any]] = (),
         failure: CallFailure | None = None) -> Resource:
    item = {"id": POOL_ID, "name": "hp-agents", "location": "eastus",
            "tags": {"data-classification": "phi"},
            "properties": {"hostPoolType": "Pooled", "preferredAppGroupType": "Desktop",
                           "loadBalancerType": "BreadthFirst", "publicNetworkAccess": "Enabled",
                           "startVMOnConnect": False, "maxSessionLimit": 10,
                           "customRdpProperty": rdp}}
    group = Group(id=POOL_ID.replace("hostPools/hp-agents", "applicationGroups/hp-agents-DAG"),
                  name="hp-agents-DAG", item={"properties": {"hostPoolArmPath": POOL_ID}},
                  ref=Ref(GROUPS, "/response/body/value/0"),
                  assignments=[dict(a) for a in assigned],
                  assignment_refs=[Ref("snapshots/ra.json", "/response/body/value/0")],
                  failure=failure)
    return host_pool(item, Ref(POOLS, "/response/body/value/0"), SUB,
                     Groups(None, None, [group]))


def one_window(resource: Resource) -> Resource:
    [window] = avd.windows({avd.HOST_POOL: [resource]})
    return window


def test_every_channel_limit_and_list_is_set_or_failed() -> None:
    for window in (one_window(pool(None)), one_window(pool("redirectclipboard:x:0",
                                                          failure=DENIED))):
        for key in {*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"}:
            assert (key in window.attributes) != (key in window.failures), key
            assert key in window.failures or window.sources.get(key), key
        assert window.type == "vdi.window" and window.id == f"vdi:{POOL_ID}"
        assert window.attributes["Platform"] == "avd"
        assert window.attributes["Window"] == f"AVD host pool hp-agents ({SUB}/rg-avd)"
        assert (window.account, window.region) == (SUB, "eastus")
        assert window.tags == {"data-classification": "phi"}


def test_an_absent_property_is_the_client_default_which_lets_data_out() -> None:
    window = one_window(pool(None))
    for key in CHANNELS:
        assert window.attributes[key]["Allowed"] is True, key
        assert window.attributes[key]["Explicit"] is False, key
    assert window.attributes["ClipboardOut"]["Setting"] == (
        "redirectclipboard not set: the Remote Desktop client redirects the clipboard by "
        "default; RDP has one clipboard switch for both directions")
    assert window.attributes["DriveRedirection"]["Setting"] == (
        "drivestoredirect not set: the Remote Desktop client redirects all drives by default "
        "(*)")


def test_explicit_zero_and_one() -> None:
    off = one_window(pool("redirectclipboard:i:0;redirectprinters:i:0"))
    assert off.attributes["ClipboardOut"] == off.attributes["ClipboardIn"] == {
        "Allowed": False, "Offered": True, "Explicit": True,
        "Setting": "redirectclipboard:i:0 (the clipboard is not redirected); RDP has one "
                   "clipboard switch for both directions"}
    assert off.attributes["Printing"]["Setting"] == \
        "redirectprinters:i:0 (printers are not redirected)"
    on = one_window(pool("redirectclipboard:i:1;redirectprinters:i:1"))
    assert on.attributes["ClipboardOut"]["Allowed"] is True
    assert on.attributes["ClipboardOut"]["Explicit"] is True
    assert on.attributes["Printing"]["Allowed"] is True


def test_drives_decide_download_upload_and_drive_redirection() -> None:
    none = one_window(pool("drivestoredirect:s:"))
    for key in ("Download", "Upload", "DriveRedirection"):
        assert none.attributes[key]["Allowed"] is False, key
    assert none.attributes["Download"]["Setting"] == (
        "files move to and from the agent's device through redirected drives (AVD has no "
        "separate file transfer switch): drivestoredirect:s: (no drives)")
    for value, words in (("*", "(all drives, including those connected later)"),
                         ("DynamicDrives", "(drives connected later)"),
                         ("C\\:", "(the drives listed)")):
        window = one_window(pool(f"drivestoredirect:s:{value}"))
        for key in ("Download", "Upload", "DriveRedirection"):
            assert window.attributes[key]["Allowed"] is True, (value, key)
        assert window.attributes["DriveRedirection"]["Setting"] == \
            f"drivestoredirect:s:{value} {words}"


def test_usb_counts_both_usb_and_mtp_ptp_device_redirection() -> None:
    usb_only = one_window(pool("usbdevicestoredirect:s:"))
    usb = usb_only.attributes["UsbRedirection"]
    assert usb["Allowed"] is True and usb["Explicit"] is False
    assert usb["Setting"] == (
        "usbdevicestoredirect:s: (no USB devices); devicestoredirect not set: the Remote "
        "Desktop client redirects all MTP and PTP devices such as phones and cameras by "
        "default (*)")
    both = one_window(pool("usbdevicestoredirect:s:;devicestoredirect:s:"))
    assert both.attributes["UsbRedirection"]["Allowed"] is False
    assert both.attributes["UsbRedirection"]["Explicit"] is True


def test_a_duplicate_reads_as_the_last_and_the_setting_says_so() -> None:
    window = one_window(pool("redirectclipboard:i:0;redirectclipboard:i:1"))
    assert window.attributes["ClipboardOut"]["Allowed"] is True
    assert "redirectclipboard is set 2 times (redirectclipboard:i:0, redirectclipboard:i:1): " \
           "the last one applies" in window.attributes["ClipboardOut"]["Setting"]


def test_a_malformed_entry_leaves_its_channels_unknown() -> None:
    window = one_window(pool("redirectclipboard:i:no;drivestoredirect:s:"))
    for key in ("ClipboardOut", "ClipboardIn"):
        failure = window.failures[key]
        assert failure.code == "MalformedRdpProperty" and key not in window.attributes
        assert "'redirectclipboard:i:no'" in failure.explain()
    assert window.attributes["DriveRedirection"]["Allowed"] is False


def test_time_limits_are_not_in_the_host_pool() -> None:
    window = one_window(pool(None))
    for key in LIMITS:
        assert window.attributes[key] == {"Minutes": None, "Offered": True,
                                          "Setting": avd.NO_TIME_LIMITS}
    assert window.attributes["StorageConnectors"] == []


def test_entitlements_are_the_assigned_principals_by_name_or_object_id() -> None:
    assigned: list[dict[str, Any]] = [
        {"PrincipalId": "g-1", "PrincipalType": "Group", "DisplayName": "Meridian-Agents",
         "Scope": "s"},
        {"PrincipalId": "u-1", "PrincipalType": "User", "DisplayName": None, "Scope": "s"},
        {"PrincipalId": "g-1", "PrincipalType": "Group", "DisplayName": "Meridian-Agents",
         "Scope": "s2"}]
    window = one_window(pool(None, assigned=assigned))
    assert window.attributes["Entitlements"] == [
        {"Kind": "group", "System": "entra", "Name": "Meridian-Agents"},
        {"Kind": "user", "System": "entra", "Name": "u-1"}]
    assert window.sources["Entitlements"] == (Ref("snapshots/ra.json",
                                                  "/response/body/value/0"),)


def test_unknown_assignments_fail_the_entitlements() -> None:
    window = one_window(pool(None, failure=DENIED))
    assert window.failures["Entitlements"] == DENIED
    assert "Entitlements" not in window.attributes

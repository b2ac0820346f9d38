"""AVD host pools mapped into windows, on host pool resources built by the AVD normaliser's
own builder from hand-written ARM items: an absent property is the client's default, explicit
0 and 1, drives, USB, duplicates, malformed entries, who may open the window, and the session
time limits from the session hosts' Group Policy export (the weakest host decides)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from govkit.inventory.model import CallFailure, Ref, Resource
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import builtin_dir, load_folder
from govkit.results import Status
from govkit.snapshot import CallEntry, CallRecord
from govkit.sources.avd.groups import Group, Groups
from govkit.sources.avd.hostpool import host_pool
from govkit.sources.avd.sessionhosts import SessionHosts
from govkit.vdi import avd
from govkit.vdi.window import CHANNELS, LIMITS, WINDOW

SUB = "4c1d7e92-5a3b-4f80-b6d2-9e0a1c3f5b77"
POOL_ID = (f"/subscriptions/{SUB}/resourceGroups/rg-avd/providers/"
           "Microsoft.DesktopVirtualization/hostPools/hp-agents")
POOLS, GROUPS = "snapshots/pools.json", "snapshots/groups.json"
DENIED = CallFailure(call=f"avd:ListRoleAssignments in {SUB}/global",
                     operation="avd:ListRoleAssignments", code="HTTP403",
                     message="AuthorizationFailed", file="snapshots/ra.json",
                     pointer="/error_message")


HOSTS = "snapshots/b7e4c2a9/global/avd/ReadSessionHostPolicies.session-hosts.json.json"
KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"


def exported(*items: Mapping[str, Any]) -> SessionHosts:
    """The session-host export as recorded, holding ``items``."""
    entry = CallEntry(file=HOSTS, account="b7e4c2a9", region="global", service="avd",
                      operation="ReadSessionHostPolicies",
                      params={"file": "session-hosts.json", "sha256": "0" * 64}, outcome="ok")
    return SessionHosts(CallRecord(entry=entry,
                                   response={"sessionHosts": [dict(i) for i in items]}))


def host(name: str, pool_name: str = "hp-agents", **values: int | str | None) -> dict[str, Any]:
    """One session host as the PowerShell command prints it; unnamed values are not set."""
    return {"hostPool": pool_name, "sessionHost": name,
            "policy": {v: values.get(v) for v in ("MaxIdleTime", "MaxDisconnectionTime",
                                                  "MaxConnectionTime")}}


# two hosts within the vdi-* rules' defaults (15, 60 and 600 minutes)
AGENT_HOSTS = exported(
    host("AVD-AGT-0", MaxIdleTime=600000, MaxDisconnectionTime=1800000,
         MaxConnectionTime=28800000),
    host("AVD-AGT-1", MaxIdleTime=900000, MaxDisconnectionTime=3600000,
         MaxConnectionTime=28800000))


def pool(rdp: str | None, *, assigned: Sequence[Mapping[str, Any]] = (),
         failure: CallFailure | None = None, hosts: SessionHosts | None = None) -> Resource:
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
                     Groups(None, None, [group]), hosts)


def one_window(resource: Resource) -> Resource:
    [window] = avd.windows({avd.HOST_POOL: [resource]})
    return window


def test_every_channel_limit_and_list_is_set_or_failed() -> None:
    for window in (one_window(pool(None)), one_window(pool("redirectclipboard:x:0",
                                                          failure=DENIED, hosts=AGENT_HOSTS))):
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


def test_without_the_session_host_export_the_limits_are_unknown_and_say_how_to_give_them(
        ) -> None:
    window = one_window(pool(None))
    for key in LIMITS:
        assert key not in window.attributes
        failure = window.failures[key]
        assert failure.code == "NotCollected"
        assert failure.ref == Ref(POOLS, "/response/body/value/0")  # the host pool
        assert "Group Policy (MaxIdleTime" in failure.explain()
        assert "name the file as session_hosts in the avd section" in failure.explain()
    assert window.attributes["StorageConnectors"] == []
    verdicts = judged(window)
    for rule_id in LIMIT_RULES:
        assert verdicts[rule_id][0] is Status.ERROR, rule_id
        assert "session_hosts" in verdicts[rule_id][1]


VDI_RULES = {rule.id: rule for rule in load_folder(builtin_dir("policies") / "vdi")
             if rule.resource_type == WINDOW}
LIMIT_RULES = ("vdi-idle-timeout", "vdi-disconnect-timeout", "vdi-session-length-limited")


def judged(window: Resource) -> dict[str, tuple[Status, str]]:
    now = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
    found = {rule_id: judge(VDI_RULES[rule_id], window, settings=Settings(), now=now)
             for rule_id in LIMIT_RULES}
    return {rule_id: (r.status, r.message) for rule_id, r in found.items() if r}


def test_each_limit_is_the_longest_of_the_session_hosts() -> None:
    window = one_window(pool(None, hosts=AGENT_HOSTS))
    assert window.attributes["IdleTimeout"] == {
        "Minutes": 15, "Offered": True,
        "Setting": f"MaxIdleTime is 900000 ms (15 minutes) on session host AVD-AGT-1 under "
                   f"{KEY}, the longest of the host pool's 2 session hosts"}
    assert window.sources["IdleTimeout"] == (
        Ref(HOSTS, "/response/sessionHosts/1/policy/MaxIdleTime"),)
    assert window.attributes["DisconnectTimeout"]["Minutes"] == 60
    # equal values: the first host listed is named
    assert window.attributes["MaxSession"]["Minutes"] == 480
    assert "on session host AVD-AGT-0" in window.attributes["MaxSession"]["Setting"]
    assert window.sources["MaxSession"] == (
        Ref(HOSTS, "/response/sessionHosts/0/policy/MaxConnectionTime"),)
    assert {rule_id: status for rule_id, (status, _) in judged(window).items()} == {
        rule_id: Status.PASS for rule_id in LIMIT_RULES}


def test_one_host_without_a_value_leaves_the_whole_pool_without_a_limit() -> None:
    hosts = exported(
        host("AVD-AGT-0", MaxIdleTime=600000, MaxDisconnectionTime=1800000,
             MaxConnectionTime=28800000),
        host("AVD-AGT-1", MaxDisconnectionTime=1800000, MaxConnectionTime=28800000),
        {"hostPool": "hp-agents", "sessionHost": "AVD-AGT-2", "policy": None})
    window = one_window(pool(None, hosts=hosts))
    assert window.attributes["IdleTimeout"] == {
        "Minutes": None, "Offered": True,
        "Setting": f"MaxIdleTime is not set on session host AVD-AGT-1 under {KEY}, one of the "
                   "host pool's 3 session hosts: no idle time limit"}
    assert window.sources["IdleTimeout"] == (
        Ref(HOSTS, "/response/sessionHosts/1/policy/MaxIdleTime"),)  # null there
    # no Terminal Services policy key at all on AVD-AGT-2: nothing is limited there
    assert window.attributes["MaxSession"]["Minutes"] is None
    assert "MaxConnectionTime is not set on session host AVD-AGT-2" in \
        window.attributes["MaxSession"]["Setting"]
    assert window.sources["MaxSession"] == (Ref(HOSTS, "/response/sessionHosts/2/policy"),)
    verdicts = judged(window)
    assert verdicts["vdi-idle-timeout"] == (Status.FAIL, (
        "no idle timeout is set on AVD host pool hp-agents (4c1d7e92-5a3b-4f80-b6d2-"
        f"9e0a1c3f5b77/rg-avd) (MaxIdleTime is not set on session host AVD-AGT-1 under {KEY}, "
        "one of the host pool's 3 session hosts: no idle time limit); the limit is 15 "
        "minutes"))
    assert verdicts["vdi-session-length-limited"][0] is Status.FAIL
    assert verdicts["vdi-disconnect-timeout"][0] is Status.FAIL


def test_zero_means_no_limit() -> None:
    window = one_window(pool(None, hosts=exported(
        host("AVD-AGT-0", MaxIdleTime=0, MaxDisconnectionTime=3600000,
             MaxConnectionTime=28800000))))
    assert window.attributes["IdleTimeout"] == {
        "Minutes": None, "Offered": True,
        "Setting": f"MaxIdleTime is 0 on session host AVD-AGT-0 under {KEY}: no idle time "
                   "limit"}
    assert judged(window)["vdi-idle-timeout"][0] is Status.FAIL


def test_over_the_limit_fails_with_the_hosts_value() -> None:
    window = one_window(pool(None, hosts=exported(
        host("AVD-AGT-0", MaxIdleTime=900000, MaxDisconnectionTime=3600000,
             MaxConnectionTime=28800000),
        host("AVD-AGT-1", MaxIdleTime=1800000, MaxDisconnectionTime=14400000,
             MaxConnectionTime=43200000))))
    verdicts = judged(window)
    assert verdicts["vdi-idle-timeout"] == (Status.FAIL, (
        "an idle session stays open 30 minutes on AVD host pool hp-agents (4c1d7e92-5a3b-4f80-"
        "b6d2-9e0a1c3f5b77/rg-avd) (MaxIdleTime is 1800000 ms (30 minutes) on session host "
        f"AVD-AGT-1 under {KEY}, the longest of the host pool's 2 session hosts); the limit is "
        "15 minutes"))
    assert "resumed for 240 minutes" in verdicts["vdi-disconnect-timeout"][1]
    assert "may last 720 minutes" in verdicts["vdi-session-length-limited"][1]


@pytest.mark.parametrize(("ms", "minutes", "words"), [
    (60000, 1, "(1 minute)"), (930000, 16, "(15 minutes 30 seconds, counted as 16 minutes)"),
    (1000, 1, "(1 second, counted as 1 minute)"),
    (900001, 16, "(15 minutes 0.001 seconds, counted as 16 minutes)")])
def test_a_partial_minute_is_rounded_up_so_a_limit_is_never_understated(
        ms: int, minutes: int, words: str) -> None:
    window = one_window(pool(None, hosts=exported(host("AVD-AGT-0", MaxIdleTime=ms))))
    assert window.attributes["IdleTimeout"]["Minutes"] == minutes
    assert f"MaxIdleTime is {ms} ms {words}" in window.attributes["IdleTimeout"]["Setting"]


def test_a_pool_the_export_does_not_list_is_unknown() -> None:
    hosts = exported(host("AVD-BIL-0", "hp-billing", MaxIdleTime=900000))
    window = one_window(pool(None, hosts=hosts))
    for key in LIMITS:
        failure = window.failures[key]
        assert failure.code == "NotCollected" and failure.ref == Ref(HOSTS,
                                                                     "/response/sessionHosts")
        assert failure.explain() == (
            "session time limits of host pool hp-agents: the session-host export "
            "session-hosts.json lists no session host of host pool hp-agents (it lists host "
            "pools hp-billing)")
    assert {status for status, _ in judged(window).values()} == {Status.ERROR}


def test_the_host_pool_is_matched_by_name_without_case_or_by_its_arm_id() -> None:
    for named in ("HP-Agents", POOL_ID.lower()):
        window = one_window(pool(None, hosts=exported(host("AVD-AGT-0", named,
                                                           MaxIdleTime=300000))))
        assert window.attributes["IdleTimeout"]["Minutes"] == 5, named


@pytest.mark.parametrize("value", ["900000", -1, 900000.5, True])
def test_a_value_that_is_not_milliseconds_fails_that_limit_naming_host_and_value(
        value: Any) -> None:
    hosts = exported(host("AVD-AGT-0", MaxIdleTime=900000, MaxDisconnectionTime=3600000),
                     {"hostPool": "hp-agents", "sessionHost": "AVD-AGT-1",
                      "policy": {"MaxIdleTime": value, "MaxDisconnectionTime": 3600000,
                                 "MaxConnectionTime": None}})
    window = one_window(pool(None, hosts=hosts))
    failure = window.failures["IdleTimeout"]
    shown = json.dumps(value)
    assert failure.code == "InvalidRegistryValue"
    assert failure.explain() == (f"MaxIdleTime {shown} on session host AVD-AGT-1 of AVD host "
                                 "pool hp-agents failed with InvalidRegistryValue")
    assert f"MaxIdleTime is {shown} on session host AVD-AGT-1" in failure.message
    assert failure.ref == Ref(HOSTS, "/response/sessionHosts/1/policy/MaxIdleTime")
    assert window.attributes["DisconnectTimeout"]["Minutes"] == 60  # the others are read
    assert judged(window)["vdi-idle-timeout"][0] is Status.ERROR


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

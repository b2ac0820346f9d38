"""Citrix delivery groups mapped into windows, on hand-built ``citrix.delivery_group``
resources shaped as the Citrix normaliser builds them, then on the sample export end to end
with the built-in vdi rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import builtin_dir, load_folder
from govkit.results import Status
from govkit.sources.citrix.catalogue import SETTINGS
from govkit.vdi import citrix
from govkit.vdi.window import CHANNELS, LIMITS, WINDOW
from tests.sources.citrix import normalized

RECORD = "snapshots/nbh-daas/global/citrix/ReadPolicyExport.json"
GROUP_AT = "/response/export/DeliveryGroups/0"
UNKNOWN = CallFailure(call="citrix:ReadPolicyExport (file=x.json) in nbh-daas/global",
                      operation="citrix:ReadPolicyExport", code="NotInReport",
                      message="the export leaves it out", file=RECORD, pointer=GROUP_AT)
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def default(name: str) -> dict[str, Any]:
    spec = SETTINGS[name]
    return {"Value": spec.default, "Policy": None, "Priority": None, "UseDefault": True,
            "Text": f"{name} not set by any policy applying to the group: "
                    f"{spec.default_words}", "Overridden": [], "Conditional": []}


def by_policy(name: str, value: Any, policy: str = "Agents", priority: int = 1,
              conditional: Sequence[Any] = ()) -> dict[str, Any]:
    spec = SETTINGS[name]
    text = f"policy '{policy}' (priority {priority}): {name} = {spec.show(value)}"
    for other in conditional:
        text += f"; policy 'Leads' (priority 0) sets {name} = {spec.show(other)} for the " \
                "sessions its other assignments select"
    return {"Value": value, "Policy": policy, "Priority": priority, "UseDefault": False,
            "Text": text, "Overridden": [],
            "Conditional": [{"Policy": "Leads", "Priority": 0, "Value": v} for v in conditional]}


def group(settings: Mapping[str, dict[str, Any]] | None = None, *,
          support: str | None = "MultiSession",
          users: Sequence[Mapping[str, Any]] | None = (),
          failed: Mapping[str, CallFailure] | None = None) -> Resource:
    builder = ResourceBuilder(id="citrix:nbh-daas:delivery-group/Meridian Agents",
                              type=citrix.GROUP, account="nbh-daas", region="global",
                              name="Meridian Agents")
    builder.set("DeliveryGroupId", "6b0c", Ref(RECORD, f"{GROUP_AT}/Id"))
    builder.set_tags({"data_classification": "phi"}, Ref(RECORD, f"{GROUP_AT}/Tags"))
    if support is not None:
        builder.set("SessionSupport", support, Ref(RECORD, f"{GROUP_AT}/SessionSupport"))
    if users is not None:
        builder.set("Users", [dict(u) for u in users],
                    Ref(RECORD, f"{GROUP_AT}/AdvancedAccessPolicies"))
    values = {name: default(name) for name in SETTINGS} | dict(settings or {})
    for name, found in values.items():
        where = f"/response/export/PolicySets/0/Policies/0/Settings/{sorted(SETTINGS).index(name)}"
        builder.sources[f"EffectiveSettings.{name}"] = (
            Ref(RECORD, where if found["Policy"] else "/response/export/PolicySets/0/Policies"),)
    builder.set("EffectiveSettings", values, Ref(RECORD, "/response/export/PolicySets/0"))
    for key, failure in (failed or {}).items():
        builder.fail(key, failure)
    return builder.build()


def window_of(resource: Resource) -> Resource:
    (found,) = citrix.windows({citrix.GROUP: [resource]})
    return found


def channel(resource: Resource, key: str) -> dict[str, Any]:
    found: dict[str, Any] = window_of(resource).attributes[key]
    return found


def test_a_window_names_the_group_and_site() -> None:
    found = window_of(group())
    assert found.type == WINDOW and found.id == "vdi:citrix:nbh-daas:delivery-group/Meridian Agents"
    assert found.attributes["Platform"] == "citrix"
    assert found.attributes["Window"] == "Citrix delivery group Meridian Agents (nbh-daas)"
    assert found.attributes["StorageConnectors"] == []
    assert found.tags == {"data_classification": "phi"}
    assert set(found.attributes) >= {*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"}


def test_nothing_set_is_citrix_defaults() -> None:
    found = window_of(group())
    for key in ("ClipboardOut", "ClipboardIn", "Download", "Upload", "Printing",
                "DriveRedirection", "UsbRedirection"):
        assert found.attributes[key]["Allowed"] is True, key
        assert found.attributes[key]["Explicit"] is False, key
    assert found.attributes["ClipboardOut"]["Setting"] == (
        "ClipboardRedirection not set by any policy applying to the group: Citrix allows it by "
        "default; RestrictClientClipboardWrite not set by any policy applying to the group: "
        "Citrix does not restrict writes to the client clipboard by default")
    assert found.attributes["DriveRedirection"]["Setting"] == (
        "ClientDriveRedirection, ClientFixedDrives, ClientRemoveableDrives, "
        "ClientNetworkDrives, ClientOpticalDrives, ClientFloppyDrives not set by any policy "
        "applying to the group: Citrix allows them by default")
    assert found.attributes["IdleTimeout"] == {
        "Minutes": None, "Offered": True,
        "Setting": "EnableServerIdleTimer not set by any policy applying to the group: "
                   "Citrix disables this timer by default"}


def test_clipboard_prohibited_blocks_both_directions() -> None:
    resource = group({"ClipboardRedirection": by_policy("ClipboardRedirection", False)})
    for key in ("ClipboardOut", "ClipboardIn"):
        assert channel(resource, key) == {
            "Allowed": False, "Offered": True, "Explicit": True,
            "Setting": "policy 'Agents' (priority 1): ClipboardRedirection = Prohibited"}


def test_clipboard_restricted_to_plain_text_is_still_allowed_with_the_formats() -> None:
    resource = group({
        "RestrictClientClipboardWrite": by_policy("RestrictClientClipboardWrite", True),
        "ClientClipboardWriteAllowedFormats": by_policy(
            "ClientClipboardWriteAllowedFormats", ["CF_TEXT", "CF_UNICODETEXT"]),
        "RestrictSessionClipboardWrite": by_policy("RestrictSessionClipboardWrite", True)})
    out = channel(resource, "ClipboardOut")
    assert out["Allowed"] is True and out["Explicit"] is True
    assert out["Setting"].endswith(
        "policy 'Agents' (priority 1): RestrictClientClipboardWrite = Enabled; policy 'Agents' "
        "(priority 1): ClientClipboardWriteAllowedFormats = CF_TEXT, CF_UNICODETEXT")
    into = channel(resource, "ClipboardIn")  # restricted with no formats listed: blocked
    assert into["Allowed"] is False
    assert "SessionClipboardWriteAllowedFormats not set by any policy applying to the group: " \
           "no formats are listed by default" in into["Setting"]


def test_a_conditional_policy_can_allow_but_never_block() -> None:
    allowing = group({"ClipboardRedirection": by_policy("ClipboardRedirection", False,
                                                        conditional=[True])})
    out = channel(allowing, "ClipboardOut")
    assert out["Allowed"] is True and "policy 'Leads' (priority 0) sets ClipboardRedirection " \
                                      "= Allowed" in out["Setting"]
    blocking = group({"ClientDriveRedirection": by_policy("ClientDriveRedirection", True,
                                                          conditional=[False])})
    assert channel(blocking, "DriveRedirection")["Allowed"] is True


def test_download_needs_writable_drives_or_html5_transfer() -> None:
    read_only = group({"AllowFileTransfer": by_policy("AllowFileTransfer", False),
                       "ReadOnlyMappedDrive": by_policy("ReadOnlyMappedDrive", True)})
    download = channel(read_only, "Download")
    assert download["Allowed"] is False
    assert download["Setting"] == (
        "file transfer (Citrix Workspace app for HTML5 and ChromeOS): policy 'Agents' "
        "(priority 1): AllowFileTransfer = Prohibited; client drive mapping: "
        "ClientDriveRedirection not set by any policy applying to the group: Citrix allows it "
        "by default; policy 'Agents' (priority 1): ReadOnlyMappedDrive = Enabled")
    assert channel(read_only, "Upload")["Allowed"] is True  # a read-only drive is still read
    html5 = group({"ClientDriveRedirection": by_policy("ClientDriveRedirection", False),
                   "AllowFileUpload": by_policy("AllowFileUpload", False)})
    assert channel(html5, "Download")["Allowed"] is True
    assert channel(html5, "Upload")["Allowed"] is False


def test_every_drive_kind_prohibited_is_no_drive_redirection() -> None:
    kinds = ("ClientFixedDrives", "ClientRemoveableDrives", "ClientNetworkDrives",
             "ClientOpticalDrives", "ClientFloppyDrives")
    resource = group({kind: by_policy(kind, False) for kind in kinds})
    drives = channel(resource, "DriveRedirection")
    assert drives["Allowed"] is False and drives["Explicit"] is True
    assert all(f"{kind} = Prohibited" in drives["Setting"] for kind in kinds)
    one = group({kind: by_policy(kind, False) for kind in kinds[1:]})
    assert channel(one, "DriveRedirection")["Allowed"] is True


@pytest.mark.parametrize(("settings", "allowed"), [
    ({"ClientPrinterRedirection": False}, False),
    ({"ClientPrinterRedirection": False, "AutoCreatePDFPrinter": True}, True),
    ({"ClientPrinterAutoCreation": "DoNotAutoCreate"}, True),
])
def test_printing(settings: dict[str, Any], allowed: bool) -> None:
    resource = group({name: by_policy(name, value) for name, value in settings.items()})
    assert channel(resource, "Printing")["Allowed"] is allowed


def test_usb_counts_plug_and_play_devices() -> None:
    assert channel(group(), "UsbRedirection")["Setting"] == (
        "UsbDeviceRedirection not set by any policy applying to the group: Citrix prohibits it "
        "by default; UsbPlugAndPlayRedirection not set by any policy applying to the group: "
        "Citrix allows it by default")
    closed = group({"UsbPlugAndPlayRedirection": by_policy("UsbPlugAndPlayRedirection", False)})
    assert channel(closed, "UsbRedirection")["Allowed"] is False


def test_limits_come_from_the_timers_of_the_groups_kind_of_vda() -> None:
    single = group({"SessionIdleTimerInterval": by_policy("SessionIdleTimerInterval", 15),
                    "SessionDisconnectTimer": by_policy("SessionDisconnectTimer", True)},
                   support="SingleSession")
    found = window_of(single).attributes
    assert found["IdleTimeout"] == {
        "Minutes": 15, "Offered": True,
        "Setting": "SessionIdleTimer not set by any policy applying to the group: Citrix "
                   "enables this timer by default; policy 'Agents' (priority 1): "
                   "SessionIdleTimerInterval = 15 minutes"}
    assert found["DisconnectTimeout"]["Minutes"] == 1440
    assert found["MaxSession"]["Minutes"] is None
    multi = group({"EnableServerConnectionTimer": by_policy("EnableServerConnectionTimer", True),
                   "ServerConnectionTimerInterval": by_policy(
                       "ServerConnectionTimerInterval", 600, conditional=[900])})
    assert window_of(multi).attributes["MaxSession"]["Minutes"] == 900  # the longest possible


def test_what_the_group_leaves_unknown_fails_the_window_attributes() -> None:
    unresolved = window_of(group(failed={"EffectiveSettings": UNKNOWN}))
    assert {*CHANNELS, *LIMITS} <= set(unresolved.failures)
    assert unresolved.attributes["StorageConnectors"] == []
    no_support = window_of(group(support=None, failed={"SessionSupport": UNKNOWN}))
    assert set(LIMITS) <= set(no_support.failures)
    assert not set(CHANNELS) & set(no_support.failures)
    no_users = window_of(group(users=None, failed={"Users": UNKNOWN}))
    assert no_users.failures["Entitlements"] is UNKNOWN


def test_entitlements_are_the_access_policy_accounts() -> None:
    resource = group(users=[
        {"Name": "NBH\\Meridian-Agents", "Kind": "group", "Sid": "S-1", "AccessPolicy": "a"},
        {"Name": "NBH\\meridian-agent-4", "Kind": "user", "Sid": "S-2", "AccessPolicy": "a"}])
    assert window_of(resource).attributes["Entitlements"] == [
        {"Kind": "group", "System": "citrix", "Name": "NBH\\Meridian-Agents"},
        {"Kind": "user", "System": "citrix", "Name": "NBH\\meridian-agent-4"}]


def test_every_window_attribute_keeps_its_records() -> None:
    found = window_of(group({"ClipboardRedirection": by_policy("ClipboardRedirection", False)}))
    for key in (*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"):
        assert found.sources[key], key
    (ref,) = found.sources["ClipboardOut"]
    assert ref.pointer.startswith("/response/export/PolicySets/0/Policies/0/Settings/")


VDI_RULES = {rule.id: rule for rule in load_folder(builtin_dir("policies") / "vdi")
             if rule.resource_type == WINDOW}


def verdicts(window: Resource) -> dict[str, Status]:
    results = {rule_id: judge(rule, window, settings=Settings(), now=NOW)
               for rule_id, rule in VDI_RULES.items()}
    return {rule_id: result.status for rule_id, result in results.items() if result}


def test_the_sample_site_judged_by_the_vdi_rules(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    groups = [r for r in resources.values() if r.type == citrix.GROUP]
    windows = {w.attributes["Window"]: w for w in citrix.windows({citrix.GROUP: groups})}
    meridian = verdicts(windows["Citrix delivery group Meridian Agents (nbh-daas)"])
    assert meridian and set(meridian.values()) == {Status.PASS}, meridian
    billing = verdicts(windows["Citrix delivery group Billing Overflow (nbh-daas)"])
    for rule_id in ("vdi-clipboard-out-blocked", "vdi-clipboard-in-blocked",
                    "vdi-download-blocked", "vdi-upload-blocked",
                    "vdi-drive-redirection-blocked", "vdi-printing-blocked",
                    "vdi-idle-timeout", "vdi-disconnect-timeout"):
        assert billing[rule_id] is Status.FAIL, rule_id
    assert billing["vdi-no-storage-connectors"] is Status.PASS
    assert billing["vdi-usb-redirection-blocked"] is Status.FAIL  # plug-and-play devices
    supervisors = verdicts(windows["Citrix delivery group Scheduling Supervisors (nbh-daas)"])
    assert supervisors["vdi-clipboard-out-blocked"] is Status.FAIL  # plain text still leaves
    assert supervisors["vdi-download-blocked"] is Status.PASS

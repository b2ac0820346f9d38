"""Normalising recorded Citrix exports: the resources, their attributes, records that every
attribute points into, what the export leaves unknown, and coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError
from govkit.inventory.model import Resource
from govkit.report.show import resolve_pointer
from govkit.snapshot import Snapshot
from govkit.sources import citrix
from tests.sources.citrix import (
    CTX, DEMO, collect, delivery_group, demo, group, normalized, split, write)


def resolve(run_dir: Path, file: str, pointer: str) -> Any:
    return resolve_pointer(json.loads((run_dir / file).read_text("utf-8")), pointer,
                           where=file)


def test_every_policy_and_group_becomes_a_resource(tmp_path: Path) -> None:
    resources, coverage = normalized(tmp_path / "run")
    assert sorted(resources) == [
        "citrix:nbh-daas:delivery-group/Billing Overflow",
        "citrix:nbh-daas:delivery-group/Meridian Agents",
        "citrix:nbh-daas:delivery-group/Scheduling Supervisors",
        "citrix:nbh-daas:policy/Billing Overflow Lockdown",
        "citrix:nbh-daas:policy/Hospital Staff Printing",
        "citrix:nbh-daas:policy/Meridian Agents Lockdown",
        "citrix:nbh-daas:policy/Supervisors Plain Text Clipboard",
        "citrix:nbh-daas:policy/Unfiltered"]
    assert {(r.account, r.region) for r in resources.values()} == {("nbh-daas", "global")}
    assert sorted((c.type, c.account, c.failure) for c in coverage) == [
        ("citrix.delivery_group", "nbh-daas", None), ("citrix.policy", "nbh-daas", None)]


def test_a_policy_reads_as_studio_shows_it(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    printing = resources["citrix:nbh-daas:policy/Hospital Staff Printing"]
    attributes = printing.attributes
    assert (attributes["Name"], attributes["Priority"], attributes["Enabled"]) == (
        "Hospital Staff Printing", 4, True)
    assert attributes["PolicySet"] == "DefaultSitePolicies"
    assert attributes["PolicySetType"] == "SitePolicies"
    assert attributes["Settings"] == {"ClientPrinterRedirection": True,
                                      "ClientPrinterAutoCreation": "DefaultPrinterOnly",
                                      "EnableServerIdleTimer": True,
                                      "ServerIdleTimerInterval": 60}
    assert attributes["Filters"] == [
        {"Type": "DesktopGroup", "Value": "Meridian Agents", "Mode": "Deny", "Enabled": True},
        {"Type": "DesktopGroup", "Value": "Scheduling Supervisors", "Mode": "Deny",
         "Enabled": True}]
    assert printing.tags == {} and "Tags" not in printing.failures
    disabled = resources["citrix:nbh-daas:policy/Billing Overflow Lockdown"]
    assert disabled.attributes["Enabled"] is False
    unfiltered = resources["citrix:nbh-daas:policy/Unfiltered"]
    assert unfiltered.attributes["Filters"] == [] and unfiltered.attributes["Description"] == ""


def test_a_delivery_group_says_who_it_lets_in(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    billing = delivery_group(resources, "Billing Overflow")
    attributes = billing.attributes
    assert attributes["Site"] == "nbh-daas"
    assert attributes["SessionSupport"] == "MultiSession"
    assert attributes["Users"] == [
        {"Name": "NBH\\Billing-Overflow-Agents", "Kind": "group",
         "Sid": "S-1-5-21-3623811015-3361044348-30300820-14110",
         "AccessPolicy": "Billing Overflow_Direct"},
        {"Name": "NBH\\meridian-agent-4", "Kind": "user",
         "Sid": "S-1-5-21-3623811015-3361044348-30300820-21804",
         "AccessPolicy": "Billing Overflow_Direct"}]
    assert [p["Name"] for p in attributes["AccessPolicies"]] == [
        "Billing Overflow_Direct", "Billing Overflow_AG"]
    assert billing.tags == {"data_classification": "phi"}
    meridian = delivery_group(resources, "Meridian Agents")
    assert meridian.tags == {"data_classification": "phi", "vendor": "meridian"}


def test_every_attribute_points_into_the_recorded_export(tmp_path: Path) -> None:
    run = tmp_path / "run"
    resources, _ = normalized(run)
    for resource in resources.values():
        assert set(resource.attributes) - {"Id", "Name", "Account", "Region"} <= \
            set(resource.sources), resource.id
        for key, refs in resource.sources.items():
            assert refs, (resource.id, key)
            for ref in refs:
                resolve(run, ref.file, ref.pointer)  # raises when it points nowhere
    meridian = delivery_group(resources, "Meridian Agents")
    (main, *_) = meridian.sources["EffectiveSettings.ClipboardRedirection"]
    assert resolve(run, main.file, main.pointer)["SettingName"] == "ClipboardRedirection"
    (default, *_) = delivery_group(resources, "Billing Overflow").sources[
        "EffectiveSettings.ClipboardRedirection"]
    assert default.pointer == "/response/export/PolicySets/0/Policies"
    users = meridian.sources["Users"]
    assert resolve(run, users[-1].file, users[-1].pointer)["SamName"] == "NBH\\Meridian-Agents"


def test_what_the_export_leaves_unknown_fails_the_attribute(tmp_path: Path) -> None:
    export = demo()
    group(export, "Meridian Agents")["SessionSupport"] = "Unknown"
    group(export, "Meridian Agents").pop("Tags")
    group(export, "Billing Overflow")["AdvancedAccessPolicies"][0]["IncludedUsers"][1][
        "IsGroup"] = None
    group(export, "Scheduling Supervisors").pop("AdvancedAccessPolicies")
    run = tmp_path / "run"
    resources, _ = normalized(run, export)
    meridian = delivery_group(resources, "Meridian Agents")
    assert "SessionSupport is Unknown" in meridian.failures["SessionSupport"].explain()
    assert "tags" in meridian.failures["Tags"].message
    billing = delivery_group(resources, "Billing Overflow").failures["Users"]
    assert "whether NBH\\meridian-agent-4 is a group or a user" in billing.explain()
    assert billing.code == "NotInReport"
    resolve(run, billing.file, billing.pointer)
    supervisors = delivery_group(resources, "Scheduling Supervisors")
    assert {"Users", "AccessPolicies"} <= set(supervisors.failures)
    assert "EffectiveSettings" in supervisors.attributes


@pytest.mark.parametrize(("change", "users"), [
    ({"AllowedUsers": "AnyAuthenticated"}, ["(any authenticated user)"]),
    ({"IncludedUserFilterEnabled": False}, ["(any authenticated user)"]),
    ({"AllowedUsers": "FilteredOrAnonymous"},
     ["(anonymous users)", "NBH\\Meridian-Agents"]),
    ({"AllowedUsers": "Any"}, ["(any authenticated user)", "(anonymous users)"]),
    ({"Enabled": False}, []),
])
def test_access_policies_that_let_anyone_in_say_so(tmp_path: Path, change: dict[str, Any],
                                                   users: list[str]) -> None:
    export = demo()
    for access in group(export, "Meridian Agents")["AdvancedAccessPolicies"]:
        access.update(change)
    resources, _ = normalized(tmp_path / "run", export)
    listed = delivery_group(resources, "Meridian Agents").attributes["Users"]
    assert [u["Name"] for u in listed] == users
    assert {u["Kind"] for u in listed} <= {"group"}


def test_normalising_twice_gives_the_same_resources(tmp_path: Path) -> None:
    snapshot = collect(tmp_path / "run", ("nbh-daas", DEMO))
    first, _ = split(citrix.normalize(snapshot, CTX))
    again, _ = split(citrix.normalize(Snapshot.open(tmp_path / "run"), CTX))
    assert first == again


def test_two_sites_keep_apart(tmp_path: Path) -> None:
    other = write(tmp_path, demo(), "nbh-dr.json")
    snapshot = collect(tmp_path / "run", ("nbh-daas", DEMO), ("nbh-dr", other))
    resources, coverage = split(citrix.normalize(snapshot, CTX))
    assert len(resources) == 16
    assert delivery_group(resources, "Meridian Agents", "nbh-dr").attributes["Site"] == \
        "nbh-dr"
    assert sorted({c.account for c in coverage}) == ["nbh-daas", "nbh-dr"]


def test_a_recorded_export_that_no_longer_reads_is_an_input_error(tmp_path: Path) -> None:
    snapshot = collect(tmp_path / "run", ("nbh-daas", DEMO))
    (entry,) = snapshot.select("citrix", "ReadPolicyExport")
    record = tmp_path / "run" / entry.file
    document = json.loads(record.read_text("utf-8"))
    document["response"]["export"]["PolicySets"][0]["Policies"][0]["Priority"] = -1
    record.write_text(json.dumps(document), "utf-8")
    with pytest.raises(InputError) as caught:
        list(citrix.normalize(snapshot, CTX))
    assert caught.value.path == entry.file
    assert caught.value.field == "PolicySets.0.Policies.0.Priority"


def test_resources_are_typed_as_the_window_mapping_reads_them(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    groups = [r for r in resources.values() if r.type == "citrix.delivery_group"]
    assert all(isinstance(r, Resource) for r in groups) and len(groups) == 3
    settings = groups[0].attributes["EffectiveSettings"]
    assert set(settings) >= {"ClipboardRedirection", "RestrictClientClipboardWrite",
                             "ClientClipboardWriteAllowedFormats", "ClientDriveRedirection",
                             "UsbDeviceRedirection", "AllowFileTransfer",
                             "EnableSessionWatermark", "SessionIdleTimer",
                             "EnableServerIdleTimer", "ServerConnectionTimerInterval"}

"""Which policies apply to a delivery group and the value in force of each setting: the
sample site (a lockdown assigned to Meridian Agents, a disabled lockdown, a Deny assignment,
the Unfiltered policy) and variants of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govkit.sources.citrix.model import EMPTY_GUID
from tests.sources.citrix import (
    delivery_group, demo, effective, group, normalized, policy)

LOCKDOWN = "Meridian Agents Lockdown"
PRINTING = "Hospital Staff Printing"


def verdicts(resources: dict[str, Any], name: str) -> dict[str, tuple[str, str]]:
    return {v["Policy"]: (v["Applies"], v["Reason"])
            for v in delivery_group(resources, name).attributes["Policies"]}


def test_the_compliant_group_takes_its_lockdown(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    meridian = delivery_group(resources, "Meridian Agents")
    clipboard = effective(meridian, "ClipboardRedirection")
    assert clipboard == {"Value": False, "Policy": LOCKDOWN, "Priority": 1,
                         "UseDefault": False, "Overridden": [], "Conditional": [],
                         "Text": "policy 'Meridian Agents Lockdown' (priority 1): "
                                 "ClipboardRedirection = Prohibited"}
    assert effective(meridian, "EnableSessionWatermark")["Value"] is True
    assert verdicts(resources, "Meridian Agents")[LOCKDOWN] == (
        "applies", "a DesktopGroup assignment in mode Allow names this delivery group")


def test_the_losing_policy_is_named_where_priorities_conflict(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    printers = effective(delivery_group(resources, "Meridian Agents"),
                         "ClientPrinterRedirection")
    assert printers["Value"] is False and printers["Policy"] == LOCKDOWN
    assert printers["Overridden"] == [{"Policy": "Unfiltered", "Priority": 5, "Value": True}]
    assert printers["Text"] == (
        "policy 'Meridian Agents Lockdown' (priority 1): ClientPrinterRedirection = "
        "Prohibited, overriding policy 'Unfiltered' (priority 5): ClientPrinterRedirection = "
        "Allowed")


def test_swapped_priorities_let_the_permissive_policy_win(tmp_path: Path) -> None:
    export = demo()
    policy(export, PRINTING).update(Priority=1, Filters=[])
    policy(export, LOCKDOWN)["Priority"] = 4
    resources, _ = normalized(tmp_path / "run", export)
    printers = effective(delivery_group(resources, "Meridian Agents"),
                         "ClientPrinterRedirection")
    assert printers["Value"] is True and printers["Policy"] == PRINTING
    assert printers["Text"].startswith(
        "policy 'Hospital Staff Printing' (priority 1): ClientPrinterRedirection = Allowed, "
        "overriding policy 'Meridian Agents Lockdown' (priority 4): ClientPrinterRedirection "
        "= Prohibited")


def test_settings_no_policy_sets_fall_to_citrix_defaults(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    billing = delivery_group(resources, "Billing Overflow")
    for name, value, words in [
            ("ClipboardRedirection", True, "Citrix allows it by default"),
            ("ClientDriveRedirection", True, "Citrix allows it by default"),
            ("UsbDeviceRedirection", False, "Citrix prohibits it by default"),
            ("EnableSessionWatermark", False, "Citrix disables it by default")]:
        found = effective(billing, name)
        assert (found["Value"], found["Policy"], found["UseDefault"]) == (value, None, True)
        assert found["Text"] == f"{name} not set by any policy applying to the group: {words}"


def test_a_disabled_policy_does_not_apply(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    assert verdicts(resources, "Billing Overflow")["Billing Overflow Lockdown"] == (
        "disabled", "the policy is disabled")
    assert effective(delivery_group(resources, "Billing Overflow"),
                     "ClipboardRedirection")["Policy"] is None


def test_a_deny_assignment_excludes_its_group_and_leaves_the_others(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    assert verdicts(resources, "Meridian Agents")[PRINTING][0] == "excluded"
    assert verdicts(resources, "Scheduling Supervisors")[PRINTING][0] == "excluded"
    assert verdicts(resources, "Billing Overflow")[PRINTING] == (
        "applies", "its DesktopGroup assignments deny other delivery groups only")
    idle = effective(delivery_group(resources, "Billing Overflow"), "ServerIdleTimerInterval")
    assert (idle["Value"], idle["Policy"]) == (60, PRINTING)


def test_the_unfiltered_policy_applies_to_every_group(tmp_path: Path) -> None:
    resources, _ = normalized(tmp_path / "run")
    for name in ("Meridian Agents", "Billing Overflow", "Scheduling Supervisors"):
        assert verdicts(resources, name)["Unfiltered"] == (
            "applies", "no enabled assignments: it applies to all objects in the site")
    assert verdicts(resources, "Billing Overflow")[LOCKDOWN][0] == "not-assigned"


def test_a_disabled_assignment_is_no_assignment(tmp_path: Path) -> None:
    export = demo()
    policy(export, LOCKDOWN)["Filters"][0]["IsEnabled"] = False
    resources, _ = normalized(tmp_path / "run", export)
    assert effective(delivery_group(resources, "Billing Overflow"),
                     "ClipboardRedirection")["Policy"] == LOCKDOWN


def test_an_assignment_govkit_cannot_evaluate_makes_a_policy_conditional(
        tmp_path: Path) -> None:
    export = demo()
    override = json.loads(json.dumps(policy(export, LOCKDOWN)))
    override.update(PolicyName="Supervisor Override", Priority=0, Settings=[
        {"SettingName": "ClipboardRedirection", "UseDefault": False, "SettingValue": "True"}])
    override["Filters"].append({"FilterType": "User", "IsAllowed": True, "IsEnabled": True,
                                "FilterData": "S-1-5-21-3623811015-3361044348-30300820-14104"})
    export["PolicySets"][0]["Policies"].append(override)
    resources, _ = normalized(tmp_path / "run", export)
    assert verdicts(resources, "Meridian Agents")["Supervisor Override"] == (
        "conditional", "it also has User assignments, which govkit does not evaluate")
    clipboard = effective(delivery_group(resources, "Meridian Agents"), "ClipboardRedirection")
    assert clipboard["Value"] is False and clipboard["Policy"] == LOCKDOWN
    assert clipboard["Conditional"] == [{"Policy": "Supervisor Override", "Priority": 0,
                                         "Value": True}]
    assert clipboard["Text"].endswith(
        "; policy 'Supervisor Override' (priority 0) sets ClipboardRedirection = Allowed for "
        "the sessions its other assignments select")
    assert verdicts(resources, "Billing Overflow")["Supervisor Override"][0] == "not-assigned"


def test_a_setting_set_to_its_default_still_wins(tmp_path: Path) -> None:
    export = demo()
    lockdown = policy(export, LOCKDOWN)
    lockdown["Settings"][0].update(UseDefault=True, SettingValue=None)
    resources, _ = normalized(tmp_path / "run", export)
    clipboard = effective(delivery_group(resources, "Meridian Agents"), "ClipboardRedirection")
    assert (clipboard["Value"], clipboard["Policy"], clipboard["UseDefault"]) == (
        True, LOCKDOWN, True)
    assert clipboard["Text"] == ("policy 'Meridian Agents Lockdown' (priority 1): "
                                 "ClipboardRedirection = Allowed (the setting's default)")


def _delivery_group_set(export: dict[str, Any], name: str, assign: bool = True) -> None:
    site = export["PolicySets"][0]
    own = json.loads(json.dumps(site))
    guid = "7d2e1f40-5b6a-4c3d-9e8f-0a1b2c3d4e5f"
    own.update(PolicySetGuid=guid, PolicySetType="DeliveryGroupPolicies", Name="Billing Set",
               Policies=[policy(export, "Billing Overflow Lockdown") | {
                   "Priority": 1, "IsEnabled": True, "Filters": []}])
    export["PolicySets"].append(own)
    if assign:
        group(export, name)["PolicySetGuid"] = guid.upper()


def test_a_group_with_its_own_policy_set_uses_only_that_set(tmp_path: Path) -> None:
    export = demo()
    _delivery_group_set(export, "Billing Overflow")
    resources, _ = normalized(tmp_path / "run", export)
    billing = delivery_group(resources, "Billing Overflow")
    assert billing.attributes["PolicySet"] == "Billing Set"
    assert effective(billing, "ClipboardRedirection")["Policy"] == "Billing Overflow Lockdown"
    assert effective(billing, "ServerIdleTimerInterval")["Policy"] is None  # site set unused
    assert "citrix:nbh-daas:policy/Billing Set/Billing Overflow Lockdown" in resources
    meridian = delivery_group(resources, "Meridian Agents")
    assert meridian.attributes["PolicySet"] == "DefaultSitePolicies"


def test_a_policy_set_the_export_lacks_leaves_the_group_unresolved(tmp_path: Path) -> None:
    export = demo()
    group(export, "Billing Overflow")["PolicySetGuid"] = "0b1c2d3e-0000-4000-8000-00000000abcd"
    resources, _ = normalized(tmp_path / "run", export)
    billing = delivery_group(resources, "Billing Overflow")
    failure = billing.failures["EffectiveSettings"]
    assert "assigned policy set 0b1c2d3e-0000-4000-8000-00000000abcd, which is not in the " \
           "export" in failure.explain()
    assert failure.operation == "citrix:ReadPolicyExport" and failure.pointer.endswith(
        "/DeliveryGroups/1")
    assert "EffectiveSettings" not in billing.attributes
    assert {"PolicySet", "Policies"} <= set(billing.failures)


def test_no_policy_set_named_while_the_site_has_group_sets_is_unresolved(
        tmp_path: Path) -> None:
    export = demo()
    _delivery_group_set(export, "Billing Overflow", assign=False)
    del group(export, "Meridian Agents")["PolicySetGuid"]
    resources, _ = normalized(tmp_path / "run", export)
    assert "EffectiveSettings" in delivery_group(resources, "Meridian Agents").failures
    assert delivery_group(resources, "Billing Overflow").attributes["PolicySet"] == \
        "DefaultSitePolicies"
    assert group(demo(), "Billing Overflow")["PolicySetGuid"] == EMPTY_GUID


def test_template_sets_are_never_applied(tmp_path: Path) -> None:
    export = demo()
    template = json.loads(json.dumps(export["PolicySets"][0]))
    template.update(PolicySetGuid="1a2b3c4d-0000-4000-8000-000000000002",
                    PolicySetType="SiteTemplates", Name="Security and Control")
    export["PolicySets"].append(template)
    resources, _ = normalized(tmp_path / "run", export)
    assert not [r for r in resources if "Security and Control" in r]
    assert delivery_group(resources, "Billing Overflow").attributes["PolicySet"] == \
        "DefaultSitePolicies"

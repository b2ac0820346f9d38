"""AppStream stacks, fleets and image builders planned by Terraform, judged as the scan would
judge them once applied: the glass-window rules through the stack's window."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from govkit.gate.run import gate
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set
from tests.sources.terraform.support import NOW
from govkit.results import Result

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"


def _inventory(name: str) -> PlanInventory:
    return build(read_plan(PLANS / name), "plan.json")


def _results(name: str) -> dict[tuple[str, str], Result]:
    verdict = gate(_inventory(name), load_policy_set().rules, settings=Settings(), now=NOW)
    return {(r.rule_id, r.resource_id): r for r in verdict.evaluation.results}


@pytest.fixture(scope="module")
def window() -> dict[tuple[str, str], Result]:
    return _results("appstream_glass_window.json")


@pytest.fixture(scope="module")
def modules() -> dict[tuple[str, str], Result]:
    return _results("appstream_modules.json")


CHANNEL_RULES = ("vdi-clipboard-in-blocked", "vdi-clipboard-out-blocked", "vdi-download-blocked",
                 "vdi-upload-blocked", "vdi-printing-blocked", "vdi-drive-redirection-blocked",
                 "vdi-usb-redirection-blocked", "vdi-no-storage-connectors",
                 "vdi-idle-timeout", "vdi-disconnect-timeout", "vdi-session-length-limited")


@pytest.mark.parametrize("rule", CHANNEL_RULES)
def test_a_locked_down_stack_passes_every_window_rule(window, rule):
    assert window[(rule, "aws_appstream_stack.phi_desk")].status.name == "PASS"


@pytest.mark.parametrize(("rule", "text"), [
    ("vdi-clipboard-out-blocked", "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE is ENABLED"),
    ("vdi-clipboard-in-blocked", "not set: AppStream enables CLIPBOARD_COPY_FROM_LOCAL_DEVICE "
                                 "by default"),
    ("vdi-upload-blocked", "not set: AppStream enables FILE_UPLOAD by default"),
    ("vdi-printing-blocked", "not set: AppStream enables PRINTING_TO_LOCAL_DEVICE by default"),
    ("vdi-no-storage-connectors", "StorageConnectors GOOGLE_DRIVE for domains "
                                  "northbridgehealth.example"),
    ("vdi-idle-timeout", "fleet nbh-billing-fleet IdleDisconnectTimeoutInSeconds is 0: idle "
                         "users are never disconnected"),
    ("vdi-disconnect-timeout", "resumed for 600 minutes on AppStream stack nbh-billing-desk "
                               "(111122223333/us-east-1) (fleet nbh-billing-fleet "
                               "DisconnectTimeoutInSeconds is 36000)"),
    ("vdi-session-length-limited", "a session may last 6000 minutes"),
])
def test_an_open_stack_fails_naming_the_setting(window, rule, text):
    result = window[(rule, "aws_appstream_stack.billing_desk")]
    assert result.status.name == "FAIL"
    assert text in result.message


def test_blocked_download_blocks_drive_redirection_and_home_folders_are_not_connectors(window):
    for rule in ("vdi-download-blocked", "vdi-drive-redirection-blocked",
                 "vdi-usb-redirection-blocked"):
        assert window[(rule, "aws_appstream_stack.billing_desk")].status.name == "PASS"


def test_stack_attributes_have_the_live_shape():
    inventory = _inventory("appstream_glass_window.json").inventory
    stack = next(r for r in inventory.of_type("aws.appstream.stack")
                 if r.id == "aws_appstream_stack.billing_desk")
    assert stack.name == "nbh-billing-desk"
    assert stack.attributes["UserSettings"] == [
        {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "ENABLED"},
        {"Action": "FILE_DOWNLOAD", "Permission": "DISABLED"}]
    assert stack.attributes["EffectiveUserSettings"]["FILE_UPLOAD"] == "ENABLED"
    assert stack.attributes["StorageConnectors"][0] == {
        "ConnectorType": "GOOGLE_DRIVE", "Domains": ["northbridgehealth.example"]}
    assert stack.attributes["Fleets"] == ["nbh-billing-fleet"]
    assert stack.sources["UserSettings"][0].pointer.endswith("/change/after/user_settings")


def test_user_associations_are_merged_and_their_types_are_not_left_unevaluated():
    planned = _inventory("appstream_glass_window.json")
    assert planned.not_evaluated == ()
    stack = next(r for r in planned.inventory.of_type("aws.appstream.stack")
                 if r.id == "aws_appstream_stack.phi_desk")
    assert stack.attributes["UserAssociations"] == [
        {"UserName": "ana.reyes@meridian-bpo.example", "AuthenticationType": "USERPOOL"}]
    window = next(r for r in planned.inventory.of_type("vdi.window")
                  if r.id == "vdi:aws_appstream_stack.phi_desk")
    assert window.attributes["Entitlements"] == [
        {"Kind": "user", "System": "appstream", "Name": "ana.reyes@meridian-bpo.example"}]
    # the window is judged again when an association or fleet it reads changes
    assert {"aws_appstream_fleet.phi", "aws_appstream_fleet_stack_association.phi",
            "aws_appstream_user_stack_association.agent"} <= planned.members[window.id]


def test_fleet_and_image_builder_internet_access(window):
    fleet = window[("appstream-phi-fleet-no-default-internet-access",
                    "aws_appstream_fleet.billing")]
    assert fleet.status.name == "FAIL"
    assert "fleet nbh-billing-fleet gives its streaming instances default internet access " \
           "(EnableDefaultInternetAccess is true)" in fleet.message
    assert window[("appstream-phi-fleet-no-default-internet-access",
                   "aws_appstream_fleet.phi")].status.name == "PASS"
    builder = window[("appstream-image-builder-no-default-internet-access",
                      "aws_appstream_image_builder.golden")]
    assert builder.status.name == "FAIL"
    assert "image builder nbh-golden-builder (RUNNING) has default internet access" \
        in builder.message
    assert window[("appstream-image-builder-no-default-internet-access",
                   "aws_appstream_image_builder.hardened")].status.name == "PASS"


def test_module_for_each_instances_get_their_own_fleet(modules):
    claims = 'module.desks["claims"].aws_appstream_stack.this'
    intake = 'module.desks["intake"].aws_appstream_stack.this'
    assert modules[("vdi-idle-timeout", claims)].status.name == "PASS"
    result = modules[("vdi-idle-timeout", intake)]
    assert result.status.name == "FAIL"
    assert "an idle session stays open 30 minutes on AppStream stack nbh-intake-desk" \
        in result.message
    assert "fleet nbh-intake-fleet IdleDisconnectTimeoutInSeconds is 1800" in result.message


def test_a_stack_without_user_settings_gets_appstream_defaults(modules):
    result = modules[("vdi-clipboard-out-blocked", "aws_appstream_stack.pilot")]
    assert result.status.name == "FAIL"
    assert "not set: AppStream enables CLIPBOARD_COPY_TO_LOCAL_DEVICE by default" \
        in result.message
    assert modules[("vdi-no-storage-connectors", "aws_appstream_stack.pilot")].status.name \
        == "PASS"


def test_a_timeout_left_to_aws_is_an_error_known_after_apply(modules):
    result = modules[("vdi-disconnect-timeout", "aws_appstream_stack.pilot")]
    assert result.status.name == "ERROR"
    assert "aws_appstream_fleet.pilot: disconnect_timeout_in_seconds is known only after " \
           "apply" in result.message
    assert (result.failure or {}).get("code") == "UnknownAfterApply"


def test_usb_filters_of_a_created_fleet_are_none_and_of_an_existing_one_not_in_plan(modules):
    assert modules[("vdi-usb-redirection-blocked", "aws_appstream_stack.pilot")].status.name \
        == "PASS"
    result = modules[("vdi-usb-redirection-blocked", "aws_appstream_stack.legacy")]
    assert result.status.name == "ERROR"
    assert (result.failure or {}).get("code") == "NotInPlan"
    assert "USB device filter strings of fleet nbh-legacy-fleet are not in the plan" \
        in result.message

"""WorkSpaces Secure Browser portals planned by Terraform, with their associated settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.sources.terraform.inventory import PlanInventory, build
from govkit.sources.terraform.plan import read_plan
from tests.sources.terraform.support import judged
from govkit.results import Result

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
FILE = "workspacesweb_portals.json"


def _inventory() -> PlanInventory:
    return build(read_plan(PLANS / FILE), "plan.json")


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], Result]:
    return judged(_inventory())


WINDOW_RULES = ("vdi-clipboard-in-blocked", "vdi-clipboard-out-blocked", "vdi-download-blocked",
                "vdi-upload-blocked", "vdi-printing-blocked", "vdi-idle-timeout",
                "vdi-disconnect-timeout", "vdi-drive-redirection-blocked",
                "vdi-usb-redirection-blocked", "vdi-no-storage-connectors")


@pytest.mark.parametrize("rule", WINDOW_RULES)
def test_associated_locked_settings_pass(results, rule):
    assert results[(rule, "aws_workspacesweb_portal.agents")].status.name == "PASS"


@pytest.mark.parametrize(("rule", "text"), [
    ("vdi-clipboard-out-blocked", "copyAllowed is Enabled in the service defaults (no user "
                                  "settings are associated)"),
    ("vdi-printing-blocked", "printAllowed is Enabled in the service defaults"),
    ("vdi-idle-timeout", "idleDisconnectTimeoutInMinutes is not set in the service defaults"),
])
def test_a_portal_without_user_settings_fails_on_the_service_defaults(results, rule, text):
    result = results[(rule, "aws_workspacesweb_portal.billing")]
    assert result.status.name == "FAIL"
    assert "Secure Browser portal meridian-billing (111122223333/us-east-1)" in result.message
    assert text in result.message


def test_associated_settings_are_named_in_the_finding(results):
    download = results[("vdi-download-blocked", "aws_workspacesweb_portal.claims")]
    assert download.status.name == "FAIL"
    assert "downloadAllowed is Enabled in user settings " \
           "aws_workspacesweb_user_settings.open.user_settings_arn" in download.message
    timeout = results[("vdi-disconnect-timeout", "aws_workspacesweb_portal.claims")]
    assert "resumed for 600 minutes" in timeout.message
    assert results[("vdi-upload-blocked", "aws_workspacesweb_portal.claims")].status.name \
        == "PASS"


def test_customer_managed_key(results):
    assert results[("secure-browser-portal-customer-managed-key",
                    "aws_workspacesweb_portal.agents")].status.name == "PASS"
    result = results[("secure-browser-portal-customer-managed-key",
                      "aws_workspacesweb_portal.billing")]
    assert result.status.name == "FAIL"
    assert "without a customer managed key (customerManagedKey: not set)" in result.message


def test_settings_outside_the_plan_are_errors(results):
    result = results[("vdi-clipboard-out-blocked", "aws_workspacesweb_portal.legacy")]
    assert result.status.name == "ERROR"
    assert (result.failure or {}).get("code") == "NotInPlan"
    assert "userSettings/5a6b7c8d-0000-4111-8222-933344445555 are not managed by this plan" \
        in result.message


def test_portal_shape_merges_associations_and_consumes_their_types():
    planned = _inventory()
    assert planned.not_evaluated == ()
    portal = next(r for r in planned.inventory.of_type("aws.workspaces_web.portal")
                  if r.id == "aws_workspacesweb_portal.agents")
    assert portal.name == "meridian-agents"
    assert portal.attributes["customerManagedKey"] == "aws_kms_key.portal.arn"
    assert portal.attributes["userSettingsArn"] == \
        "aws_workspacesweb_user_settings.locked.user_settings_arn"
    assert portal.attributes["browserSettingsArn"] == \
        "aws_workspacesweb_browser_settings.agents.browser_settings_arn"
    assert portal.attributes["networkSettingsArn"] is None
    assert portal.attributes["EffectiveUserSettings"] == {
        "copyAllowed": "Disabled", "pasteAllowed": "Disabled", "downloadAllowed": "Disabled",
        "uploadAllowed": "Disabled", "printAllowed": "Disabled",
        "idleDisconnectTimeoutInMinutes": 10, "disconnectTimeoutInMinutes": 30,
        "From": "user settings aws_workspacesweb_user_settings.locked.user_settings_arn"}
    window = next(r for r in planned.inventory.of_type("vdi.window")
                  if r.id == "vdi:aws_workspacesweb_portal.agents")
    assert {"aws_workspacesweb_user_settings.locked", "aws_kms_key.portal",
            "aws_workspacesweb_user_settings_association.agents"} <= planned.members[window.id]

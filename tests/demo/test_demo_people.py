"""``govkit demo`` end to end, as a newcomer runs it: the identity side (Okta and Graph on
loopback, the Workday export, Meridian's roster, the role matrix and the review) is scanned
with AWS, every planted people violation is found beside people who pass, the summary shows
the access-removal population, and the signed run verifies and replays."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.support.scripts import govkit_demo

PLANTED = {
    "offboarding-leaver-accounts-disabled": {"Daniel Reyes", "Leo Park"},
    "offboarding-deprovisioning-latency": {"Daniel Reyes", "Leo Park", "Tomas Vega"},
    "offboarding-no-sign-in-after-termination": {"Daniel Reyes", "Leo Park"},
    "offboarding-vendor-notice-within-24-hours": {"Daniel Reyes"},
    "idp-account-has-owner": {"temp.agent7@meridian-cs.example",
                              "test.agent@northbridge-health.example"},
    "idp-account-not-shared": {"nightshift@meridian-cs.example"},
    "idp-account-not-dormant": {"li.wei@meridian-cs.example",
                                "test.agent@northbridge-health.example"},
    "idp-user-mfa-enrolled": {"jon.bell@meridian-cs.example",
                              "test.agent@northbridge-health.example"},
    "idp-admin-phishing-resistant-mfa": {"sam.ortiz@northbridge-health.example"},
    "people-holdings-within-role-matrix": {"Kofi Mensah", "Ivy Chen"},
    "people-separation-of-duties": {"Ivy Chen"},
    "access-review-revocations-done": {"kofi.mensah@meridian-cs.example"},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                             dict[str, Any], Path]:
    process, run = govkit_demo(tmp_path_factory.mktemp("demo"), COLUMNS="200")
    return process, json.loads((run / "results" / "results.json").read_bytes()), run


def test_every_planted_people_violation_is_found_and_nothing_else(
        demo: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]) -> None:
    process, document, _ = demo
    assert process.returncode == 0, process.stderr
    failing: dict[str, set[str]] = defaultdict(set)
    for result in document["results"]:
        if result["rule_id"] in PLANTED and result["status"] == "FAIL":
            failing[result["rule_id"]].add(result["resource_name"])
    assert dict(failing) == PLANTED
    people_rules = [r for r in document["results"] if r["rule_id"].startswith(
        ("offboarding-", "idp-", "people-", "access-review-"))]
    assert not [r["message"] for r in people_rules if r["status"] == "ERROR"]
    passed = {r["resource_name"] for r in people_rules if r["status"] == "PASS"}
    assert {"Maria Santos", "Grace Lim", "priya.shah@northbridge-health.example"} <= passed


def test_leavers_carry_what_an_auditor_samples(
        demo: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]) -> None:
    _, document, _ = demo
    latency = {r["resource_name"]: r for r in document["results"]
               if r["rule_id"] == "offboarding-deprovisioning-latency"}
    grace = latency["Grace Lim"]
    assert grace["status"] == "PASS"
    [okta] = grace["facts"]["accounts"]
    assert (okta["system"], okta["latency_hours"]) == ("okta", 3.0)
    assert grace["facts"]["terminated_by"] == "Meridian Contact Services"
    assert okta["last_sign_in"] < grace["facts"]["terminated_at"]


def test_the_summary_shows_the_access_removal_population_and_the_run_verifies(
        demo: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]) -> None:
    process, _, run = demo
    assert "Access removal" in process.stdout
    assert "left in the period" in process.stdout
    assert "VERIFIED" in process.stdout
    manifest = json.loads((run / "manifest.json").read_bytes())
    assert [s["type"] for s in manifest["sources"]] == [
        "aws", "okta", "entra", "hr", "vendors", "roles", "reviews", "register", "citrix", "avd"]
    # the API secrets reached the scan through the environment only
    assert all(b"demo-loopback-client-secret" not in p.read_bytes()
               for p in run.rglob("*") if p.is_file())


VENDOR_PLANTED = {
    "vendor-baa-in-force": {"Harborview Billing Partners"},
    "vendor-safeguards-verified": {"Harborview Billing Partners"},
    # the billing host pool Meridian's agents open lets the clipboard and drives through
    "vendor-windows-sealed": {"Meridian Contact Services"},
}


def test_the_register_finds_the_lapsed_baa_and_meridians_glass_windows(
        demo: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]) -> None:
    process, document, _ = demo
    assert "Glass windows by vendor" in process.stdout
    vendor = [r for r in document["results"] if r["resource_type"] == "vendor.record"]
    failing: dict[str, set[str]] = defaultdict(set)
    for result in vendor:
        if result["status"] == "FAIL":
            failing[result["rule_id"]].add(result["resource_name"])
    assert dict(failing) == VENDOR_PLANTED
    assert not [r["message"] for r in vendor if r["status"] == "ERROR"]
    by_key = {(r["rule_id"], r["resource_name"]): r for r in vendor}
    lapsed = by_key[("vendor-baa-in-force", "Harborview Billing Partners")]
    assert "phi_access process (the register)" in lapsed["message"]
    assert "the BAA expired on" in lapsed["message"]
    meridian = by_key[("vendor-baa-in-force", "Meridian Contact Services")]
    assert "role MeridianAgentAccess" in meridian["message"]
    sealed = by_key[("vendor-windows-sealed", "Meridian Contact Services")]
    matrix = sealed["facts"]["matrix"]
    portal = next(w for w in matrix if "Secure Browser portal nbh-meridian-agent-portal" in w)
    agents = next(w for w in matrix if "AVD host pool hp-meridian-agents" in w)
    billing = next(w for w in matrix if "AVD host pool hp-meridian-billing" in w)
    assert set(matrix[portal].values()) == set(matrix[agents].values()) == {"PASS"}
    assert matrix[billing]["ClipboardOut"] == matrix[billing]["DriveRedirection"] == "FAIL"
    assert "redirectclipboard" in sealed["message"]
    # the AppStream desk is Meridian's through its agents' user-pool users
    desk = next(w for w in matrix if "AppStream stack nbh-phi-desk" in w)
    assert set(matrix[desk].values()) == {"PASS"}
    leaking = {r["resource_name"] for r in document["results"]
               if r["rule_id"] == "vdi-clipboard-out-blocked" and r["status"] == "FAIL"}
    assert {"nbh-billing-desk", "hp-meridian-billing", "nbh-billing-support-portal"} <= leaking
    # the roles trusting Meridian's account are known; none trusts an unknown account
    third = [r for r in document["results"]
             if r["rule_id"] == "iam-role-trusts-only-registered-vendors"]
    assert third and {r["status"] for r in third} == {"PASS"}

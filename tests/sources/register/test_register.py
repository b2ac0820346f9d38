"""The vendor register: read, checked and recorded; each vendor's paths to PHI found; the BAA,
verification, subcontractor, third-party and glass-window rules judged on them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError
from govkit.inventory.model import CallFailure, Coverage, Inventory, Ref, Resource, ResourceBuilder
from govkit.people import vendors
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.loader import load_policy_set
from govkit.results import Status
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import register
from govkit.sources.interface import CollectWindow
from govkit.vdi.window import CHANNELS, Channel, Limit, put, window

NOW = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc)
REGISTER = """\
vendors:
  - name: Meridian Contact Services
    services: [scheduling, billing questions, after-hours calls]
    phi_access: view_only_vdi
    baa:
      status: signed
      signed: 2025-02-20
      effective: 2025-03-01
      expires: 2027-02-28
      document: {sha256: 9f2b5c0d7e1a4b3c8d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c}
    subcontractors:
      - {name: Bayline Staffing, phi_access: view_only_vdi, baa_flowdown: false}
    last_verification: 2026-01-15
    aws_account_ids: ["444455556666"]
    idp_groups: [Meridian-Agents]
  - name: Harborview Billing Partners
    phi_access: none
    baa: {status: signed, effective: 2023-10-01, expires: 2026-09-30}
    last_verification: 2025-05-01
    aws_account_ids: ["777788889999"]
  - name: Lakeside Print & Mail
    phi_access: none
    baa: {status: none}
"""


def _collect(tmp_path: Path, text: str = REGISTER) -> Snapshot:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "register.yaml"
    path.write_text(text)
    writer = SnapshotWriter(tmp_path / "run")
    settings = register.settings_from("register.yaml", resolve=lambda p: tmp_path / p,
                                      environ={})
    register.collect(settings, writer, CollectWindow(since=NOW, until=NOW))
    writer.write_index()
    return Snapshot.open(tmp_path / "run")


def _normalised(tmp_path: Path) -> tuple[list[Resource], list[Coverage]]:
    resources: list[Resource] = []
    coverage: list[Coverage] = []
    for item in register.normalize(_collect(tmp_path), None):  # type: ignore[arg-type]
        (coverage if isinstance(item, Coverage) else resources).append(item)
    return resources, coverage


def _resolve(run: Path, ref: Ref) -> Any:
    node: Any = json.loads((run / ref.file).read_text())
    for token in ref.pointer.split("/")[1:]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_the_register_is_recorded_and_every_value_points_into_it(tmp_path: Path) -> None:
    resources, coverage = _normalised(tmp_path)
    meridian = next(r for r in resources if r.name == "Meridian Contact Services")
    assert meridian.type == "vendor.record"
    assert meridian.attributes["Baa"]["Expires"] == "2027-02-28"
    assert meridian.attributes["Subcontractors"][0]["BaaFlowdown"] is False
    assert _resolve(tmp_path / "run", meridian.sources["LastVerification"][0]) == "2026-01-15"
    lakeside = next(r for r in resources if r.name == "Lakeside Print & Mail")
    # absent fields point at the vendor's entry, which shows they are not set
    assert _resolve(tmp_path / "run", lakeside.sources["LastVerification"][0])["name"] == \
        "Lakeside Print & Mail"
    assert [c.type for c in coverage] == ["vendor.record"]


@pytest.mark.parametrize(("text", "where"), [
    (REGISTER.replace("phi_access: none\n    baa: {status: none}",
                      "phi_access: some\n    baa: {status: none}"), "register.yaml:22"),
    (REGISTER.replace("last_verification: 2026-01-15", "last_verified: 2026-01-15"),
     "register.yaml:13"),
    (REGISTER.replace("expires: 2026-09-30", "expires: 30/09/2026"), "register.yaml:18"),
    (REGISTER.replace("Lakeside Print & Mail", "Meridian Contact Services"),
     "register.yaml:21"),
])
def test_a_bad_register_names_the_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(InputError) as raised:
        _collect(tmp_path, text)
    assert str(raised.value).startswith(str(tmp_path / where)), str(raised.value)
    assert not (tmp_path / "run" / "snapshots" / "register").exists()


# --- paths to PHI and the rules --------------------------------------------------------------

def _window(name: str, *, clipboard_out: bool, group: str,
            failed: CallFailure | None = None) -> Resource:
    stack = ResourceBuilder(id=f"arn:aws:appstream:us-east-1:111122223333:stack/{name}",
                            type="aws.appstream.stack", account="111122223333",
                            region="us-east-1", name=name)
    file = "snapshots/111122223333/us-east-1/appstream/DescribeStacks.json"
    stack.set("Name", name, Ref(file, "/response/Stacks/0/Name"))
    builder = window(source=stack.build(), platform="appstream",
                     label=f"AppStream stack {name} (111122223333/us-east-1)")
    where = Ref(file, "/response/Stacks/0/UserSettings")
    for channel in CHANNELS:
        allowed = clipboard_out and channel == "ClipboardOut"
        put(builder, channel, Channel(allowed=allowed, setting=f"{channel} is "
                                      f"{'ENABLED' if allowed else 'DISABLED'}"), where)
    if failed is not None:
        builder.fail("ClipboardIn", failed)
    for limit in ("IdleTimeout", "DisconnectTimeout", "MaxSession"):
        put(builder, limit, Limit(10, "10 minutes"), where)
    put(builder, "StorageConnectors", [], where)
    put(builder, "Entitlements", [{"Kind": "group", "System": "okta", "Name": group}], where)
    return builder.build()


def _agent(vendor: str, group: str) -> Resource:
    builder = ResourceBuilder(id="person:vendor:meridian:MCS-1001", type="person",
                              account="people", region="global", name="Maria Santos")
    roster = "snapshots/meridian-contact-services/global/vendors/ReadExport.json"
    builder.set("Vendor", vendor, Ref(roster, "/response/rows/0/3"))
    builder.set("Status", "active", Ref(roster, "/response/rows/0/2"))
    builder.set("Emails", ["m.santos@meridian-bpo.example"], Ref(roster, "/response/rows/0/1"))
    builder.set("Accounts", [{"System": "okta", "Login": "m.santos@meridian-bpo.example",
                              "Groups": [group], "Applications": []}],
                Ref("snapshots/okta/ListUsers.json", "/response/body/0"))
    return builder.build()


def _role(name: str, account: str) -> Resource:
    builder = ResourceBuilder(id=f"arn:aws:iam::111122223333:role/{name}", type="aws.iam.role",
                              account="111122223333", region="global", name=name)
    builder.set("ExternalAccounts", [{"Account": account, "RequiresExternalId": True,
                                      "RequiresMfa": False}],
                Ref("snapshots/111122223333/global/iam/GetRole.json", "/response/Role"))
    return builder.build()


def _judged(tmp_path: Path, *extra: Resource) -> dict[tuple[str, str], Any]:
    resources, coverage = _normalised(tmp_path)
    coverage += [Coverage(type=t, account=a, region=r, source="x.json") for t, a, r in (
        ("vdi.window", "111122223333", "us-east-1"), ("aws.iam.role", "111122223333", "global"),
        ("person", "people", "global"))]
    inventory = vendors.attach(Inventory.of([*resources, *extra], coverage))
    rules = [r for r in load_policy_set().rules if r.resource_type == "vendor.record"
             or r.id == "iam-role-trusts-only-registered-vendors"]
    evaluation = evaluate_all(rules, inventory, now=NOW, settings=Settings())
    return {(r.rule_id, r.resource_name): r for r in evaluation.results}


def test_each_vendor_is_judged_on_the_paths_govkit_finds(tmp_path: Path) -> None:
    results = _judged(tmp_path, _window("nbh-phi-desk", clipboard_out=False,
                                        group="Meridian-Agents"),
                      _window("nbh-billing-desk", clipboard_out=True, group="Billing-Overflow"),
                      _agent("Meridian Contact Services", "Meridian-Agents"),
                      _role("harborview-claims-sync", "777788889999"),
                      _role("legacy-export", "999988887777"))
    meridian, harborview, lakeside = ("Meridian Contact Services",
                                      "Harborview Billing Partners", "Lakeside Print & Mail")
    assert results[("vendor-baa-in-force", meridian)].status is Status.PASS
    # the register says Harborview has no PHI access, but a role trusts its account, and
    # its BAA ended on 2026-09-30
    found = results[("vendor-baa-in-force", harborview)]
    assert found.status is Status.FAIL
    assert "role harborview-claims-sync in 111122223333 (trusts account 777788889999)" in \
        found.message and "the BAA expired on 2026-09-30" in found.message
    assert results[("vendor-baa-in-force", lakeside)].status is Status.PASS
    assert results[("vendor-safeguards-verified", harborview)].status is Status.FAIL
    assert "563 days ago" in results[("vendor-safeguards-verified", harborview)].message
    assert ("vendor-safeguards-verified", lakeside) not in results
    assert results[("vendor-subcontractor-baa-flowdown", meridian)].status is Status.FAIL
    assert results[("iam-role-trusts-only-registered-vendors", "legacy-export")].status is \
        Status.FAIL
    assert results[("iam-role-trusts-only-registered-vendors",
                    "harborview-claims-sync")].status is Status.PASS
    sealed = results[("vendor-windows-sealed", meridian)]
    assert sealed.status is Status.PASS  # its agents reach only nbh-phi-desk
    assert sealed.facts is not None and list(sealed.facts["matrix"]) == \
        ["AppStream stack nbh-phi-desk (111122223333/us-east-1)"]


def test_a_leaking_window_and_an_unknown_one_show_in_the_vendor_matrix(tmp_path: Path) -> None:
    denied = CallFailure(call="appstream:DescribeStacks in 111122223333/us-east-1",
                         operation="appstream:DescribeStacks", code="AccessDeniedException",
                         message="", file="snapshots/x/DescribeStacks.json",
                         pointer="/error_message")
    results = _judged(tmp_path, _window("nbh-billing-desk", clipboard_out=True,
                                        group="Meridian-Agents"),
                      _agent("Meridian Contact Services", "Meridian-Agents"))
    sealed = results[("vendor-windows-sealed", "Meridian Contact Services")]
    assert sealed.status is Status.FAIL
    assert "AppStream stack nbh-billing-desk (111122223333/us-east-1): clipboard from the " \
           "session to the agent's device (ClipboardOut is ENABLED)" in sealed.message
    assert {r.attribute for r in sealed.records} >= {"Windows[0].ClipboardOut"}
    results = _judged(tmp_path / "again", _window("nbh-phi-desk", clipboard_out=False,
                                                  group="Meridian-Agents", failed=denied),
                      _agent("Meridian Contact Services", "Meridian-Agents"))
    sealed = results[("vendor-windows-sealed", "Meridian Contact Services")]
    assert sealed.status is Status.ERROR
    assert "appstream:DescribeStacks in 111122223333/us-east-1 failed with " \
           "AccessDeniedException" in sealed.message
    assert sealed.facts is not None
    assert sealed.facts["matrix"]["AppStream stack nbh-phi-desk (111122223333/us-east-1)"][
        "ClipboardIn"] == "ERROR"


def test_a_window_whose_entitlements_are_unknown_leaves_the_matrix_unknown(
        tmp_path: Path) -> None:
    denied = CallFailure(call="appstream:DescribeUserStackAssociations (StackName=nbh-x) in "
                              "111122223333/us-east-1", operation="appstream:"
                         "DescribeUserStackAssociations", code="AccessDeniedException",
                         message="", file="snapshots/x/DescribeUserStackAssociations.json",
                         pointer="/error_message")
    window = _window("nbh-x", clipboard_out=True, group="Someone-Else")
    window = window.extended({}, {"Entitlements": denied})
    results = _judged(tmp_path, window, _agent("Meridian Contact Services", "Meridian-Agents"))
    sealed = results[("vendor-windows-sealed", "Meridian Contact Services")]
    # its clipboard leaks, but whether Meridian's agents can open it is not known: ERROR
    assert sealed.status is Status.ERROR
    assert sealed.message.startswith("cannot tell whether its agents can open AppStream stack "
                                     "nbh-x (111122223333/us-east-1) for Meridian Contact "
                                     "Services: appstream:DescribeUserStackAssociations")
    assert sealed.facts is not None
    assert sealed.facts["matrix"]["AppStream stack nbh-x (111122223333/us-east-1)"] == \
        {"Reach": "ERROR"}
    # a vendor with no agents and no groups cannot reach it through entitlements at all
    assert ("vendor-windows-sealed", "Lakeside Print & Mail") not in results


# --- whose domain each identity-provider account signs in with -------------------------------

def _idp_account(login: str, *, system: str = "okta", active: bool = True,
                 emails: tuple[str, ...] = ()) -> Resource:
    builder = ResourceBuilder(id=f"{system}:{login}", type=f"{system}.user",
                              account="northbridge.okta.com", region="global", name=login)
    users = f"snapshots/{system}/global/{system}/ListUsers.json"
    builder.set("System", system, Ref(users, "/response/body/0/id"))
    builder.set("Login", login, Ref(users, "/response/body/0/profile/login"))
    builder.set("Active", active, Ref(users, "/response/body/0/status"))
    builder.set("Emails", list(emails or (login,)), Ref(users, "/response/body/0/profile/email"))
    return builder.build()


IDP_ACCOUNTS = (
    _idp_account("dana.reyes@northbridge-health.example"),
    _idp_account("ana.cruz@agents.meridian-cs.example"),
    _idp_account("j.park_quickclaims.example#EXT#@northbridge.onmicrosoft.com", system="entra",
                 emails=("j.park@quickclaims.example",)),
    _idp_account("old.temp@freemail.example", active=False),
)


def _domains_judged(tmp_path: Path, text: str) -> dict[str, Any]:
    items = list(register.normalize(_collect(tmp_path, text), None))  # type: ignore[arg-type]
    resources = [r for r in items if isinstance(r, Resource)]
    coverage = [Coverage(type="identity.account", account="northbridge.okta.com",
                         region="global", source="x.json")]
    inventory = vendors.attach(Inventory.of([*resources, *IDP_ACCOUNTS], coverage,
                                            groups={"identity.account": IDP_ACCOUNTS}))
    rule = load_policy_set().by_id()["idp-account-domain-registered"]
    evaluation = evaluate_all([rule], inventory, now=NOW, settings=Settings())
    return {r.resource_name: r for r in evaluation.results}


def test_accounts_on_a_domain_nobody_registered_are_found(tmp_path: Path) -> None:
    text = "own_domains: [northbridge-health.example]\n" + REGISTER.replace(
        "    idp_groups: [Meridian-Agents]\n",
        "    idp_groups: [Meridian-Agents]\n    idp_domains: [meridian-cs.example]\n")
    results = _domains_judged(tmp_path, text)
    own = results["dana.reyes@northbridge-health.example"]
    assert own.status is Status.PASS and "one of the organisation's own domains" in own.message
    agent = results["ana.cruz@agents.meridian-cs.example"]
    assert agent.status is Status.PASS
    assert "agents.meridian-cs.example, a domain of vendor Meridian Contact Services" in \
        agent.message
    guest = results["j.park_quickclaims.example#EXT#@northbridge.onmicrosoft.com"]
    assert guest.status is Status.FAIL
    assert "signs in with quickclaims.example, which is neither" in guest.message
    # the proof: the address it signs in with and the register's domains
    assert {r.pointer for r in guest.records} >= {"/response/body/0/profile/email",
                                                   "/response/register/own_domains"}
    assert "old.temp@freemail.example" not in results  # disabled: grants nothing


def test_without_own_domains_an_unregistered_domain_is_unknown(tmp_path: Path) -> None:
    text = REGISTER.replace("    idp_groups: [Meridian-Agents]\n",
                            "    idp_groups: [Meridian-Agents]\n"
                            "    idp_domains: [meridian-cs.example]\n")
    results = _domains_judged(tmp_path, text)
    assert results["ana.cruz@agents.meridian-cs.example"].status is Status.PASS
    # two accounts share the missing fact: one ERROR names it and both accounts
    [unknown] = [r for r in results.values() if r.status is Status.ERROR]
    assert "register lists no own_domains" in unknown.message
    assert "dana.reyes@northbridge-health.example" in unknown.message
    assert not [r for r in results.values() if r.status is Status.FAIL]

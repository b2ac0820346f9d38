"""``export: FILE``: what the Azure CLI printed is recorded, per subscription, as the answer to
the ARM request it stands for, and normalises as a live answer does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError
from govkit.sources.avd import queries as q
from govkit.sources.avd.settings import settings_from
from tests.sources.avd import MERIDIAN_AGENTS, MERIDIAN_SUBSCRIPTION, Collected, collect_into

DATA = Path(__file__).parents[2] / "data" / "avd"
FILES = {"export": "hostpools.json", "application_groups": "appgroups.json",
         "role_assignments": "role-assignments.json"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "exports"
    shutil.copytree(DATA, copy)
    return copy


def _run(folder: Path, run_dir: Path, **section: Any) -> Collected:
    settings = settings_from({**FILES, **section}, resolve=lambda p: folder / p, environ={})
    return collect_into(run_dir, settings)


def test_the_cli_export_normalises_with_its_lifted_properties(folder: Path,
                                                              tmp_path: Path) -> None:
    run = _run(folder, tmp_path / "run")
    agents, billing = run.pools["hp-meridian-agents"], run.pools["hp-meridian-billing"]
    assert agents.account == MERIDIAN_SUBSCRIPTION and agents.region == "eastus"
    assert agents.attributes["ResourceGroup"] == "rg-avd-patient-support"
    assert agents.attributes["StartVMOnConnect"] is True
    assert agents.attributes["RedirectClipboard"]["Allowed"] is False
    assert billing.attributes["RedirectClipboard"]["Explicit"] is False
    assert billing.attributes["RedirectDrives"]["Setting"].startswith("drivestoredirect:s:*")
    ref = agents.sources["CustomRdpProperty"][0]
    assert ref.pointer == "/response/body/value/0/customRdpProperty"
    assert run.value_at(ref) == agents.attributes["CustomRdpProperty"]
    # the CLI's API version has no publicNetworkAccess: not collected, never a guess
    failure = agents.failures["PublicNetworkAccess"]
    assert failure.code == "NotCollected" and "publicNetworkAccess" in failure.message
    assert run.summary["export"] == "hostpools.json"
    assert run.summary["subscriptions"] == [MERIDIAN_SUBSCRIPTION]
    record = run.records(q.LIST_HOST_POOLS)[0]
    assert record["params"]["command"] == "az desktopvirtualization hostpool list"
    assert record["params"]["path"] == q.host_pools_path(MERIDIAN_SUBSCRIPTION)


def test_a_registration_token_in_the_export_is_blanked_before_recording(
        folder: Path, tmp_path: Path) -> None:
    run = _run(folder, tmp_path / "run")
    assert "sample-registration-token" not in run.files_text()
    [record] = run.records(q.LIST_HOST_POOLS)
    assert record["params"]["redacted"] == ["registrationInfo.token"]


def test_assignments_come_from_every_scope_above_the_application_group(
        folder: Path, tmp_path: Path) -> None:
    run = _run(folder, tmp_path / "run")
    agents = run.pools["hp-meridian-agents"].attributes["Assignments"]
    assert [(a["PrincipalId"], a["DisplayName"]) for a in agents] == [
        (MERIDIAN_AGENTS, "Meridian-Agents"),
        ("2f8a6c13-9d47-4e02-a5b8-3c7d1e9f6a24", "temp.contractor@meridian-bpo.example")]
    billing = run.groups["hp-meridian-billing-DAG"].attributes["Assignments"]
    # the Reader assignment on the subscription opens nothing; an empty principalName is None
    assert [(a["PrincipalType"], a["DisplayName"]) for a in billing] == [
        ("Group", None), ("User", "temp.contractor@meridian-bpo.example")]
    assert run.groups["hp-meridian-billing-DAG"].attributes["Workspace"] is None


def test_without_the_optional_files_what_they_feed_is_not_exported(folder: Path,
                                                                   tmp_path: Path) -> None:
    settings = settings_from({"export": "hostpools.json"}, resolve=lambda p: folder / p,
                             environ={})
    run = collect_into(tmp_path / "run", settings)
    pool = run.pools["hp-meridian-agents"]
    for key in ("ApplicationGroups", "Assignments"):
        failure = pool.failures[key]
        assert failure.code == "NotExported"
        assert "az desktopvirtualization applicationgroup list -o json" in failure.message
    assert run.coverage("azure.avd.application_group")[MERIDIAN_SUBSCRIPTION].failure
    assert pool.attributes["RedirectPrinters"]["Allowed"] is False


def test_a_missing_role_assignments_file_fails_only_assignments(folder: Path,
                                                                tmp_path: Path) -> None:
    settings = settings_from({"export": "hostpools.json", "application_groups":
                              "appgroups.json"}, resolve=lambda p: folder / p, environ={})
    pool = collect_into(tmp_path / "run", settings).pools["hp-meridian-billing"]
    assert pool.attributes["ApplicationGroups"] == ["hp-meridian-billing-DAG"]
    assert pool.failures["Assignments"].code == "NotExported"
    assert "az role assignment list --all" in pool.failures["Assignments"].message


def test_an_empty_export_needs_the_subscriptions_it_covers(folder: Path,
                                                           tmp_path: Path) -> None:
    (folder / "hostpools.json").write_text("[]")
    alone = settings_from({"export": "hostpools.json"}, resolve=lambda p: folder / p,
                          environ={})
    with pytest.raises(InputError) as raised:
        collect_into(tmp_path / "run", alone)
    assert "subscription_ids" in str(raised.value)
    run = _run(folder, tmp_path / "run2",
               subscription_ids=["7B2E4D61-0C9A-4F35-8E17-A3D5C6B9F012"])
    coverage = run.coverage()
    assert coverage["7b2e4d61-0c9a-4f35-8e17-a3d5c6b9f012"].failure is None
    assert not [p for p in run.pools.values() if p.account.startswith("7b2e")]


@pytest.mark.parametrize(("name", "content", "problem", "where"), [
    ("hostpools.json", '[{"id": "/subscriptions/x"', "invalid JSON", ":1"),
    ("hostpools.json", '{"hostPools": []}', "expected the JSON array the Azure CLI prints",
     ""),
    ("hostpools.json", '[{"name": "hp-1"}]', "item 0: 'id' is not an ARM id of "
     "Microsoft.DesktopVirtualization/hostPools", "(field '[0].id')"),
    ("appgroups.json", '[{"id": "/subscriptions/s/resourceGroups/g/providers/'
     'Microsoft.DesktopVirtualization/hostPools/hp"}]', "not an ARM id of "
     "Microsoft.DesktopVirtualization/applicationGroups", "(field '[0].id')"),
    ("role-assignments.json", '[{"principalId": "p"}]', "not a role assignment scope",
     "(field '[0].scope')"),
    ("role-assignments.json", "[1]", "item 0 is not an object", "(field '[0]')")])
def test_a_malformed_export_is_an_input_error_naming_file_and_item(
        folder: Path, tmp_path: Path, name: str, content: str, problem: str,
        where: str) -> None:
    (folder / name).write_text(content)
    with pytest.raises(InputError) as raised:
        _run(folder, tmp_path / "run")
    message = str(raised.value)
    assert message.startswith(str(folder / name)) and problem in message and where in message


def test_a_saved_rest_answer_is_read_like_the_cli_output(folder: Path,
                                                          tmp_path: Path) -> None:
    items = json.loads((folder / "hostpools.json").read_text())
    nested = [{"id": i["id"], "name": i["name"], "location": i["location"], "tags": i["tags"],
               "properties": {k: v for k, v in i.items()
                              if k not in ("id", "name", "location", "tags")}} for i in items]
    (folder / "hostpools.json").write_text(json.dumps({"value": nested}))
    run = _run(folder, tmp_path / "run")
    pool = run.pools["hp-meridian-agents"]
    assert pool.sources["CustomRdpProperty"][0].pointer == \
        "/response/body/value/0/properties/customRdpProperty"
    assert pool.attributes["RedirectClipboard"]["Allowed"] is False

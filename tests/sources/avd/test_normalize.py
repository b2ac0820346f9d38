"""What a host pool and an application group say after normalisation, each value with a Ref
back to where it was read; and what a failed or malformed answer leaves unknown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.demo.idp.arm import host_pool
from govkit.demo.idp.base import Fault
from govkit.sources.avd import queries as q
from govkit.sources.avd import rdp
from govkit.sources.avd.hostpool import ARM_FIELDS, RDP_KEYS
from tests.sources.avd import (
    AGENTS_POOL, CLINIC_SUBSCRIPTION, MERIDIAN_AGENTS, MERIDIAN_SUBSCRIPTION, Collected,
    collect_into, example_tenant, serving, settings_for)

EVERY_KEY = {*ARM_FIELDS, *RDP_KEYS, "ResourceGroup", "Subscription", "Location", "Tags",
             "ApplicationGroups", "Assignments"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    tenant = example_tenant()
    tenant.host_pools += [
        host_pool(CLINIC_SUBSCRIPTION, "rg-clinic", "hp-no-rdp", rdp=None),
        host_pool(CLINIC_SUBSCRIPTION, "rg-clinic", "hp-typo",
                  rdp="drivestoredirect:s:;redirectclipboard:0;redirectprinters:i:0")]
    with serving(tenant, page_size=2) as server:
        yield collect_into(tmp_path_factory.mktemp("avd"), settings_for(server))


def test_every_host_pool_sets_or_fails_every_attribute(run: Collected) -> None:
    for pool in run.pools.values():
        assert pool.type == "azure.avd.host_pool"
        assert pool.account in (MERIDIAN_SUBSCRIPTION, CLINIC_SUBSCRIPTION)
        for key in EVERY_KEY:
            assert (key in pool.attributes) != (key in pool.failures), (pool.name, key)
    agents = run.pools["hp-meridian-agents"]
    assert agents.id == AGENTS_POOL and agents.region == "eastus"
    assert agents.tags == {"data-classification": "phi", "owner": "patient-support"}
    assert agents.attributes["ResourceGroup"] == "rg-avd-patient-support"
    assert agents.attributes["MaxSessionLimit"] == 12
    assert agents.attributes["PublicNetworkAccess"] == "Enabled"


def test_every_attribute_points_at_where_it_was_read(run: Collected) -> None:
    agents = run.pools["hp-meridian-agents"]
    for key, prop in (*ARM_FIELDS.items(), ("CustomRdpProperty", "customRdpProperty")):
        [ref] = agents.sources[key]
        assert ref.pointer.endswith(f"/properties/{prop}")
        assert run.value_at(ref) == agents.attributes[key], key
    for key in agents.attributes:
        if key not in ("Id", "Name", "Account", "Region"):
            assert agents.sources.get(key), key


def test_rdp_properties_are_parsed_and_read(run: Collected) -> None:
    agents = run.pools["hp-meridian-agents"]
    assert agents.attributes["RdpProperties"][0] == {
        "Name": "redirectclipboard", "Type": "i", "Value": "0", "Text": "redirectclipboard:i:0"}
    assert agents.attributes["RdpMalformed"] == []
    for redirection in rdp.REDIRECTIONS:
        reading = agents.attributes[redirection.attribute]
        assert reading["Property"] == redirection.name
    assert agents.attributes["RedirectClipboard"]["Allowed"] is False
    assert agents.attributes["RedirectLocation"] == {
        "Property": "redirectlocation", "Allowed": False, "Explicit": False,
        "Setting": "redirectlocation not set: the Remote Desktop client does not redirect the "
                   "location by default"}


def test_no_custom_rdp_properties_means_every_client_default(run: Collected) -> None:
    pool = run.pools["hp-no-rdp"]
    assert pool.attributes["CustomRdpProperty"] is None
    assert pool.attributes["RdpProperties"] == []
    assert all(pool.attributes[r.attribute]["Explicit"] is False for r in rdp.REDIRECTIONS)
    assert pool.attributes["RedirectClipboard"]["Allowed"] is True
    assert pool.attributes["RedirectCameras"]["Allowed"] is False


def test_a_malformed_entry_fails_what_it_concerns_naming_it(run: Collected) -> None:
    pool = run.pools["hp-typo"]
    assert pool.attributes["RdpMalformed"] == [
        {"Text": "redirectclipboard:0", "Problem": "not a name:type:value entry"}]
    failure = pool.failures["RedirectClipboard"]
    assert failure.code == "MalformedRdpProperty"
    assert "'redirectclipboard:0'" in failure.explain() and "hp-typo" in failure.explain()
    assert failure.ref is not None
    assert run.value_at(failure.ref) == pool.attributes["CustomRdpProperty"]
    assert pool.attributes["RedirectPrinters"]["Allowed"] is False
    assert pool.attributes["RedirectDrives"]["Setting"] == "drivestoredirect:s: (no drives)"


def test_application_groups_and_who_is_assigned(run: Collected) -> None:
    agents = run.pools["hp-meridian-agents"]
    assert agents.attributes["ApplicationGroups"] == ["hp-meridian-agents-DAG"]
    assert agents.attributes["Assignments"] == [
        {"PrincipalId": MERIDIAN_AGENTS, "PrincipalType": "Group", "DisplayName": None,
         "ApplicationGroup": "hp-meridian-agents-DAG"}]
    group = run.groups["hp-meridian-agents-DAG"]
    assert group.type == "azure.avd.application_group"
    assert group.attributes["HostPool"] == AGENTS_POOL
    assert group.attributes["ApplicationGroupType"] == "Desktop"
    # the assignment on the application group itself; the Reader one on the subscription
    # opens nothing
    assert [a["Scope"] for a in group.attributes["Assignments"]] == [group.id]
    # assigned at the resource group: it covers the application group below it
    clinic = run.pools["hp-clinic-1"].attributes["Assignments"]
    assert [a["PrincipalId"] for a in clinic] == ["c11c0000-0000-4000-8000-000000000001"]
    unpublished = run.pools["hp-clinic-2"]
    assert unpublished.attributes["ApplicationGroups"] == []
    assert unpublished.attributes["Assignments"] == []


def test_coverage_is_per_subscription_and_type(run: Collected) -> None:
    for resource_type in ("azure.avd.host_pool", "azure.avd.application_group"):
        coverage = run.coverage(resource_type)
        assert set(coverage) == {MERIDIAN_SUBSCRIPTION, CLINIC_SUBSCRIPTION}
        assert all(c.failure is None and c.region == "global" for c in coverage.values())


def test_a_failed_application_group_listing_fails_what_it_feeds(tmp_path: Path) -> None:
    with serving() as server:
        for _ in range(3):
            server.fail_next(q.application_groups_path(MERIDIAN_SUBSCRIPTION), Fault(503))
        run = collect_into(tmp_path, settings_for(server))
    pool = run.pools["hp-meridian-agents"]
    assert pool.failures["ApplicationGroups"].code == "HTTP503"
    assert pool.failures["Assignments"].code == "HTTP503"
    assert pool.attributes["RedirectClipboard"]["Allowed"] is False
    assert run.coverage("azure.avd.application_group")[MERIDIAN_SUBSCRIPTION].failure
    assert run.coverage()[MERIDIAN_SUBSCRIPTION].failure is None
    assert not any(r["account"] == MERIDIAN_SUBSCRIPTION
                   for r in run.records(q.LIST_ROLE_ASSIGNMENTS))


def test_a_malformed_page_is_a_failure_never_an_empty_list(tmp_path: Path) -> None:
    with serving() as server:
        server.fail_next(q.host_pools_path(MERIDIAN_SUBSCRIPTION), Fault.malformed())
        run = collect_into(tmp_path, settings_for(server))
    failure = run.coverage()[MERIDIAN_SUBSCRIPTION].failure
    assert failure is not None and failure.code == "MalformedResponse"
    assert not [p for p in run.pools.values() if p.account == MERIDIAN_SUBSCRIPTION]


def test_an_item_without_a_host_pool_id_fails_the_listing_at_its_own_page(
        tmp_path: Path) -> None:
    tenant = example_tenant()
    [third] = [p for p in tenant.host_pools if p["name"] == "hp-clinic-3"]
    third["id"] = f"/subscriptions/{CLINIC_SUBSCRIPTION}/resourceGroups/rg-clinic/providers/" \
                  "Microsoft.Compute/virtualMachines/hp-clinic-3"
    with serving(tenant, page_size=2) as server:
        run = collect_into(tmp_path, settings_for(server))
    failure = run.coverage()[CLINIC_SUBSCRIPTION].failure
    assert failure is not None and failure.code == "UnexpectedAnswer"
    assert failure.message == "item 0 has no ARM id of a host pool"
    pages = [e for e in run.snapshot.entries
             if e.operation == q.LIST_HOST_POOLS and e.account == CLINIC_SUBSCRIPTION]
    assert len(pages) == 2
    assert (failure.file, failure.pointer) == (pages[1].file, "/response/body/value/0")
    assert failure.call == pages[1].describe()
    assert not [p for p in run.pools.values() if p.account == CLINIC_SUBSCRIPTION]
    assert run.coverage()[MERIDIAN_SUBSCRIPTION].failure is None

"""Live collection against the loopback ARM: nextLink paging, a subscription the app may not
read, throttling, a refused token, a nextLink to another host, and no credential in the
snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from govkit.demo.idp.arm import ArmServer
from govkit.demo.idp.base import Fault
from govkit.sources.avd import queries as q
from tests.sources.avd import (
    CLINIC_SUBSCRIPTION, MERIDIAN_SUBSCRIPTION, SECRET, TENANT_ID, collect_into, example_tenant,
    serving, settings_for)


@pytest.fixture
def arm() -> Iterator[ArmServer]:
    with serving(page_size=2) as server:
        yield server


def test_every_listing_is_followed_by_next_link_and_recorded_page_by_page(
        arm: ArmServer, tmp_path: Path) -> None:
    run = collect_into(tmp_path, settings_for(arm))
    pools = [r for r in run.records(q.LIST_HOST_POOLS) if r["account"] == CLINIC_SUBSCRIPTION]
    first, second = sorted(pools, key=lambda r: not r["params"]["path"].startswith("/"))
    assert first["params"]["path"] == q.host_pools_path(CLINIC_SUBSCRIPTION)
    assert first["params"]["query"] == {"api-version": "2024-04-03"}
    link = first["response"]["body"]["nextLink"]
    assert link.startswith(arm.url) and "$skipToken=" in link
    assert second["params"]["path"] == link and "nextLink" not in second["response"]["body"]
    assert sorted(run.pools) == ["hp-clinic-1", "hp-clinic-2", "hp-clinic-3",
                                 "hp-meridian-agents", "hp-meridian-billing"]
    assert run.summary == {"type": "avd", "tenant": TENANT_ID,
                           "subscriptions": [MERIDIAN_SUBSCRIPTION, CLINIC_SUBSCRIPTION],
                           "api_calls": len(run.snapshot.entries)}
    # one role assignment listing per application group, at its own scope
    scopes = {r["params"]["path"] for r in run.records(q.LIST_ROLE_ASSIGNMENTS)
              if r["params"]["path"].startswith("/")}
    assert scopes == {q.role_assignments_path(g["id"]) for g in example_tenant()
                      .application_groups}
    assert all(r["params"]["query"] == {"api-version": "2022-04-01", "$filter": "atScope()"}
               for r in run.records(q.LIST_ROLE_ASSIGNMENTS)
               if r["params"]["path"].startswith("/"))


def test_the_token_is_asked_for_the_arm_host(arm: ArmServer, tmp_path: Path) -> None:
    collect_into(tmp_path, settings_for(arm))
    [token] = arm.requests_to(f"/{TENANT_ID}/oauth2/v2.0/token")
    assert token.form()["scope"] == f"{arm.url}/.default"
    assert token.form()["grant_type"] == "client_credentials"


def test_a_subscription_the_app_may_not_read_fails_alone(tmp_path: Path) -> None:
    tenant = example_tenant()
    tenant.denied = frozenset({MERIDIAN_SUBSCRIPTION})
    with serving(tenant, page_size=2) as server:
        run = collect_into(tmp_path, settings_for(server))
    coverage = run.coverage()
    failure = coverage[MERIDIAN_SUBSCRIPTION].failure
    assert failure is not None and failure.code == "HTTP403"
    assert "AuthorizationFailed" in failure.message
    assert failure.operation == "avd:ListHostPools" and MERIDIAN_SUBSCRIPTION in failure.call
    assert coverage[CLINIC_SUBSCRIPTION].failure is None
    groups = run.coverage("azure.avd.application_group")
    assert groups[MERIDIAN_SUBSCRIPTION].failure is not None
    assert sorted(run.pools) == ["hp-clinic-1", "hp-clinic-2", "hp-clinic-3"]


def test_a_429_is_waited_out_as_arm_asks_and_then_succeeds(arm: ArmServer,
                                                           tmp_path: Path) -> None:
    arm.throttle_next(q.host_pools_path(MERIDIAN_SUBSCRIPTION), count=2, retry_after="7")
    run = collect_into(tmp_path, settings_for(arm))
    assert run.waits == [7.0, 7.0]
    [record] = [r for r in run.records(q.LIST_HOST_POOLS)
                if r["account"] == MERIDIAN_SUBSCRIPTION]
    assert record["retry_attempts"] == 2 and record["outcome"] == "ok"
    assert run.coverage()[MERIDIAN_SUBSCRIPTION].failure is None


def test_throttled_beyond_every_attempt_is_a_failure_never_no_host_pools(
        arm: ArmServer, tmp_path: Path) -> None:
    arm.throttle_next(q.host_pools_path(CLINIC_SUBSCRIPTION), count=3)
    run = collect_into(tmp_path, settings_for(arm))
    failure = run.coverage()[CLINIC_SUBSCRIPTION].failure
    assert failure is not None and failure.code == "HTTP429"
    assert not any(p.startswith("hp-clinic") for p in run.pools)


def test_a_failed_assignment_listing_fails_the_assignments_it_covers(
        arm: ArmServer, tmp_path: Path) -> None:
    group = next(g for g in example_tenant().application_groups
                 if g["name"] == "hp-meridian-billing-DAG")
    for _ in range(3):
        arm.fail_next(q.role_assignments_path(group["id"]), Fault(500))
    run = collect_into(tmp_path, settings_for(arm))
    billing, agents = run.pools["hp-meridian-billing"], run.pools["hp-meridian-agents"]
    assert billing.failures["Assignments"].code == "HTTP500"
    assert billing.attributes["ApplicationGroups"] == ["hp-meridian-billing-DAG"]
    assert "Assignments" in agents.attributes
    assert run.groups["hp-meridian-billing-DAG"].failures["Assignments"].code == "HTTP500"


def test_a_refused_secret_is_one_recorded_failure_for_every_subscription(
        tmp_path: Path) -> None:
    with serving(client_secret="the-right-one") as server:
        run = collect_into(tmp_path, settings_for(server))
        assert [r.method for r in server.seen] == ["POST"]
        scope = f"{server.url}/.default"
    [record] = run.records("AcquireToken")
    assert record["service"] == "avd" and record["error_code"] == "HTTP401"
    assert "AADSTS7000215" in record["error_message"]
    assert record["params"]["scope"] == scope
    for resource_type in ("azure.avd.host_pool", "azure.avd.application_group"):
        coverage = run.coverage(resource_type)
        assert set(coverage) == {MERIDIAN_SUBSCRIPTION, CLINIC_SUBSCRIPTION}
        assert all(c.failure is not None and c.failure.operation == "avd:AcquireToken"
                   for c in coverage.values())
    assert not run.pools and SECRET not in run.files_text()


def test_a_graph_token_is_refused_by_arm(arm: ArmServer) -> None:
    token = httpx.post(f"{arm.url}/{TENANT_ID}/oauth2/v2.0/token", data={
        "client_id": settings_for(arm).client_id, "client_secret": SECRET,
        "grant_type": "client_credentials",
        "scope": "https://graph.microsoft.com/.default"}).json()["access_token"]
    answer = httpx.get(f"{arm.url}{q.host_pools_path(MERIDIAN_SUBSCRIPTION)}",
                       params=q.desktop_query(), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"


def test_a_next_link_to_another_host_is_not_followed(arm: ArmServer, tmp_path: Path) -> None:
    elsewhere = {"value": [], "nextLink": "https://elsewhere.example/subscriptions/x?page=2"}
    arm.fail_next(q.host_pools_path(CLINIC_SUBSCRIPTION), Fault(
        200, {"Content-Type": "application/json"}, json.dumps(elsewhere).encode()))
    run = collect_into(tmp_path, settings_for(arm))
    assert not [r for r in arm.seen if "elsewhere" in r.path]
    failure = run.coverage()[CLINIC_SUBSCRIPTION].failure
    # the refused page is recorded as the listing's failed last page, naming the host
    assert failure is not None and failure.code == "NextLinkRefused"
    assert "the next page is on another host (https://elsewhere.example)" in failure.message
    assert failure.pointer == "/error_message"
    assert run.coverage()[MERIDIAN_SUBSCRIPTION].failure is None


def test_a_next_link_back_to_a_page_already_read_ends_the_listing(arm: ArmServer,
                                                                  tmp_path: Path) -> None:
    path = q.host_pools_path(CLINIC_SUBSCRIPTION)
    query = "&".join(f"{k}={v}" for k, v in q.desktop_query().items())
    loop = {"value": [], "nextLink": f"{arm.url}{path}?{query}"}
    arm.fail_next(path, Fault(200, {"Content-Type": "application/json"},
                              json.dumps(loop).encode()))
    run = collect_into(tmp_path, settings_for(arm))
    failure = run.coverage()[CLINIC_SUBSCRIPTION].failure
    assert failure is not None and failure.code == "NextLinkRefused"
    assert "names a page already read" in failure.message


def test_no_secret_and_no_bearer_token_reaches_the_snapshot(arm: ArmServer,
                                                           tmp_path: Path) -> None:
    run = collect_into(tmp_path, settings_for(arm))
    text = run.files_text()
    assert arm.tokens and all(token not in text for token in arm.tokens)
    assert SECRET not in text and "Bearer" not in text


def test_the_snapshot_normalises_to_identical_resources_twice(arm: ArmServer,
                                                             tmp_path: Path) -> None:
    run = collect_into(tmp_path, settings_for(arm))
    assert run.normalized() == run.normalized()

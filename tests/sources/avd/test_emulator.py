"""The loopback ARM answers as ARM does where the collector depends on it, and the demo's
entry point serves a tenant the source reads end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest

from govkit.demo.idp.arm import (
    DEMO_SECRET_ENV, MERIDIAN_SUBSCRIPTION, ArmServer, serving_demo_tenant)
from govkit.sources import avd
from govkit.sources.avd import queries as q
from govkit.vdi import avd as avd_windows
from tests.sources.avd import (
    CLIENT_ID, CLINIC_SUBSCRIPTION, SECRET, TENANT_ID, collect_into, example_tenant, serving)


@pytest.fixture(scope="module")
def arm() -> Iterator[ArmServer]:
    with serving(page_size=2) as server:
        yield server


def _get(server: ArmServer, path: str, **params: str) -> httpx.Response:
    token = httpx.post(f"{server.url}/{TENANT_ID}/oauth2/v2.0/token", data={
        "client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials",
        "scope": "https://management.azure.com/.default"}).json()["access_token"]
    return httpx.get(f"{server.url}{path}", params=params,
                     headers={"Authorization": f"Bearer {token}"})


def test_the_api_version_is_required(arm: ArmServer) -> None:
    answer = _get(arm, q.host_pools_path(MERIDIAN_SUBSCRIPTION))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "MissingApiVersionParameter"
    unknown = _get(arm, q.host_pools_path(MERIDIAN_SUBSCRIPTION), **{"api-version": "1999"})
    assert unknown.json()["error"]["code"] == "NoRegisteredProviderFound"


def test_host_pools_page_by_absolute_next_link_and_carry_no_registration_token(
        arm: ArmServer) -> None:
    first = _get(arm, q.host_pools_path(CLINIC_SUBSCRIPTION), **q.desktop_query()).json()
    assert len(first["value"]) == 2 and first["nextLink"].startswith(arm.url)
    pool = first["value"][0]
    assert pool["properties"]["registrationInfo"]["token"] is None
    assert set(pool) >= {"id", "name", "type", "location", "tags", "properties"}


def test_at_scope_lists_assignments_at_and_above_the_application_group(arm: ArmServer) -> None:
    group = next(g for g in example_tenant().application_groups
                 if g["name"] == "hp-meridian-billing-DAG")
    path = q.role_assignments_path(group["id"])
    first = _get(arm, path, **q.assignments_query()).json()
    second = _get(arm, first["nextLink"].removeprefix(arm.url).split("?")[0],
                  **dict(httpx.URL(first["nextLink"]).params)).json()
    scopes = [a["properties"]["scope"] for a in first["value"] + second["value"]]
    assert scopes == [group["id"], group["id"], f"/subscriptions/{MERIDIAN_SUBSCRIPTION}"]
    assert "nextLink" not in second


def test_a_token_arm_did_not_issue_is_refused(arm: ArmServer) -> None:
    answer = httpx.get(f"{arm.url}{q.host_pools_path(MERIDIAN_SUBSCRIPTION)}",
                       params=q.desktop_query(), headers={"Authorization": "Bearer forged"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_an_unknown_subscription_is_not_found(arm: ArmServer) -> None:
    answer = _get(arm, q.host_pools_path("00000000-0000-0000-0000-000000000000"),
                  **q.desktop_query())
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "SubscriptionNotFound"


def test_the_demo_tenant_is_read_end_to_end(tmp_path: Path) -> None:
    with serving_demo_tenant() as demo:
        section = demo.section()
        schema = json.loads(avd.SCHEMA_FILE.read_text())
        jsonschema.Draft202012Validator(schema).validate(section)
        assert section["client_secret_env"] == DEMO_SECRET_ENV
        settings = avd.settings_from(section, resolve=Path, environ=demo.environ())
        run = collect_into(tmp_path, settings)
    windows = {w.name: w for w in avd_windows.windows({"azure.avd.host_pool":
                                                       list(run.pools.values())})}
    compliant, violating = windows["hp-meridian-agents"], windows["hp-meridian-billing"]
    for key in ("ClipboardOut", "ClipboardIn", "Download", "Upload", "Printing",
                "DriveRedirection", "UsbRedirection"):
        assert compliant.attributes[key]["Allowed"] is False, key
    assert violating.attributes["ClipboardOut"]["Allowed"] is True
    assert violating.attributes["ClipboardOut"]["Explicit"] is False
    assert violating.attributes["DriveRedirection"]["Setting"].startswith(
        "drivestoredirect:s:*")
    assert compliant.attributes["Entitlements"] == [
        {"Kind": "group", "System": "entra", "Name": "6a2f9d14-0b7c-4e35-8d61-c4e9a0f2b358"}]
    assert [e["Kind"] for e in violating.attributes["Entitlements"]] == ["group", "user"]

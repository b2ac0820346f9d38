"""Live collection against the loopback Graph: paging, throttling, refused tokens, failed and
malformed pages, an unlicensed tenant, certificates, and no credential in the snapshot."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from govkit.demo.idp.base import Fault
from govkit.demo.idp.graph import DEFAULT_PERMISSIONS, GraphServer
from govkit.sources.entra.settings import settings_from
from tests.sources.entra import (
    CLIENT_ID, SECRET, TENANT_ID, collect_into, example_tenant, serving, settings_for)


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    with serving(client_secret=SECRET) as server:
        yield server


def test_every_listing_is_paged_through_and_recorded_page_by_page(graph: GraphServer,
                                                                  tmp_path: Path) -> None:
    run = collect_into(tmp_path, settings_for(graph, page_size=2))
    users = [json.loads((tmp_path / e.file).read_text()) for e in run.snapshot.entries
             if e.operation == "ListUsers"]
    assert sorted(u["params"]["page"] for u in users) == [1, 2]
    first = next(u for u in users if u["params"]["page"] == 1)
    assert first["params"]["query"]["$top"] == "2"
    assert "accountEnabled" in first["params"]["query"]["$select"]
    assert first["response"]["body"]["@odata.nextLink"].startswith(graph.url)
    assert len(run.users) == 4 and run.summary == {
        "type": "entra", "tenant": TENANT_ID, "api_calls": len(run.snapshot.entries)}
    assert {r.params.get("page") for r in run.snapshot.entries
            if r.operation == "ListDirectoryAudits"} == {1}
    audits = [r for r in run.snapshot.entries if r.operation == "ListDirectoryAudits"]
    assert len(audits) == 3  # one bounded query per disabling activity
    assert all(" le 2026-10-01T12:00:00Z" in e.params["query"]["$filter"] for e in audits)


def test_a_429_is_waited_out_as_graph_asks_and_then_succeeds(graph: GraphServer,
                                                             tmp_path: Path) -> None:
    graph.throttle_next("/v1.0/groups", count=2, retry_after="7")
    run = collect_into(tmp_path, settings_for(graph))
    assert run.waits == [7.0, 7.0]
    assert run.record("ListGroups")["retry_attempts"] == 2
    assert run.users["alice@mercy.example"].attributes["Groups"] == ["All Staff", "PHI Readers"]


def test_a_refused_client_secret_is_a_recorded_failure_and_no_call_is_made(
        tmp_path: Path) -> None:
    with serving(client_secret="the-right-one") as server:
        run = collect_into(tmp_path, settings_for(server))
        assert [r.method for r in server.seen] == ["POST"]
    assert run.operations() == ["AcquireToken"] and run.summary["api_calls"] == 1
    record = run.record("AcquireToken")
    assert record["error_code"] == "HTTP401"
    assert record["error_message"].startswith("invalid_client: AADSTS7000215: Invalid client "
                                              "secret provided.")
    assert record["params"]["credential"] == "client_secret"
    [coverage] = run.coverage
    assert coverage.failure is not None and coverage.failure.operation == "entra:AcquireToken"
    assert "AcquireToken" in coverage.failure.explain() and not run.users
    assert SECRET not in run.files_text()


def test_failed_group_members_fail_groups_and_group_assigned_apps_on_every_user(
        graph: GraphServer, tmp_path: Path) -> None:
    for _ in range(3):  # every attempt
        graph.error_next("/v1.0/groups/g-phi/members", 500, "UnknownError", "backend down")
    run = collect_into(tmp_path, settings_for(graph))
    assert run.coverage[0].failure is None
    for user in run.users.values():
        assert user.failures["Groups"].code == "HTTP500"
        assert "Groups" not in user.attributes
        # Epic is assigned to a group, so nobody's applications are known
        assert user.failures["Applications"].code == "HTTP500"
    assert "backend down" in run.users["bob@mercy.example"].failures["Groups"].message


@pytest.mark.parametrize("path", ["/v1.0/users",
                                  "/v1.0/reports/authenticationMethods/userRegistrationDetails"])
def test_a_malformed_page_is_a_failure_never_an_empty_list(graph: GraphServer, tmp_path: Path,
                                                           path: str) -> None:
    graph.fail_next(path, Fault.malformed())
    run = collect_into(tmp_path, settings_for(graph))
    if path == "/v1.0/users":
        [coverage] = run.coverage
        assert coverage.failure is not None and coverage.failure.code == "MalformedResponse"
        assert not run.users
    else:
        for user in run.users.values():
            assert user.failures["MfaFactors"].code == "MalformedResponse"
            assert user.failures["Admin"].code == "MalformedResponse"


@pytest.mark.parametrize(("licensed", "permissions", "code"), [
    (False, DEFAULT_PERMISSIONS, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"),
    (True, DEFAULT_PERMISSIONS - {"AuditLog.Read.All"},
     "Authentication_MSGraphPermissionMissing")])
def test_refused_sign_in_activity_keeps_the_users_and_fails_last_sign_in_on_all(
        tmp_path: Path, licensed: bool, permissions: frozenset[str], code: str) -> None:
    tenant = example_tenant()
    tenant.licensed_for_sign_in_activity, tenant.granted_permissions = licensed, permissions
    with serving(tenant, client_secret=SECRET) as server:
        run = collect_into(tmp_path, settings_for(server))
    users = run.users
    assert len(users) == 4 and run.coverage[0].failure is None
    failures = {u.failures["LastSignInAt"] for u in users.values()}
    assert len(failures) == 1  # one refused call, which every user points at
    [failure] = failures
    assert failure.code == "HTTP403" and code in failure.message
    assert "AuditLog.Read.All" in failure.message and "P1 or P2" in failure.message
    refused = run.value_at(failure.ref) if failure.ref else None
    assert code in str(refused)
    for user in users.values():
        assert "LastSignInAttemptAt" in user.failures
        assert user.attributes["Active"] in (True, False) and "Groups" in user.attributes


def test_without_the_lifecycle_permission_the_leave_date_fails_on_every_user(
        tmp_path: Path) -> None:
    tenant = example_tenant()
    tenant.granted_permissions = DEFAULT_PERMISSIONS - {"User-LifeCycleInfo.Read.All"}
    with serving(tenant, client_secret=SECRET) as server:
        run = collect_into(tmp_path, settings_for(server))
    bob = run.users["bob@mercy.example"]
    failure = bob.failures["EmployeeLeaveDateTime"]
    assert failure.operation == "entra:ListOwnAppRoleAssignments"
    assert "User-LifeCycleInfo.Read.All" in failure.message
    assert bob.attributes["LastSignInAttemptAt"] == "2026-09-26T16:00:00Z"


def test_no_secret_and_no_bearer_token_reaches_the_snapshot(graph: GraphServer,
                                                           tmp_path: Path) -> None:
    run = collect_into(tmp_path, settings_for(graph))
    text = run.files_text()
    assert graph.tokens and all(token not in text for token in graph.tokens)
    assert SECRET not in text and "Bearer" not in text
    assert len(run.users) == 4


def _certificate(tmp_path: Path) -> tuple[Path, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govkit-audit")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = tmp_path / "entra.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
                    + certificate.public_bytes(serialization.Encoding.PEM))
    return pem, certificate


def test_a_certificate_signs_the_client_assertion(tmp_path: Path) -> None:
    pem, certificate = _certificate(tmp_path)
    with serving(certificate=certificate) as server:
        settings = settings_from(
            {"tenant_id": TENANT_ID, "client_id": CLIENT_ID, "certificate_file": "entra.pem",
             "authority_url": server.url, "graph_url": server.url},
            resolve=lambda p: tmp_path / p, environ={})
        run = collect_into(tmp_path / "run", settings)
        form = server.requests_to(f"/{TENANT_ID}/oauth2/v2.0/token")[0].form()
    assert form["client_assertion_type"].endswith(":jwt-bearer")
    assert "client_secret" not in form and len(run.users) == 4
    assert form["client_assertion"] not in run.files_text()
    assert "BEGIN" not in run.files_text()


def test_a_certificate_the_app_does_not_know_is_refused(tmp_path: Path) -> None:
    pem, _ = _certificate(tmp_path)
    (tmp_path / "other").mkdir()
    _, other = _certificate(tmp_path / "other")  # registered on the app instead
    with serving(certificate=other) as server:
        settings = settings_from(
            {"tenant_id": TENANT_ID, "client_id": CLIENT_ID, "certificate_file": str(pem),
             "authority_url": server.url, "graph_url": server.url},
            resolve=Path, environ={})
        run = collect_into(tmp_path / "run", settings)
    record = run.record("AcquireToken")
    assert record["error_code"] == "HTTP401" and "AADSTS700027" in record["error_message"]
    assert record["params"]["credential"] == "certificate"


def test_the_snapshot_normalises_to_identical_resources_twice(graph: GraphServer,
                                                             tmp_path: Path) -> None:
    run = collect_into(tmp_path, settings_for(graph, page_size=3))
    assert run.normalized() == run.normalized()

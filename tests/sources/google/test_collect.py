"""Live collection against the loopback Google Workspace: the token grant, paging, retries and
failures cross the wire; what is recorded normalises into google.user resources that carry
the whole account vocabulary, each value traced to where it was read, and fail closed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx

from govkit.demo.idp.google import GoogleDomain, GoogleServer, ServiceAccount, google_fault
from govkit.demo.idp.base import Fault
from govkit.inventory.accounts import ACCOUNT_FIELDS
from govkit.inventory.model import Ref, Resource
from govkit.snapshot import SnapshotWriter
from govkit.sources.google import api
from govkit.sources.google.auth import TokenSource
from tests.sources.google.conftest import ADMIN, TENANT, live_settings, normalise, run

GOOGLE_FIELDS = ("OrgUnitPath", "Suspended", "Archived", "SuspensionReason", "IsEnrolledIn2Sv",
                 "IsEnforcedIn2Sv")


def _resolve(run_dir: Path, ref: Ref) -> Any:
    node = json.loads((run_dir / ref.file).read_text())
    for token in ref.pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def test_users_are_paged_and_carry_every_account_attribute_with_its_source(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    got = run(live_settings(server, key_file, page_size=2), tmp_path / "run")
    assert got.source == {"type": "google", "tenant": TENANT, "api_calls": len(got.operations())}
    assert got.operations().count("ListUsers") == 4  # 7 users, 2 a page
    pages = server.requests_to(api.USERS_PATH)
    assert [r.arg("pageToken") is None for r in pages] == [True, False, False, False]
    assert all(r.arg("maxResults") == "2" and r.arg("customer") == "my_customer"
               and r.arg("projection") == "full" for r in pages)
    assert len(server.requests_to(api.members_path("g-acme"))) == 2  # 3 members, 2 a page
    assert [c.failure for c in got.coverage] == [None]
    first = next(e for e in got.snapshot.entries
                 if e.operation == "ListUsers" and e.params["page"] == 1)
    assert got.coverage[0].source == first.file
    assert sorted(r.name for r in got.resources) == sorted(u["primaryEmail"]
                                                           for u in server.domain.users)
    for resource in got.resources:
        assert resource.id == f"google:{TENANT}:user/{_user_id(server, resource)}"
        assert (resource.type, resource.account, resource.region) == \
            ("google.user", TENANT, "global")
        named = {*resource.attributes, *resource.failures}
        assert set(ACCOUNT_FIELDS) | set(GOOGLE_FIELDS) <= named
        assert set(resource.failures) == {"Applications", "Tags"}
        for key in [*ACCOUNT_FIELDS, *GOOGLE_FIELDS]:
            if key in resource.attributes:
                assert resource.sources[key], key
                for ref in resource.sources[key]:
                    _resolve(got.run_dir, ref)  # every pointer leads somewhere


def _user_id(server: GoogleServer, resource: Resource) -> str:
    return next(str(u["id"]) for u in server.domain.users
                if u["primaryEmail"] == resource.name)


def test_account_facts_from_directory_groups_and_audit_log(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    got = run(live_settings(server, key_file), tmp_path / "run")
    admin, ana = got.user(ADMIN), got.user("nurse.ana@example.org")
    bo, cy, di = (got.user(f"agent.{n}@example.org") for n in ("bo", "cy", "di"))
    old = got.user("old.timer@example.org")
    assert admin.attributes["Admin"] is True and ana.attributes["Admin"] is False
    assert admin.attributes["MfaFactors"] == [{"Type": "2sv", "PhishingResistant": False}]
    assert di.attributes["MfaFactors"] == []
    assert ana.attributes["Emails"] == ["nurse.ana@example.org", "ana@example.org"]
    assert ana.attributes["EmployeeId"] == "E-0002"
    assert ana.attributes["ExternalIds"] == ["scim-7f3a"]
    assert ana.attributes["LastSignInAt"] == "2026-09-29T12:30:00Z"
    assert di.attributes["LastSignInAt"] is None  # Google's 1970 "never signed in"
    assert ana.attributes["CreatedAt"] == "2025-01-02T10:00:00Z"
    assert [(r.attributes["Active"], r.attributes["Status"]) for r in (ana, bo, cy)] == \
        [(True, "active"), (False, "suspended"), (False, "archived")]
    assert bo.attributes["SuspensionReason"] == "ADMIN"
    assert bo.attributes["DisableEvents"] == [
        {"At": "2026-03-02T09:15:00Z", "Event": "SUSPEND_USER", "Actor": ADMIN}]
    assert bo.attributes["DisabledAt"] == "2026-03-02T09:15:00Z"
    assert [e["Event"] for e in cy.attributes["DisableEvents"]] == ["SUSPEND_USER",
                                                                   "ARCHIVE_USER"]
    assert cy.attributes["DisabledAt"] == "2026-02-20T10:00:00Z"  # the first of them
    # suspended before the window: no event found, so no date (never a guess)
    assert old.attributes["DisableEvents"] == [] and old.attributes["DisabledAt"] is None
    assert {r.attributes["DisableEventsSince"] for r in got.resources} == {
        "2026-01-01T00:00:00Z"}
    assert ana.attributes["DisableEvents"] == []  # CHANGE_PASSWORD does not disable
    assert bo.attributes["Groups"] == ["Acme BPO agents", "Everyone", "PHI Support"]  # nested
    assert ana.attributes["Groups"] == ["Everyone", "PHI Support"]
    assert admin.attributes["Groups"] == ["Everyone"]
    assert ana.failures["Applications"].code == "NotCollected"
    assert "does not list application assignments" in ana.failures["Applications"].explain()
    event_ref = bo.sources["DisableEvents"][0]
    assert _resolve(got.run_dir, event_ref)["name"] == "SUSPEND_USER"
    assert _resolve(got.run_dir, bo.sources["EmployeeId"][0]) == "BPO-10442"
    assert _resolve(got.run_dir, di.sources["LastSignInAt"][0]) == "1970-01-01T00:00:00.000Z"
    assert old.attributes["LastSignInAt"] == "2025-05-05T05:05:05Z"


def test_audit_log_queries_are_bounded_by_the_window_one_per_event(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    run(live_settings(server, key_file), tmp_path / "run")
    queries = server.requests_to(api.ACTIVITIES_PATH)
    assert [q.arg("eventName") for q in queries] == list(api.DISABLE_EVENTS)
    assert {(q.arg("startTime"), q.arg("endTime")) for q in queries} == {
        ("2026-01-01T00:00:00Z", "2026-10-01T00:00:00Z")}


def test_no_secret_reaches_the_snapshot(server: GoogleServer, key_file: Path,
                                        account: ServiceAccount, tmp_path: Path) -> None:
    got = run(live_settings(server, key_file), tmp_path / "run")
    assertions = [r.form()["assertion"] for r in server.requests_to("/token")]
    tokens = {r.headers["authorization"].removeprefix("Bearer ") for r in server.seen
              if "authorization" in r.headers}
    key_lines = [line for line in account.key_document["private_key"].splitlines()
                 if "PRIVATE KEY" not in line]
    assert len(assertions) == 2 and len(tokens) == 2  # Directory, then Reports
    written = "\n".join(p.read_text() for p in got.run_dir.rglob("*") if p.is_file())
    for secret in [*assertions, *tokens, *key_lines]:
        assert secret not in written
    grants = [e for e in got.snapshot.entries if e.operation == "AcquireToken"]
    assert [(e.ok, e.params["scope_set"], e.params["subject"]) for e in grants] == \
        [(True, "directory", ADMIN), (True, "reports", ADMIN)]


def test_a_snapshot_normalises_twice_to_identical_resources(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    got = run(live_settings(server, key_file, page_size=3), tmp_path / "run")
    again, coverage = normalise(got.snapshot)
    assert again == got.resources and coverage == got.coverage


def test_rate_limits_are_waited_out_as_google_asks(server: GoogleServer, key_file: Path,
                                                   tmp_path: Path) -> None:
    server.fail_next(api.USERS_PATH, google_fault(429, "Quota exceeded", retry_after="7"))
    server.fail_next("/token", google_fault(503, "Backend Error", retry_after="1"))
    waits: list[float] = []
    got = run(live_settings(server, key_file, waits), tmp_path / "run")
    assert waits == [1.0, 7.0]
    assert [c.failure for c in got.coverage] == [None] and len(got.resources) == 7
    source = got.coverage[0].source
    assert source is not None
    first_page = json.loads((got.run_dir / source).read_text())
    assert first_page["retry_attempts"] == 1


def test_a_refused_delegation_is_one_failed_call_and_nothing_else(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    server.subject = "someone.else@example.org"
    got = run(live_settings(server, key_file), tmp_path / "run")
    assert got.operations() == ["AcquireToken"] and got.source["api_calls"] == 1
    assert [r.path for r in server.seen] == ["/token"]
    failure = got.coverage[0].failure
    assert failure is not None and got.resources == []
    assert (failure.operation, failure.code) == ("google:AcquireToken", "HTTP400")
    assert "invalid_grant" in failure.message and "google:AcquireToken" in failure.explain()
    record = json.loads((got.run_dir / failure.file).read_text())
    assert record["params"]["subject"] == ADMIN and "assertion" not in json.dumps(record)


def test_an_unauthorised_users_page_fails_the_listing(server: GoogleServer, key_file: Path,
                                                      tmp_path: Path) -> None:
    server.fail_next(api.USERS_PATH, google_fault(401, "Invalid Credentials"))
    got = run(live_settings(server, key_file), tmp_path / "run")
    failure = got.coverage[0].failure
    assert failure is not None and failure.code == "HTTP401" and got.resources == []
    assert "UNAUTHENTICATED" in failure.message
    assert got.operations() == ["AcquireToken", "ListUsers"]  # nothing else asked


def test_a_revoked_token_is_a_recorded_401(server: GoogleServer, key_file: Path,
                                           tmp_path: Path) -> None:
    server.fail_next(api.USERS_PATH, google_fault(503, retry_after="0"))
    settings = live_settings(server, key_file, max_attempts=2)
    revoke_then_wait: list[float] = []

    def sleep(seconds: float) -> None:
        revoke_then_wait.append(seconds)
        server.revoke_tokens()

    got = run(dataclasses.replace(settings, sleep=sleep), tmp_path / "run")
    failure = got.coverage[0].failure
    assert revoke_then_wait == [0.0]
    assert failure is not None and failure.code == "HTTP401"


def test_server_errors_are_retried_then_fail_the_listing(server: GoogleServer, key_file: Path,
                                                         tmp_path: Path) -> None:
    server.fail_next(api.USERS_PATH, *[google_fault(500)] * 3)
    waits: list[float] = []
    got = run(live_settings(server, key_file, waits, max_attempts=3), tmp_path / "run")
    failure = got.coverage[0].failure
    assert failure is not None and failure.code == "HTTP500" and got.resources == []
    assert waits == [2.0, 4.0] and len(server.requests_to(api.USERS_PATH)) == 3


def test_a_malformed_users_page_fails_the_listing(server: GoogleServer, key_file: Path,
                                                  tmp_path: Path) -> None:
    server.fail_next(api.USERS_PATH, Fault.malformed())
    got = run(live_settings(server, key_file), tmp_path / "run")
    failure = got.coverage[0].failure
    assert failure is not None and failure.code == "MalformedResponse" and got.resources == []


def test_a_lost_group_listing_fails_groups_on_every_user(server: GoogleServer, key_file: Path,
                                                         tmp_path: Path) -> None:
    server.fail_next(api.GROUPS_PATH, Fault.malformed())
    got = run(live_settings(server, key_file), tmp_path / "run")
    assert got.resources and all(r.failures["Groups"].code == "MalformedResponse"
                                 for r in got.resources)
    assert all("Groups" not in r.attributes for r in got.resources)
    assert all("DisableEvents" in r.attributes for r in got.resources)


def test_a_lost_members_listing_fails_groups_on_every_user(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    server.fail_next(api.members_path("g-acme"), google_fault(404, "Resource Not Found"))
    got = run(live_settings(server, key_file), tmp_path / "run")
    failures = {r.failures["Groups"].code for r in got.resources}
    assert failures == {"HTTP404"}
    assert "ListGroupMembers" in got.resources[0].failures["Groups"].explain()


def test_an_audit_log_the_admin_may_not_read_fails_disable_events_for_all(
        server: GoogleServer, domain: GoogleDomain, key_file: Path, tmp_path: Path) -> None:
    domain.reports_allowed = False
    got = run(live_settings(server, key_file), tmp_path / "run")
    assert [c.failure for c in got.coverage] == [None] and len(got.resources) == 7
    for resource in got.resources:
        for key in ("DisableEvents", "DisabledAt", "DisableEventsSince"):
            assert resource.failures[key].code == "HTTP403", key
            assert key not in resource.attributes
        assert "Groups" in resource.attributes and "Active" in resource.attributes
    assert len(server.requests_to(api.ACTIVITIES_PATH)) == 1  # stops at the first refusal


def test_a_delegation_without_the_reports_scope_still_lists_users(
        server: GoogleServer, domain: GoogleDomain, key_file: Path, tmp_path: Path) -> None:
    domain.granted_scopes = frozenset(api.DIRECTORY_SCOPES)
    got = run(live_settings(server, key_file), tmp_path / "run")
    assert len(got.resources) == 7
    failure = got.resources[0].failures["DisableEvents"]
    assert (failure.operation, failure.code) == ("google:AcquireToken", "HTTP401")
    assert "unauthorized_client" in failure.message
    assert server.requests_to(api.ACTIVITIES_PATH) == []


def test_a_customer_id_names_the_tenant_and_is_sent(server: GoogleServer, domain: GoogleDomain,
                                                    key_file: Path, tmp_path: Path) -> None:
    got = run(live_settings(server, key_file, customer=domain.customer_id), tmp_path / "run")
    assert {r.account for r in got.resources} == {domain.customer_id}
    assert {r.arg("customer") for r in server.requests_to(api.USERS_PATH)} == {
        domain.customer_id}
    assert {r.arg("customerId") for r in server.requests_to(api.ACTIVITIES_PATH)} == {
        domain.customer_id}


def test_tokens_are_renewed_before_they_expire_and_a_refusal_is_asked_once(
        server: GoogleServer, key_file: Path, tmp_path: Path) -> None:
    now = [1000.0]
    writer = SnapshotWriter(tmp_path)
    with httpx.Client() as client:
        tokens = TokenSource(live_settings(server, key_file), writer, client,
                             scope_set="directory", scopes=api.DIRECTORY_SCOPES,
                             clock=lambda: now[0])
        first = tokens.headers()
        assert tokens.headers() == first  # still fresh
        now[0] += 3599 - 299
        second = tokens.headers()
        assert second != first
        server.subject = "someone.else@example.org"
        now[0] += 3599
        assert tokens.headers() == second and tokens.headers() == second
    outcomes = sorted((e.operation, e.ok) for e in writer.write_index())
    assert outcomes == [("AcquireToken", False), ("AcquireToken", True),
                        ("AcquireToken", True)]

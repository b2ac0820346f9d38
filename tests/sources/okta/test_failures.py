"""What could not be read fails exactly what depended on it, naming the call: never an empty
list that would pass."""

from __future__ import annotations

import json
from pathlib import Path

from govkit.demo.idp.base import Fault
from govkit.demo.idp.okta import OktaServer
from govkit.snapshot import Snapshot
from tests.sources.okta.org import scan, settings


def okta_error(status: int, code: str, summary: str) -> Fault:
    body = {"errorCode": code, "errorSummary": summary, "errorLink": code,
            "errorId": "oae1", "errorCauses": []}
    return Fault(status, {"Content-Type": "application/json"}, json.dumps(body).encode())


def test_a_refused_users_listing_is_a_failed_coverage_and_no_users(okta: OktaServer,
                                                                   tmp_path: Path) -> None:
    okta.fail_next("/api/v1/users", okta_error(401, "E0000011", "Invalid token provided"))
    run = scan(tmp_path, settings(okta))
    assert run.users() == []
    users = [c for c in run.coverage if c.type == "okta.user"]
    assert len(users) == 1 and users[0].failure is not None and users[0].source is None
    assert users[0].failure.code == "HTTP401"
    assert users[0].failure.operation == "okta:ListUsers"
    assert "E0000011" in json.loads((tmp_path / users[0].failure.file).read_text())[
        "error_message"]
    assert not okta.requests_to("/api/v1/users/00u00000000000000001/factors")


def test_a_wrong_token_fails_every_listing(okta: OktaServer, tmp_path: Path) -> None:
    run = scan(tmp_path, settings(okta, token="not-the-token"))
    assert run.users() == [] and {r.type for r in run.resources} == set()
    assert {c.type: c.failure.code if c.failure else None for c in run.coverage} == \
        {"okta.user": "HTTP401", "okta.group": "HTTP401"}


def test_one_users_failed_factors_fail_only_that_users_mfa(okta: OktaServer,
                                                           tmp_path: Path) -> None:
    path = "/api/v1/users/00u00000000000000006/factors"
    okta.fail_next(path, *[okta_error(500, "E0000009", "Internal Server Error")] * 3)
    waits: list[float] = []
    run = scan(tmp_path, settings(okta), waits)
    assert len(okta.requests_to(path)) == 3 and waits == [2.0, 4.0]
    failed = [u.name for u in run.users() if "MfaFactors" in u.failures and
              u.failures["MfaFactors"].code != "NotCollected"]
    assert failed == ["staff06@mercy.example"]
    assert run.user(6).failures["MfaFactors"].code == "HTTP500"
    assert run.user(6).failures["MfaFactors"].operation == "okta:ListFactors"
    assert run.user(7).attributes["MfaFactors"] == [{"Type": "sms",
                                                     "PhishingResistant": False}]


def test_a_malformed_log_page_fails_disable_events_for_every_user(okta: OktaServer,
                                                                  tmp_path: Path) -> None:
    okta.fail_next("/api/v1/logs", Fault.malformed())
    run = scan(tmp_path, settings(okta))
    assert len(run.users()) == 34
    for user in run.users():
        assert user.failures["DisableEvents"].code == "MalformedResponse"
        assert "DisableEventsSince" in user.failures
        assert "DisableEvents" not in user.attributes
        assert user.attributes["Groups"]  # the rest is still known


def test_a_log_answer_of_the_wrong_shape_is_not_read_as_no_events(okta: OktaServer,
                                                                  tmp_path: Path) -> None:
    okta.fail_next("/api/v1/logs", Fault(200, {"Content-Type": "application/json"},
                                         b'{"events": []}'))
    run = scan(tmp_path, settings(okta))
    failure = run.user(3).failures["DisableEvents"]
    assert failure.code == "UnexpectedBody" and failure.pointer == "/response/body"


def test_a_failed_member_page_fails_groups_for_every_user(okta: OktaServer,
                                                          tmp_path: Path) -> None:
    okta.fail_next("/api/v1/groups/00g003scheduling/users",
                   okta_error(403, "E0000006", "You do not have permission to perform the "
                              "requested action"))
    run = scan(tmp_path, settings(okta))
    assert all(u.failures["Groups"].code == "HTTP403" for u in run.users())
    assert all("Applications" in u.attributes for u in run.users())
    groups = {r.name: r for r in run.resources if r.type == "okta.group"}
    assert groups["Scheduling"].failures["Members"].code == "HTTP403"
    assert groups["Mercy Staff"].attributes["Members"] == 14


def test_a_failed_apps_listing_fails_applications_and_lists_no_app_users(
        okta: OktaServer, tmp_path: Path) -> None:
    okta.fail_next("/api/v1/apps", okta_error(403, "E0000006", "no permission"))
    run = scan(tmp_path, settings(okta))
    assert all(u.failures["Applications"].code == "HTTP403" for u in run.users())
    assert not any(e.operation == "ListAppUsers" for e in Snapshot.open(tmp_path).entries)


def test_a_failed_admin_listing_fails_admin_for_every_user(okta: OktaServer,
                                                           tmp_path: Path) -> None:
    okta.fail_next("/api/v1/iam/assignees/users", okta_error(403, "E0000006", "no permission"))
    run = scan(tmp_path, settings(okta))
    assert all(u.failures["Admin"].code == "HTTP403" for u in run.users())
    assert all(u.attributes["Active"] in (True, False) for u in run.users())

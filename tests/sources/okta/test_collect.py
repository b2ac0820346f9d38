"""Live collection against the loopback Okta org: paging, hidden DEPROVISIONED users, rate
limits, the calls made and the token kept out of the evidence."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from govkit.demo.idp.base import Fault
from govkit.demo.idp.okta import OktaDirectory, OktaServer
from govkit.snapshot import Snapshot
from tests.sources.okta.org import TENANT, TOKEN, Scan, scan, settings


def operations(run: Scan) -> Counter[str]:
    return Counter(e.operation for e in Snapshot.open(run.run_dir).entries)


def test_paging_lists_every_user_including_deprovisioned(
        okta: OktaServer, directory: OktaDirectory, tmp_path: Path) -> None:
    run = scan(tmp_path, settings(okta))
    assert sorted(r.id.rsplit("/", 1)[1] for r in run.users()) == \
        sorted(u.id for u in directory.users)
    statuses = Counter(r.attributes["Status"] for r in run.users())
    assert statuses["DEPROVISIONED"] == 3 and statuses["SUSPENDED"] == 2
    calls = operations(run)
    # 31 visible users in pages of 5, and 3 deprovisioned ones in one page
    assert calls["ListUsers"] == 7 and calls["ListDeprovisionedUsers"] == 1
    assert calls["ListGroupMembers"] >= len(directory.groups)
    assert calls["ListAppUsers"] >= 3  # ACTIVE apps only
    assert calls["ListFactors"] == 31  # never for DEPROVISIONED users
    assert calls["ListAdminAssignees"] == 1 and calls["ListLogEvents"] == 1
    assert run.manifest == {"type": "okta", "tenant": TENANT, "api_calls": sum(calls.values()),
                            "mode": "api"}
    searched = [r for r in okta.requests_to("/api/v1/users") if "search" in r.query]
    assert searched[0].query["search"] == ['status eq "DEPROVISIONED"']


def test_following_pages_use_the_link_header_after_cursor(okta: OktaServer,
                                                         tmp_path: Path) -> None:
    scan(tmp_path, settings(okta))
    listed = [r for r in okta.requests_to("/api/v1/users") if "search" not in r.query]
    assert listed[0].query == {"limit": ["5"]}
    assert all(r.query["after"] and r.query["limit"] == ["5"] for r in listed[1:])
    assert all(r.headers["authorization"] == f"SSWS {TOKEN}" for r in okta.seen)
    logs = okta.requests_to("/api/v1/logs")[0].query
    assert logs["since"] == ["2026-07-01T00:00:00.000Z"]
    assert logs["until"] == ["2026-10-01T17:00:00.000Z"]
    assert logs["filter"] == ['eventType eq "user.lifecycle.deactivate" or '
                              'eventType eq "user.lifecycle.suspend"']


def test_the_token_never_reaches_the_snapshot(okta: OktaServer, tmp_path: Path) -> None:
    run = scan(tmp_path, settings(okta))
    files = list(run.files())
    assert len(files) > 40
    assert all(TOKEN not in path.read_text() for path in files)
    assert TOKEN not in repr(settings(okta))


def test_a_rate_limited_page_is_waited_out_and_recovers(okta: OktaServer,
                                                         tmp_path: Path) -> None:
    okta.fail_next("/api/v1/users", Fault.rate_limited("0"))
    waits: list[float] = []
    run = scan(tmp_path, settings(okta), waits)
    assert waits == [0.0]
    assert len(run.users()) == 34
    assert all(c.failure is None for c in run.coverage)
    first = next(e for e in Snapshot.open(tmp_path).entries
                 if e.operation == "ListUsers" and e.params["page"] == 1)
    assert json.loads((tmp_path / first.file).read_text())["retry_attempts"] == 1


def test_the_emulators_own_rate_limit_answers_like_okta(directory: OktaDirectory,
                                                        tmp_path: Path) -> None:
    with OktaServer(directory, token=TOKEN, rate_limit=2) as server:
        assert isinstance(server, OktaServer)
        run = scan(tmp_path, settings(server, max_attempts=1))
    failed = [c for c in run.coverage if c.failure is not None]
    assert failed and failed[0].failure is not None and failed[0].failure.code == "HTTP429"
    message = json.loads((tmp_path / failed[0].failure.file).read_text())["error_message"]
    assert "E0000047" in message

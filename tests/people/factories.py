"""Hand-built people, accounts, role matrices and reviews, as the sources normalise them.

Each attribute points at a plausible snapshot record (file plus JSON Pointer), so tests can
assert that what a person lists about an account still names where it came from. Accounts set
every attribute of the account vocabulary (govkit.inventory.accounts) unless a test fails it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import zlib
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govkit.checks.interface import Period
from govkit.inventory.accounts import ACCOUNT_TYPES, PERSON_RECORD_TYPES, emails
from govkit.inventory.model import (
    CallFailure, Coverage, Inventory, Ref, Resource, ResourceBuilder, json_pointer)
from govkit.inventory.build import with_people
from govkit.people.join import JoinSettings, People, is_account, join
from govkit.people.roles import RoleMatrix
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.loader import load_policy_set
from govkit.policy.model import Rule
from govkit.results import Result
from govkit.sources.hr.read import end_of_day

OKTA = "northbridge.okta.com"
ENTRA = "5f1c0a7e-3b2d-4c8e-9a61-2d7f0e4b8c19"
GOOGLE = "northbridge-health.example"
AWS = "111122223333"
HR_FILE = "hr/hr/ReadExport-0001.json"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")

TYPE_OF = {"okta": "okta.user", "entra": "entra.user", "google": "google.user",
           "identitycenter": "aws.identitystore.user", "iam": "aws.iam.user",
           "workspaces": "aws.workspaces.workspace"}
TENANT_OF = {"okta": OKTA, "entra": ENTRA, "google": GOOGLE, "identitycenter": AWS,
             "iam": AWS, "workspaces": AWS}
REGION_OF = {"identitycenter": "us-east-1", "workspaces": "us-east-1"}
assert set(TYPE_OF.values()) == set(ACCOUNT_TYPES)

_UNSET: Any = object()


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def last_second_of(day: str, zone: zoneinfo.ZoneInfo = CHICAGO) -> str:
    """A date-only termination as the HR normaliser records it: the end of that day in the
    file's time zone, in UTC."""
    return iso(end_of_day(dt.date.fromisoformat(day), zone))


# --- people -------------------------------------------------------------------------------

_COLUMNS = ("person_id", "name", "email", "status", "hired_at", "terminated_at", "job",
            "worker_type", "vendor", "notified_at")


def slug(vendor: str) -> str:
    """A vendor's name as its roster's account label (govkit.sources.vendors)."""
    return "-".join("".join(c if c.isalnum() else " " for c in vendor.lower()).split())


def _roster_file(kind: str, label: str) -> str:
    return HR_FILE if kind == "hr.person" else f"vendors/{label}/ReadExport-0001.json"


def person_record(person_id: str, *, name: str, email: str | Sequence[str] | None,
                  kind: str = "hr.person", status: str = "active",
                  terminated_at: str | None = None, notified_at: str | None = None,
                  job: str | None = "PATIENT_SCHEDULER", vendor: str | None = None,
                  source: str | None = None, row: int = 0,
                  hired_at: str = "2024-03-04T14:00:00Z") -> Resource:
    """An ``hr.person`` (HR export) or ``vendor.agent`` (a vendor's roster) record, as
    govkit.sources.hr.normalize builds it."""
    assert kind in PERSON_RECORD_TYPES
    roster = kind == "vendor.agent"
    if roster:
        source = source or vendor or "Meridian Contact Services"
        account_label, id_label = slug(source), slug(source)
    else:
        source = source or "workday-export.csv"
        account_label, id_label = "hr", source
    file = _roster_file(kind, account_label)

    def cell(column: str) -> Ref:
        return Ref(file, json_pointer("response", "rows", row, _COLUMNS.index(column)), row + 2)

    builder = ResourceBuilder(id=f"{'vendor' if roster else 'hr'}:{id_label}:{person_id}",
                              type=kind, account=account_label, region="global",
                              name=person_id)
    builder.set("PersonId", person_id, cell("person_id"))
    builder.set("Name", name, cell("name"))
    builder.set("Emails", emails(email), cell("email"))
    builder.set("Status", status, cell("status"))
    builder.set("HiredAt", hired_at, cell("hired_at"))
    builder.set("TerminatedAt", terminated_at, [cell("terminated_at"), cell("status")])
    builder.set("TerminationDateOnly", False, cell("terminated_at"))
    builder.set("NotifiedAt", notified_at, cell("notified_at"))
    builder.set("Job", job, cell("job"))
    builder.set("WorkerType", "contractor" if roster else "employee", cell("worker_type"))
    builder.set("Vendor", source if roster else vendor,
                Ref(file, "/params/source") if roster else cell("vendor"))
    builder.set("Source", source, Ref(file, "/params/source"))
    return builder.build()


def hr(person_id: str, name: str, email: str | None, **more: Any) -> Resource:
    return person_record(person_id, name=name, email=email, **more)


def agent(person_id: str, name: str, email: str | None, *,
          vendor: str = "Meridian Contact Services", **more: Any) -> Resource:
    return person_record(person_id, name=name, email=email, kind="vendor.agent",
                         vendor=vendor, **more)


# --- accounts -----------------------------------------------------------------------------

def users_file(system: str, tenant: str | None = None) -> str:
    return f"{system}/{tenant or TENANT_OF[system]}/ListUsers-0001.json"


def account(system: str, login: str, *, user_id: str | None = None, tenant: str | None = None,
            email: str | Sequence[str] | None = _UNSET, employee_id: str | None = None,
            external_ids: Sequence[str] = (), active: bool = True, status: str | None = None,
            created_at: str | None = "2025-03-01T10:00:00Z",
            last_sign_in: str | None = "2026-11-10T13:05:00Z", disabled_at: str | None = None,
            disable_events: Sequence[Mapping[str, Any]] = (),
            disable_events_since: str | None = "2026-08-17T00:00:00Z",
            groups: Sequence[str] = (), applications: Sequence[str] = (),
            permission_sets: Sequence[str] | None = None,
            mfa: Sequence[Mapping[str, Any]] = ({"Type": "push", "PhishingResistant": False},),
            admin: bool = False, position: int = 0,
            failed: Mapping[str, CallFailure] | None = None) -> Resource:
    """An account of ``system`` as its normaliser leaves it; ``failed`` fails attributes."""
    tenant = tenant or TENANT_OF[system]
    user_id = user_id or f"00u{zlib.crc32(f'{system}/{login}'.encode()):010d}"
    file = users_file(system, tenant)
    if system == "iam":
        resource_id = f"arn:aws:iam::{tenant}:user/{login}"
    elif system == "identitycenter":
        resource_id = f"arn:aws:identitystore::{tenant}:identitystore/d-9067a1b2c3/user/{user_id}"
    elif system == "workspaces":
        resource_id = f"arn:aws:workspaces:us-east-1:{tenant}:workspace/ws-{user_id[-9:]}"
    else:
        resource_id = f"{system}:{tenant}:user/{user_id}"
    builder = ResourceBuilder(id=resource_id, type=TYPE_OF[system], account=tenant,
                              region=REGION_OF.get(system, "global"), name=login)

    def at(*path: str | int) -> Ref:
        return Ref(file, json_pointer("response", "users", position, *path))

    addresses = emails(login if "@" in login else None) if email is _UNSET else emails(email)
    values: dict[str, Any] = {
        "System": system, "Login": login, "Emails": addresses, "EmployeeId": employee_id,
        "ExternalIds": list(external_ids), "Active": active,
        "Status": status or ("ACTIVE" if active else "SUSPENDED"), "CreatedAt": created_at,
        "LastSignInAt": last_sign_in, "DisabledAt": disabled_at,
        "DisableEvents": [dict(e) for e in disable_events],
        "DisableEventsSince": disable_events_since, "Groups": list(groups),
        "Applications": list(applications), "MfaFactors": [dict(f) for f in mfa],
        "Admin": admin}
    if permission_sets is not None:
        values["PermissionSets"] = list(permission_sets)
    for key, value in values.items():
        builder.set(key, value, at(key))
    builder.set_tags({}, at("tags"))
    for key, failure in (failed or {}).items():
        builder.fail(key, failure)
    return builder.build()


def disable_event(at: str, event: str = "user.lifecycle.suspend",
                  actor: str = "it-ops@northbridge-health.example") -> dict[str, Any]:
    return {"At": at, "Event": event, "Actor": actor}


def listed(*systems: str) -> list[Coverage]:
    """Successful listings of the accounts of ``systems`` (each in its usual tenant)."""
    return [Coverage(type=TYPE_OF[s], account=TENANT_OF[s], region=REGION_OF.get(s, "global"),
                     source=users_file(s)) for s in dict.fromkeys(systems)]


def rosters_read(*kinds: str) -> list[Coverage]:
    """The HR export (and, when asked, a vendor roster) was read."""
    chosen = kinds or ("hr.person",)
    labels = {"hr.person": "hr", "vendor.agent": slug("Meridian Contact Services")}
    return [Coverage(type=k, account=labels[k], region="global",
                     source=_roster_file(k, labels[k])) for k in chosen]


def failure(call: str, operation: str, code: str, message: str, file: str) -> CallFailure:
    return CallFailure(call=call, operation=operation, code=code, message=message, file=file,
                       pointer="/error_message")


# --- the role matrix and reviews ----------------------------------------------------------

MATRIX_FILE = "roles/roles/ReadRoleMatrix-0001.json"


def role_matrix(jobs: Mapping[str, Mapping[str, Sequence[str]]],
                separation_of_duties: Sequence[Sequence[str]] = ()) -> Resource:
    """``access.role_matrix`` as govkit.sources.roles normalises the YAML file."""
    kinds = ("Groups", "Applications", "PermissionSets", "IamGroups")
    builder = ResourceBuilder(id="role-matrix:role-matrix.yaml", type="access.role_matrix",
                              account="roles", region="global", name="role-matrix.yaml")
    normalised: dict[str, dict[str, list[str]]] = {}
    for job, allowed in jobs.items():
        normalised[job] = {kind: list(allowed.get(kind) or []) for kind in kinds}
        builder.sources[f"Jobs.{job}"] = (Ref(MATRIX_FILE, json_pointer(
            "response", "matrix", "jobs", job)),)
    builder.set("Jobs", normalised, Ref(MATRIX_FILE, "/response/matrix/jobs"))
    builder.set("SeparationOfDuties", [list(p) for p in separation_of_duties],
                Ref(MATRIX_FILE, "/response/matrix/separation_of_duties"))
    return builder.build()


REVIEW_FILE = "reviews/reviews/ReadReviewExport-0001.json"
REVIEWS_READ = Coverage(type="access.review", account="reviews", region="global",
                        source=REVIEW_FILE)


def review(line: int, account_name: str, grant: str, decision: str, decided_at: str | None,
           reviewer: str = "ops.lead@meridian-cs.example") -> Resource:
    """One line of an access-review export (``access.review``)."""
    position = line - 2

    def ref(column: int) -> Ref:
        return Ref(REVIEW_FILE, json_pointer("response", "rows", position, column))

    builder = ResourceBuilder(id=f"review:q4-review.csv:{line}", type="access.review",
                              account="reviews", region="global", name=f"q4-review.csv line {line}")
    builder.set("Reviewer", reviewer, ref(0))
    builder.set("AccountName", account_name.strip().lower(), ref(1))
    builder.set("Grant", grant, ref(2))
    builder.set("Decision", decision, ref(3))
    builder.set("DecidedAt", decided_at, ref(4))
    builder.set("Line", line, Ref(REVIEW_FILE, json_pointer("response", "lines", position)))
    return builder.build()


# --- joining and evaluating ---------------------------------------------------------------

def joined(resources: Iterable[Resource], coverage: Iterable[Coverage],
           settings: JoinSettings | None = None) -> Inventory:
    """What govkit.inventory.build does after the normalisers ran: people joined when HR or
    a roster was read, every account also listed as ``identity.account``."""
    return with_people(list(resources), list(coverage), settings)


def join_all(resources: Iterable[Resource], coverage: Iterable[Coverage] = (),
             settings: JoinSettings | None = None) -> People:
    resources = list(resources)
    coverage = list(coverage) or [*rosters_read("hr.person", "vendor.agent"),
                                  *listed(*sorted({str(r.attributes["System"])
                                                   for r in resources if is_account(r)}))]
    return join(resources, coverage, settings or JoinSettings(), RoleMatrix.of(resources))


@functools.cache
def builtin_rule(rule_id: str) -> Rule:
    return load_policy_set().by_id()[rule_id]


def evaluate(rule_id: str, inventory: Inventory, *, now: dt.datetime,
             period: str | None = None, **parameters: Any) -> list[Result]:
    """Every result of one built-in rule, through the real evaluator."""
    rule = builtin_rule(rule_id)
    if parameters:
        rule = rule.with_parameters(parameters)
    return list(evaluate_all([rule], inventory, now=now, settings=Settings(),
                             period=Period.parse(period) if period else None).results)


def judged(results: Iterable[Result]) -> list[Result]:
    """Results about resources (not the NOT_APPLICABLE per account of an empty listing)."""
    return [r for r in results if r.status.value != "NOT_APPLICABLE"]


def by_name(results: Iterable[Result]) -> dict[str, Result]:
    found: dict[str, Result] = {}
    for result in results:
        assert result.resource_name not in found, f"two results for {result.resource_name}"
        found[result.resource_name] = result
    return found


def replace(resource: Resource, **attributes: Any) -> Resource:
    """``resource`` with some attributes changed (their sources kept)."""
    return dataclasses.replace(resource, attributes={**resource.attributes, **attributes})

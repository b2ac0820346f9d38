"""People benchmark: an HR roster and an Okta org collected, joined into people and judged.

Sizes are a large hospital system's: ``--hr`` workers in a Workday-style CSV export, ``--okta``
users in a loopback Okta org, ``--iam`` IAM users across five AWS accounts.

- **HR**: a Workday custom-report CSV (Employee_ID, Worker, Primary_Work_Email, Worker_Status,
  Hire_Date, Termination_Date, Last_Day_of_Work, Job_Code, Worker_Type, Manager_ID): ~8% of
  workers terminated in the current quarter, ~4% earlier, leave of absence, future-dated
  terminations and hires, rehires (as two rows, and as one row hired after its termination)
  and a few repeated rows, read with the ``workday`` preset.
- **Okta**: govkit.demo.idp.okta's emulator, in its own process, over an org whose users are
  linked to HR by employeeNumber (most), by e-mail only (some), or not at all (~1% orphans, a
  few shared mailboxes), in every status (DEPROVISIONED and SUSPENDED leavers, some leavers
  still ACTIVE, STAGED pre-hires, LOCKED_OUT, ...), with an Everyone group, department and role
  groups, apps assigned through groups and directly, factors, admins and System Log
  deactivate/suspend events. The server subclass below serves the emulator's exact answers from
  an index built once: the stock emulator re-renders and scans the whole directory on every
  page and looks users up by linear search, which is quadratic and at 100k users would make the
  emulator, not govkit, the thing measured.
- **IAM**: ``aws.iam.user`` resources built directly, with ResourceBuilder and govkit's own
  ``set_iam_user_fields`` (the account vocabulary from the employee_id and email tags and the
  credential report row), as the IAM normaliser builds them; IAM collection at scale is
  measured by scan_scale.py.

Collection runs here (the Okta server in another process, so the CPU printed for govkit is
govkit's alone): wall time, govkit and server CPU, pages, CPU ms per page, split into the
org-wide users listing and the fan-out (one ``/factors`` call per user not DEPROVISIONED,
group members, app users, admins, System Log). Normalising, the people join and evaluating the
built-in people rules (those judged by a check kind) run in a fresh process, whose peak RSS
is printed with the times and the results by status. ``--profile`` adds cProfile's top entries.

Collection is judged twice: against the emulator, which answers as fast as Python can
(govkit is then the busier side), and against Okta's own published ceiling, the org-wide
requests a minute no Okta org exceeds, which is what bounds a real collection.

    python benchmarks/people_scale.py [--hr 100000] [--okta 100000] [--iam 50000]
                                      [--page-size 200] [--workers 8] [--keep DIR] [--profile]
    python benchmarks/people_scale.py --reuse DIR [--profile]   # judge a kept run again
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime as dt
import io
import json
import multiprocessing
import pstats
import random
import re
import string
import tempfile
import threading
import time
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _support import peak_rss_mib

from govkit.checks.interface import Period
from govkit.demo.idp.base import Reply, Request
from govkit.demo.idp.okta import OktaApp, OktaDirectory, OktaGroup, OktaServer, OktaUser
from govkit.snapshot import CallEntry, SnapshotWriter

TOKEN = "00benchOktaApiToken"
TENANT = "northbridge.okta.com"
DOMAIN = "northbridge-health.example"
ZONE = "America/Chicago"
AWS_ACCOUNTS = ("111122223333", "222233334444", "333344445555", "444455556666",
                "555566667777")
TARGET_SECONDS, TARGET_MIB = 5.0, 600
# Okta's management rate limits, "Cumulative rate limit" for Workforce Identity orgs, the
# highest of its published tiers (developer.okta.com/docs/reference/rl-global-mgmt): no org
# answers more requests a minute than this, whatever each endpoint's own limit
OKTA_CUMULATIVE_PER_MINUTE = 7_000
SEQUENTIAL = ("ListUsers", "ListDeprovisionedUsers", "ListGroups", "ListApps")
# as the emulator reads /api/v1/users: a plain listing is every status but DEPROVISIONED
LISTED = frozenset({"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT",
                    "PASSWORD_EXPIRED", "SUSPENDED"})
STATUS_TERM = re.compile(r'^\s*status eq "([A-Z_]+)"\s*$')

FIRST = ("maria", "james", "li", "aisha", "david", "sofia", "wei", "fatima", "john", "elena",
         "omar", "grace", "carlos", "priya", "michael", "hannah", "ahmed", "chloe", "daniel",
         "yuki", "samuel", "amara", "lucas", "nina", "peter", "rosa", "tomas", "ines", "kwame",
         "olga", "raj", "emma", "diego", "mei", "noah", "zara", "ivan", "leah", "hugo", "ada")
LAST = ("santos", "smith", "wei", "khan", "johnson", "garcia", "chen", "okafor", "brown",
        "novak", "haddad", "kim", "lopez", "patel", "miller", "schmidt", "ali", "dubois",
        "nguyen", "tanaka", "mensah", "rossi", "silva", "ivanova", "oconnor", "berg", "costa",
        "ferreira", "hughes", "larsen", "mehta", "wright", "moreno", "zhang", "cohen",
        "adeyemi", "petrov", "walsh", "fischer", "park")
# job code -> (department, clinical)
JOBS = {"RN100": ("Nursing", True), "RN200": ("Nursing", True), "MD300": ("Medicine", True),
        "PH110": ("Pharmacy", True), "LB120": ("Laboratory", True), "RD130": ("Radiology", True),
        "AD400": ("Administration", False), "FN410": ("Finance", False),
        "HR420": ("Human Resources", False), "IT500": ("Information Technology", False),
        "IT510": ("Information Technology", False), "FS600": ("Facilities", False)}
WORKER_TYPES = ("Regular", "Regular", "Regular", "Regular", "Temporary", "Contingent")


# -- the population -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Worker:
    """One person in the HR export, and what the identity systems should make of them."""

    employee_id: str
    name: str
    email: str
    kind: str  # active, leaver (this quarter), former (earlier), leave, scheduled, prehire,
    #            rehired (two rows), rehired_row (one row hired after its termination)
    status: str  # the Workday word
    hired: dt.date
    terminated: dt.date | None
    last_day: dt.date | None
    job: str
    worker_type: str
    manager: str
    earlier: tuple[dt.date, dt.date] | None = None  # an earlier spell: hired, terminated

    @property
    def left(self) -> bool:
        return self.kind in ("leaver", "former")


def _local(now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(ZONE)).date()


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zoneinfo.ZoneInfo(ZONE)) \
        .astimezone(dt.timezone.utc)


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zoneinfo.ZoneInfo(ZONE)) \
        .astimezone(dt.timezone.utc)


KINDS = (("leaver", 0.08), ("former", 0.04), ("leave", 0.03), ("scheduled", 0.01),
         ("prehire", 0.01), ("rehired", 0.007), ("rehired_row", 0.005))


def roster(count: int, now: dt.datetime, seed: int) -> list[Worker]:
    """``count`` workers, the same for the same arguments (both processes build it)."""
    rng = random.Random(seed)
    today = _local(now)
    quarter_start = Period.quarter_of(now).start.date()
    this_quarter = max((today - quarter_start).days, 1)  # days with a termination behind them
    workers: list[Worker] = []
    for number in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        employee_id = str(100000 + number)
        roll, kind = rng.random(), "active"
        for name, share in KINDS:
            if roll < share:
                kind = name
                break
            roll -= share
        hired = today - dt.timedelta(days=rng.randint(200, 9000))
        status, terminated, last_day, earlier = "Active", None, None, None
        if kind == "leaver":
            terminated = today - dt.timedelta(days=rng.randint(1, this_quarter))
            status = "Retired" if rng.random() < 0.1 else "Terminated"
        elif kind == "former":
            terminated = today - dt.timedelta(days=rng.randint(this_quarter + 1, 900))
            hired = min(hired, terminated - dt.timedelta(days=60))
            status = "Terminated"
        elif kind == "leave":
            status = rng.choice(("On Leave", "Leave of Absence"))
        elif kind == "scheduled":
            terminated = today + dt.timedelta(days=rng.randint(1, 30))
        elif kind == "prehire":
            hired = today + dt.timedelta(days=rng.randint(1, 45))
        elif kind in ("rehired", "rehired_row"):
            before = today - dt.timedelta(days=rng.randint(30, 700))
            earlier = (before - dt.timedelta(days=rng.randint(300, 3000)), before)
            hired = before + dt.timedelta(days=rng.randint(14, 120))
            hired = min(hired, today - dt.timedelta(days=1))
            if kind == "rehired_row":  # Workday keeps the original termination on the row
                terminated = before
        if terminated is not None and kind in ("leaver", "former"):
            last_day = terminated - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        job = rng.choice(tuple(JOBS))
        manager = str(100000 + rng.randrange(number)) if number else ""
        workers.append(Worker(
            employee_id=employee_id, name=f"{first.title()} {last.title()}",
            email=f"{first}.{last}.{number}@{DOMAIN}", kind=kind, status=status, hired=hired,
            terminated=terminated, last_day=last_day, job=job,
            worker_type=rng.choice(WORKER_TYPES), manager=manager, earlier=earlier))
    return workers


HEADER = ("Employee_ID", "Worker", "Primary_Work_Email", "Worker_Status", "Hire_Date",
          "Termination_Date", "Last_Day_of_Work", "Job_Code", "Worker_Type", "Manager_ID")


def write_csv(workers: Sequence[Worker], path: Path, seed: int) -> int:
    """The Workday export; returns the number of rows."""
    rng = random.Random(seed + 7)

    def day(value: dt.date | None) -> str:
        return "" if value is None else value.isoformat()

    rows: list[tuple[str, ...]] = []
    for w in workers:
        if w.kind == "rehired" and w.earlier is not None:  # the earlier spell, its own row
            rows.append((w.employee_id, w.name, w.email, "Terminated", day(w.earlier[0]),
                         day(w.earlier[1]), day(w.earlier[1]), w.job, w.worker_type,
                         w.manager))
        row = (w.employee_id, w.name, w.email, w.status, day(w.hired), day(w.terminated),
               day(w.last_day), w.job, w.worker_type, w.manager)
        rows.append(row)
        if rng.random() < 0.001:  # the report repeats a row now and then
            rows.append(row)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(text.getvalue(), "utf-8")
    return len(rows)


# -- the Okta org ---------------------------------------------------------------------------

ROLE_GROUPS = {"Epic-Clinicians": 0.0, "Epic-Admins": 0.002, "AWS-Admins": 0.001,
               "Payroll-Approvers": 0.003, "Payroll-Submitters": 0.004, "VPN-Users": 0.3}


def okta_directory(workers: Sequence[Worker], count: int, now: dt.datetime,
                   seed: int) -> OktaDirectory:
    """``count`` users over the roster: linked by employeeNumber, by e-mail only, shared
    mailboxes matching two people, orphans; second (admin) accounts past the roster's size."""
    rng = random.Random(seed + 1)
    alphabet = string.ascii_letters + string.digits
    directory = OktaDirectory()
    taken: set[str] = set()
    departments: dict[str, list[str]] = defaultdict(list)
    roles: dict[str, list[str]] = defaultdict(list)
    window_start = Period.quarter_of(now).start

    def new_id() -> str:
        while True:
            found = "00u" + "".join(rng.choices(alphabet, k=17))
            if found not in taken:
                taken.add(found)
                return found

    def ago(low: float, high: float) -> dt.datetime:
        return now - dt.timedelta(days=rng.uniform(low, high))

    for position in range(count):
        worker = workers[position % len(workers)] if workers else None
        user_id, roll = new_id(), rng.random()
        profile: dict[str, Any] = {}
        if worker is None or roll < 0.01:  # nobody in HR: a contractor or a test account
            name = f"ext{position}"
            user = OktaUser(id=user_id, login=f"{name}@partner.example",
                            status=rng.choice(("ACTIVE", "ACTIVE", "SUSPENDED")),
                            first_name="Ext", last_name=str(position), created=ago(30, 900),
                            last_login=ago(0, 200) if rng.random() < 0.8 else None,
                            user_type="contractor")
            directory.users.append(user)
            _enrol(directory, rng, user)
            continue
        second = position >= len(workers)
        local = worker.email.split("@")[0]
        login = f"adm.{local}@{DOMAIN}" if second else (
            worker.email if rng.random() < 0.7 else f"{local.replace('.', '')}@nbh.example")
        if roll < 0.011 and not second:  # a shared mailbox naming two people
            other = workers[rng.randrange(len(workers))]
            profile = {"email": worker.email, "second_email": other.email}
        elif roll < 0.09 and not second:  # linked by e-mail only
            profile = {"email": worker.email}
        else:
            profile = {"email": worker.email, "employee_number": worker.employee_id}
        first, _, last = worker.name.partition(" ")
        department, clinical = JOBS[worker.job]
        status, changed, last_login = _lifecycle(worker, rng, now)
        created = min(_start_of_day(worker.hired) - dt.timedelta(days=7), now)
        if last_login is not None and last_login < created:
            last_login = None
        user = OktaUser(id=user_id, login=login, status=status, first_name=first, last_name=last,
                        user_type="admin" if second else worker.worker_type.lower(),
                        organization="Northbridge Health", department=department,
                        created=created, status_changed=changed, last_login=last_login,
                        **profile)
        directory.users.append(user)
        departments[department].append(user_id)
        if clinical:
            roles["Epic-Clinicians"].append(user_id)
        for group, share in ROLE_GROUPS.items():
            if share and rng.random() < share * (20 if second else 1):
                roles[group].append(user_id)
        admin = rng.random() < (0.2 if second else 0.0003)
        if admin:
            directory.admins.append(user_id)
        if status != "DEPROVISIONED":
            _enrol(directory, rng, user, admin=admin)
        if status in ("DEPROVISIONED", "SUSPENDED") and changed is not None and \
                changed >= window_start and rng.random() < 0.97:
            directory.log(user, "user.lifecycle.deactivate" if status == "DEPROVISIONED"
                          else "user.lifecycle.suspend", changed)
    everyone = tuple(u.id for u in directory.users)
    groups = [OktaGroup(id="00g0everyone000000", name="Everyone", members=everyone,
                        type="BUILT_IN")]
    for number, (name, members) in enumerate(sorted({**departments, **roles}.items())):
        groups.append(OktaGroup(id=f"00g{number:017d}", name=name, members=tuple(members)))
    directory.groups = groups
    by_name = {g.name: g.id for g in groups}
    direct = tuple(u.id for u in directory.users if rng.random() < 0.02)
    directory.apps = [
        OktaApp(id="0oa00000000000000m365", label="Microsoft 365", groups=(by_name["Everyone"],)),
        OktaApp(id="0oa0000000000000epic", label="Epic Hyperspace",
                groups=tuple(by_name[g] for g in ("Epic-Clinicians", "Epic-Admins")
                             if g in by_name)),
        OktaApp(id="0oa00000000000000aws", label="AWS IAM Identity Center",
                groups=tuple(by_name[g] for g in ("AWS-Admins",) if g in by_name)),
        OktaApp(id="0oa0000000000payroll", label="Payroll",
                groups=tuple(by_name[g] for g in ("Payroll-Approvers", "Payroll-Submitters")
                             if g in by_name)),
        OktaApp(id="0oa00000000000000vpn", label="GlobalProtect VPN",
                groups=tuple(by_name[g] for g in ("VPN-Users",) if g in by_name)),
        OktaApp(id="0oa00000000servicenow", label="ServiceNow", users=direct),
        OktaApp(id="0oa0000000000000pacs", label="Legacy PACS", status="INACTIVE",
                users=direct[:100]),
    ]
    return directory


def _lifecycle(worker: Worker, rng: random.Random, now: dt.datetime
               ) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    """Status, status change and last sign-in of a worker's account."""
    recent = now - dt.timedelta(days=rng.uniform(0, 30))
    if worker.left and worker.terminated is not None:
        left = _end_of_day(worker.terminated)
        before = left - dt.timedelta(days=rng.uniform(0, 5))
        roll = rng.random()
        latest = now - dt.timedelta(minutes=1)
        if worker.kind == "former" or roll < 0.75:
            return "DEPROVISIONED", min(left + dt.timedelta(hours=rng.expovariate(1 / 10)),
                                        latest), before
        if roll < 0.9:
            return "SUSPENDED", min(left + dt.timedelta(hours=rng.expovariate(1 / 20)),
                                    latest), before
        # still active: some signed in after they left
        after = left + (now - left) * rng.random()
        return "ACTIVE", None, after if rng.random() < 0.3 else before
    if worker.kind == "prehire":
        return rng.choice(("STAGED", "PROVISIONED")), None, None
    if worker.kind == "leave":
        if rng.random() < 0.5:
            return "SUSPENDED", now - dt.timedelta(days=rng.uniform(5, 90)), \
                now - dt.timedelta(days=rng.uniform(90, 120))
        return "ACTIVE", None, recent
    roll = rng.random()
    status = "LOCKED_OUT" if roll < 0.005 else "PASSWORD_EXPIRED" if roll < 0.01 else \
        "RECOVERY" if roll < 0.012 else "ACTIVE"
    roll = rng.random()
    if roll < 0.05:
        return status, None, now - dt.timedelta(days=rng.uniform(91, 400))  # dormant
    if roll < 0.08:
        return status, None, None  # never signed in
    return status, None, recent


def _enrol(directory: OktaDirectory, rng: random.Random, user: OktaUser,
           admin: bool = False) -> None:
    roll = rng.random()
    kinds: tuple[str, ...]
    if admin:
        kinds = ("webauthn", "push") if roll < 0.7 else ("push",)
    elif roll < 0.80:
        kinds = ("push", "token:software:totp")
    elif roll < 0.85:
        kinds = ("webauthn",)
    elif roll < 0.90:
        kinds = ("sms",)
    else:
        kinds = ()
    if kinds:
        directory.enrol(user.id, *kinds)


@dataclass(frozen=True)
class _Indexed:
    """A listing's items in order, their cursor keys, and each key's position."""

    items: list[Any]
    keys: list[str]
    position: dict[str, int]

    @classmethod
    def of(cls, items: list[Any], key: Callable[[Any], str]) -> _Indexed:
        keys = [key(item) for item in items]
        return cls(items, keys, {k: n for n, k in enumerate(keys)})


class IndexedOktaServer(OktaServer):
    """The emulator's answers (the same rows, paging, Link headers and errors), from an
    index built once instead of re-rendering and scanning the directory on every request.
    Keeps no request log (100k requests would be kept in memory) but counts requests."""

    def __init__(self, directory: OktaDirectory, **options: Any) -> None:
        super().__init__(directory, **options)
        users = sorted(directory.users, key=lambda u: u.id)
        self._by_id = {u.id: u for u in users}
        self._listings: dict[frozenset[str], _Indexed] = {}
        self._listing_lock = threading.Lock()
        for statuses in (LISTED, frozenset({"DEPROVISIONED"})):
            self._listing(statuses)
        self._members = {g.id: _Indexed.of([self._by_id[u] for u in sorted(g.members)
                                            if u in self._by_id], lambda u: str(u.id))
                         for g in reversed(directory.groups)}
        self._apps_by_id = {a.id: a for a in reversed(directory.apps)}
        self._assigned = {a.id: self._assignments(a) for a in self._apps_by_id.values()}
        self.requests = 0

    def _listing(self, statuses: frozenset[str]) -> _Indexed:
        with self._listing_lock:
            if statuses not in self._listings:
                self._listings[statuses] = _Indexed.of(
                    [u for u in self._by_id.values() if u.status in statuses],
                    lambda u: str(u.id))
            return self._listings[statuses]

    def _assignments(self, app: OktaApp) -> _Indexed:
        groups = {g.id: g for g in reversed(self.directory.groups)}
        scopes = {uid: "GROUP" for gid in app.groups if gid in groups
                  for uid in groups[gid].members} | {uid: "USER" for uid in app.users}
        return _Indexed.of([(uid, scopes[uid], self._by_id[uid]) for uid in sorted(scopes)
                            if uid in self._by_id], lambda row: str(row[0]))

    def _answer(self, request: Request) -> Reply:
        reply = super()._answer(request)
        self.seen.clear()
        self.requests += 1
        return reply

    def _slice(self, request: Request, listing: _Indexed, render: Callable[[Any], Any],
               largest: int, default: int | None = None) -> Reply:
        """OktaServer._page over an index: one page after ``after``, Link self and next."""
        try:
            limit = min(max(int(request.arg("limit") or default or largest), 1), largest)
        except ValueError:
            return self.error(400, "E0000001", "Api validation failed: limit")
        after = request.arg("after")
        if after is not None and after not in listing.position:
            return self.error(400, "E0000001", "Api validation failed: after")
        start = 0 if after is None else listing.position[after] + 1
        page = [render(item) for item in listing.items[start:start + limit]]
        query = {k: v[0] for k, v in request.query.items() if k != "after"}
        here = f"{self.url}{request.path}?"
        following = here + urlencode({**query, "after": listing.keys[start + limit - 1]}) \
            if start + limit < len(listing.keys) else None
        link = f'<{here}{urlencode(query)}>; rel="self"'
        return Reply.json(page, Link=link + (f', <{following}>; rel="next"' if following
                                             else ""))

    def _users(self, request: Request) -> Reply:
        expression = request.arg("search") or request.arg("filter")
        statuses: frozenset[str] | None = LISTED
        if expression:
            found = [STATUS_TERM.match(part) for part in expression.split(" or ")]
            statuses = frozenset(m.group(1) for m in found if m) if all(found) else None
        if statuses is None:
            return self.error(400, "E0000031", "Invalid search criteria.")
        base = self.url
        return self._slice(request, self._listing(statuses),
                           lambda u: u.to_api(base), 200)

    def _group_users(self, request: Request) -> Reply:
        members = self._members.get(request.params["id"])
        if members is None:
            return self.not_found(request)
        base = self.url
        return self._slice(request, members, lambda u: u.to_api(base), 1000)

    def _app_users(self, request: Request) -> Reply:
        app = self._apps_by_id.get(request.params["id"])
        if app is None:
            return self.not_found(request)
        assigned, base = self._assigned[app.id], self.url
        epoch = app.to_api(base)["created"]  # the emulator stamps assignments as its apps

        def row(item: tuple[str, str, OktaUser]) -> dict[str, Any]:
            uid, scope, user = item
            return {"id": uid, "scope": scope, "status": "PROVISIONED",
                    "syncState": "DISABLED", "externalId": None,
                    "credentials": {"userName": user.login}, "created": epoch,
                    "lastUpdated": epoch, "statusChanged": epoch,
                    "_links": {"user": {"href": f"{base}/api/v1/users/{uid}"}}}

        return self._slice(request, assigned, row, 500, default=50)

    def _factors(self, request: Request) -> Reply:
        if request.params["id"] not in self._by_id:
            return self.not_found(request)
        return Reply.json([f.to_api() for f in
                           self.directory.factors.get(request.params["id"], [])])


def serve_okta(hr: int, okta: int, now_text: str, seed: int, conn: Connection) -> None:
    """The Okta org in this (separate) process: answers ``cpu`` with this process's CPU
    seconds until told ``stop``."""
    now = dt.datetime.fromisoformat(now_text)
    directory = okta_directory(roster(hr, now, seed), okta, now, seed)
    statuses = Counter(u.status for u in directory.users)
    server = IndexedOktaServer(directory, token=TOKEN, rate_limit=10**9)
    server.start()
    conn.send({"url": server.url, "statuses": dict(statuses), "groups": len(directory.groups),
               "apps": len(directory.apps), "events": len(directory.events),
               "admins": len(directory.admins),
               "factors": sum(len(f) for f in directory.factors.values())})
    while conn.recv() == "cpu":
        conn.send(time.process_time())
    cpu = time.process_time()
    server.stop()
    conn.send({"cpu": cpu, "requests": server.requests,
               "peak_rss_mib": peak_rss_mib()})


# -- collection -----------------------------------------------------------------------------

@dataclass
class Mark:
    wall: float
    cpu: float
    server_cpu: float


class MarkingWriter(SnapshotWriter):
    """A SnapshotWriter that counts records by operation and marks (wall, govkit CPU, server
    CPU) after the org-wide listings that run before the per-user fan-out."""

    def __init__(self, run_dir: Path, server_cpu: Callable[[], float]) -> None:
        super().__init__(run_dir)
        self.server_cpu = server_cpu
        self.counts: Counter[str] = Counter()
        self.failed = 0
        self.marks: dict[str, Mark] = {}
        self._count_lock = threading.Lock()

    def record(self, **call: Any) -> CallEntry:
        entry = super().record(**call)
        with self._count_lock:
            self.counts[entry.operation] += 1
            self.failed += not entry.ok
        # the first groups page ends the users listing; the last apps page starts the fan-out
        # (both are recorded by the collecting thread, before its pool starts)
        if entry.operation == "ListApps" or \
                entry.operation == "ListGroups" and "ListGroups" not in self.marks:
            self.marks[entry.operation] = self.mark()
        return entry

    def mark(self) -> Mark:
        return Mark(time.perf_counter(), time.process_time(), self.server_cpu())


def _phase(name: str, calls: int, start: Mark, end: Mark) -> str:
    wall, cpu, server = end.wall - start.wall, end.cpu - start.cpu, \
        end.server_cpu - start.server_cpu
    return (f"  {name:<20} {calls:>7} {wall:>7.2f} {calls / max(wall, 1e-9):>7.0f} "
            f"{cpu:>7.2f} {1000 * cpu / max(calls, 1):>11.2f} {cpu / max(wall, 1e-9):>8.0%} "
            f"{server:>12.2f} {server / max(wall, 1e-9):>11.0%}")


def collect_all(options: argparse.Namespace, run_dir: Path, csv_path: Path,
                now: dt.datetime, conn: Connection, url: str) -> dt.datetime:
    from govkit.sources import hr, okta
    from govkit.sources.interface import CollectWindow

    def server_cpu() -> float:
        conn.send("cpu")
        return float(conn.recv())

    writer = MarkingWriter(run_dir, server_cpu)
    started = dt.datetime.now(dt.timezone.utc)
    files = hr.settings_from([{"path": str(csv_path), "preset": "workday", "timezone": ZONE,
                               "columns": {"name": "Worker"}}],
                             resolve=Path, environ={}, default_timezone=None)
    begin = writer.mark()
    hr_entry = hr.collect(files, writer)
    after_hr = writer.mark()
    settings = okta.settings_from({"org_url": url, "token_env": "OKTA_API_TOKEN",
                                   "tenant": TENANT, "page_size": options.page_size,
                                   "workers": options.workers},
                                  resolve=Path, environ={"OKTA_API_TOKEN": TOKEN})
    window = CollectWindow(since=min(Period.quarter_of(now).start, started), until=started)
    okta_entry = okta.collect(settings, writer, window)
    done = writer.mark()
    writer.write_index()
    counts = writer.counts
    users_pages = counts["ListUsers"] + counts["ListDeprovisionedUsers"]
    factor_calls = counts["ListFactors"]
    fan_out = okta_entry["api_calls"] - sum(counts[op] for op in SEQUENTIAL)
    groups_mark = writer.marks.get("ListGroups", done)
    apps_mark = writer.marks.get("ListApps", groups_mark)
    print(f"\ncollection ({settings.workers} workers, page size {options.page_size}; "
          "the Okta server runs in its own process)")
    print(f"  HR export: {hr_entry['records']:,} rows read, checked and recorded in "
          f"{after_hr.wall - begin.wall:.2f} s ({after_hr.cpu - begin.cpu:.2f} s CPU)")
    print(f"  {'Okta phase':<20} {'calls':>7} {'wall s':>7} {'calls/s':>7} {'cpu s':>7} "
          f"{'cpu ms/call':>11} {'cpu/wall':>8} {'server cpu s':>12} {'server/wall':>11}")
    print(_phase("users listing", users_pages, after_hr, groups_mark)
          + f"   ({users_pages} pages of up to {options.page_size} users)")
    print(_phase("fan-out", fan_out, apps_mark, done)
          + f"   ({factor_calls:,} /factors calls + {fan_out - factor_calls} pages)")
    print(_phase("all", okta_entry["api_calls"], after_hr, done))
    print(f"  Okta pages collected {okta_entry['api_calls']:,} "
          f"({', '.join(f'{op} {n:,}' for op, n in sorted(counts.items()) if op != 'ReadExport')}"
          f"); failed {writer.failed}")
    wall = done.wall - after_hr.wall
    ours, theirs = (done.cpu - after_hr.cpu) / wall, \
        (done.server_cpu - after_hr.server_cpu) / wall
    print(f"  against this emulator (no rate limits; it answers from a prebuilt index): "
          f"govkit {ours:.0%} of a core, server {theirs:.0%}; govkit is the busier side")
    per_call = (done.cpu - after_hr.cpu) / max(okta_entry["api_calls"], 1)
    ceiling = OKTA_CUMULATIVE_PER_MINUTE / 60
    share = ceiling * per_call
    print(f"  against Okta itself: its highest published org-wide ceiling is "
          f"{OKTA_CUMULATIVE_PER_MINUTE:,} requests a minute ({ceiling:.0f}/s, Workforce "
          f"Identity); at {1000 * per_call:.2f} ms CPU a call govkit keeps up with it on "
          f"{share:.0%} of one core, and can make {1 / per_call:.0f} calls/s")
    print(f"  target: collection limited by the server, not govkit  "
          f"{'met' if share < 1 else 'MISSED'} (the {okta_entry['api_calls']:,} calls need "
          f"at least {okta_entry['api_calls'] / ceiling / 60:.0f} min at Okta's ceiling; "
          f"govkit's CPU for them is {done.cpu - after_hr.cpu:.0f} s)")
    return started


# -- IAM users ------------------------------------------------------------------------------

IamSpec = tuple[str, str, str | None, str | None, bool, str | None, str, bool, bool, bool, int]
# account, user name, employee_id tag, email tag, password enabled, password last used,
# created, mfa, access key active, admin, number


def iam_specs(workers: Sequence[Worker], count: int, now: dt.datetime,
              seed: int) -> list[IamSpec]:
    rng = random.Random(seed + 3)
    specs: list[IamSpec] = []

    def stamp(moment: dt.datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")

    for number in range(count):
        account = AWS_ACCOUNTS[number % len(AWS_ACCOUNTS)]
        created = stamp(now - dt.timedelta(days=rng.uniform(10, 2000)))
        if not workers or rng.random() < 0.1:  # a service user: keys, no person
            specs.append((account, f"svc-{rng.choice(('backup', 'etl', 'ci', 'hl7'))}-{number}",
                          None, None, False, None, created, False, True, False, number))
            continue
        worker = workers[rng.randrange(len(workers))]
        roll = rng.random()
        employee = worker.employee_id if roll < 0.85 else None
        email = worker.email if roll > 0.7 else None
        enabled = rng.random() < (0.4 if worker.left else 0.8)
        last_used = None
        if enabled and rng.random() < 0.9:
            last_used = stamp(now - dt.timedelta(days=rng.uniform(0, 30) if rng.random() < 0.85
                                                  else rng.uniform(91, 400)))
        specs.append((account, f"{worker.email.split('@')[0]}-{number}", employee, email,
                      enabled, last_used, created, rng.random() < 0.7,
                      rng.random() < (0.1 if worker.left else 0.3), rng.random() < 0.02, number))
    return specs


def iam_users(specs: Sequence[IamSpec], now: dt.datetime) -> tuple[list[Any], list[Any]]:
    """aws.iam.user resources as govkit's IAM normaliser builds them, and their coverage."""
    from govkit import canonical
    from govkit.inventory.model import Coverage, Ref, ResourceBuilder
    from govkit.sources.aws.normalize.account_fields import set_iam_user_fields
    from govkit.sources.aws.normalize.credential_report import (
        CREDENTIAL_FIELDS, CredentialReport)
    from govkit.sources.interface import NormalizeContext

    ctx = NormalizeContext(own_accounts=frozenset(AWS_ACCOUNTS))
    generated = now - dt.timedelta(minutes=5)
    note = f"credential report generated {canonical.iso_utc(generated)}"
    rows: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    built: list[tuple[str, dict[str, Any], int, int]] = []
    per_account: Counter[str] = Counter()
    for (account, name, employee, email, enabled, last_used, created, mfa, key, admin,
         number) in specs:
        arn = f"arn:aws:iam::{account}:user/{name}"
        position = per_account[account]
        per_account[account] += 1
        rotated = created if key else "N/A"
        rows[arn] = {"user": name, "arn": arn, "user_creation_time": created,
                     "password_enabled": str(enabled).lower(),
                     "password_last_used": last_used or ("no_information" if enabled else "N/A"),
                     "password_last_changed": created if enabled else "N/A",
                     "mfa_active": str(mfa).lower(),
                     "access_key_1_active": str(key).lower(),
                     "access_key_1_last_rotated": rotated,
                     "access_key_1_last_used_date": last_used if key and last_used else "N/A",
                     "access_key_2_active": "false", "access_key_2_last_rotated": "N/A",
                     "access_key_2_last_used_date": "N/A"}
        lines[arn] = position + 2
        tags = [{"Key": k, "Value": v} for k, v in (("employee_id", employee), ("email", email))
                if v]
        policies = [{"PolicyName": "AdministratorAccess",
                     "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}] if admin else []
        principal: dict[str, Any] = {
            "UserName": name, "Arn": arn, "Path": "/", "CreateDate": created, "Tags": tags,
            "GroupList": ["Developers"] if key else ["ReadOnly"], "UserPolicyList": [],
            "AttachedManagedPolicies": policies}
        built.append((account, principal, position, number))
    reports = {account: CredentialReport(
        {arn: row for arn, row in rows.items() if f"::{account}:" in arn},
        f"snapshots/{account}/global/iam/GetCredentialReport.a1b2c3d4e5f6.json", None, note,
        {arn: line for arn, line in lines.items() if f"::{account}:" in arn})
        for account in per_account}
    resources = []
    for account, principal, position, number in built:
        page, index = divmod(position, 1000)
        listing = f"snapshots/{account}/global/iam/GetAccountAuthorizationDetails.{page + 1}." \
                  "0f1e2d3c4b5a.json"
        entry = Ref(listing, f"/response/UserDetailList/{index}")
        builder = ResourceBuilder(id=principal["Arn"], type="aws.iam.user", account=account,
                                  region="global", name=principal["UserName"], item=entry)
        builder.set_tags({t["Key"]: t["Value"] for t in principal["Tags"]}, entry)
        builder.update({
            "Path": "/", "CreateDate": principal["CreateDate"],
            "AttachedPolicies": [{**p, "AwsManaged": True}
                                 for p in principal["AttachedManagedPolicies"]],
            "InlinePolicies": []}, entry)
        builder.set("Groups", sorted(principal["GroupList"]), entry)
        report = reports[account]
        row = report.rows[principal["Arn"]]
        source = report.ref_of(row)
        builder.update({"PasswordEnabled": row["password_enabled"] == "true",
                        "PasswordLastUsed": _report_value(row["password_last_used"]),
                        "PasswordLastChanged": _report_value(row["password_last_changed"]),
                        "MfaActive": row["mfa_active"] == "true"}, source)
        keys = [{"Slot": 1, "AccessKeyId": f"AKIA{number:016d}",
                 "Active": row["access_key_1_active"] == "true",
                 "LastRotated": _report_value(row["access_key_1_last_rotated"]),
                 "LastUsedDate": _report_value(row["access_key_1_last_used_date"])}] \
            if row["access_key_1_active"] == "true" else []
        key_refs = [source, Ref(f"snapshots/{account}/global/iam/ListAccessKeys."
                                f"{principal['UserName']}.9a8b7c6d5e4f.json",
                                "/response/AccessKeyMetadata")] if keys else [source]
        builder.set("AccessKeys", keys, key_refs)
        builder.set("ActiveAccessKeys", [k for k in keys if k["Active"]], key_refs)
        builder.note(CREDENTIAL_FIELDS, report.note)
        granting = [p["PolicyName"] for p in principal["AttachedManagedPolicies"]]
        builder.set("AdminPolicies", granting,
                    [entry, *([Ref(listing, "/response/Policies/0")] if granting else [])])
        set_iam_user_fields(builder, principal, entry, row, report, ctx)
        resources.append(builder.build())
    coverage = [Coverage(type="aws.iam.user", account=account, region="global",
                         source=f"snapshots/{account}/global/iam/"
                                "GetAccountAuthorizationDetails.1.0f1e2d3c4b5a.json")
                for account in per_account]
    return resources, coverage


def _report_value(text: str) -> str | None:
    return None if text in ("N/A", "no_information", "not_supported", "") else text


# -- join and evaluation, in a fresh process ------------------------------------------------

def judge_people(run_dir: str, specs: list[IamSpec], now_text: str, started_text: str,
                 profile: bool) -> dict[str, Any]:
    """Normalise, join and evaluate in this (fresh) process, as build_inventory and
    evaluate_all do in a scan; times, counts and the peak RSS."""
    from govkit.inventory.build import with_people
    from govkit.inventory.model import Coverage, Resource
    from govkit.people.join import JoinSettings, ServiceAccount
    from govkit.policy.evaluate import Settings, evaluate_all
    from govkit.policy.loader import load_policy_set
    from govkit.run import without_cycle_collection
    from govkit.snapshot import Snapshot
    from govkit.sources.interface import NormalizeContext
    from govkit.sources.registry import NORMALIZERS

    now, started = dt.datetime.fromisoformat(now_text), dt.datetime.fromisoformat(started_text)
    rules = [r for r in load_policy_set().rules if r.check is not None]
    began = time.perf_counter()
    resources, coverage = iam_users(specs, now)
    iam_seconds = time.perf_counter() - began
    del specs
    service = (ServiceAccount(pattern="svc-*", owner="platform-team@northbridge-health.example"),)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    with without_cycle_collection():  # as govkit.run.evaluate_run does
        snapshot = Snapshot.open(Path(run_dir))
        ctx = NormalizeContext(own_accounts=frozenset(AWS_ACCOUNTS), collection_started=started)
        spent: dict[str, float] = {}
        for normalizer in NORMALIZERS:  # as build_inventory does
            began = time.perf_counter()
            for item in normalizer(snapshot, ctx):
                if isinstance(item, Coverage):
                    coverage.append(item)
                elif isinstance(item, Resource):
                    resources.append(item)
            spent[normalizer.__module__.removeprefix("govkit.sources.")] = \
                time.perf_counter() - began
        began = time.perf_counter()
        inventory = with_people(resources, coverage, JoinSettings(service_accounts=service))
        joined = time.perf_counter() - began
        del resources, coverage
        peak_joined = peak_rss_mib()
        began = time.perf_counter()
        evaluation = evaluate_all(rules, inventory, now=now, period=Period.quarter_of(now),
                                  settings=Settings(service_accounts=service))
        evaluated = time.perf_counter() - began
    if profiler:
        profiler.disable()
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for result in evaluation.results:
        by_rule[result.rule_id][result.status.value] += 1
    report = ""
    if profiler:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
        report = text.getvalue()
    return {
        "iam_seconds": iam_seconds, "normalise": spent, "join": joined, "evaluate": evaluated,
        "rules": len(rules), "results": len(evaluation.results),
        "by_status": dict(Counter(r.status.value for r in evaluation.results)),
        "by_rule": {k: dict(v) for k, v in sorted(by_rule.items())},
        "types": dict(Counter(r.type for r in inventory.resources)),
        "reconciliation": dict(Counter(str(a.attributes.get("Reconciliation"))
                                       for a in inventory.of_type("identity.account"))),
        "peak_joined_mib": peak_joined,
        "peak_rss_mib": peak_rss_mib(),
        "profile": report}


# -- the run --------------------------------------------------------------------------------

def generate_and_collect(options: argparse.Namespace, root: Path, now: dt.datetime,
                         spawn: Any) -> tuple[Path, list[IamSpec], dt.datetime]:
    """Write the HR export, serve the Okta org from another process and collect both into
    ``root``/run; the IAM users' specs and when collection started."""
    print(f"people at scale: HR {options.hr:,} workers, Okta {options.okta:,} users, "
          f"IAM {options.iam:,} users; evaluated at {now.isoformat()} "
          f"(period {Period.quarter_of(now).name})")
    print(f"targets: join + evaluation under {TARGET_SECONDS:g} s and under {TARGET_MIB} MiB "
          "on 2 cores; collection limited by the server, not govkit")
    root.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    workers = roster(options.hr, now, options.seed)
    csv_path = root / "hr" / "workday-workers.csv"
    csv_path.parent.mkdir()
    rows = write_csv(workers, csv_path, options.seed)
    specs = iam_specs(workers, options.iam, now, options.seed)
    kinds = Counter(w.kind for w in workers)
    del workers
    print(f"\nHR export: {rows:,} rows, {csv_path.stat().st_size / 2**20:.1f} MiB "
          f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); "
          f"generated in {time.perf_counter() - began:.1f} s")
    ours, theirs = spawn.Pipe()
    server = spawn.Process(target=serve_okta, args=(options.hr, options.okta,
                                                    now.isoformat(), options.seed, theirs),
                           daemon=True)
    began = time.perf_counter()
    server.start()
    try:
        org = ours.recv()
        print(f"Okta org: {sum(org['statuses'].values()):,} users "
              f"({', '.join(f'{k} {n}' for k, n in sorted(org['statuses'].items()))}), "
              f"{org['groups']} groups, {org['apps']} apps, {org['factors']:,} factors, "
              f"{org['admins']} admins, {org['events']:,} System Log events; "
              f"server ready in {time.perf_counter() - began:.1f} s")
        run_dir = root / "run"
        started = collect_all(options, run_dir, csv_path, now, ours, org["url"])
    finally:
        served: dict[str, Any] = {}
        with contextlib.suppress(OSError):
            ours.send("stop")
            served = ours.recv() if ours.poll(60) else {}
        server.join(timeout=30)
    print(f"  server: {served.get('requests', 0):,} requests, "
          f"{served.get('cpu', 0.0):.1f} s CPU in all (incl. building the org), "
          f"peak RSS {served.get('peak_rss_mib', 0.0):.0f} MiB")
    return run_dir, specs, started


def judge(run_dir: Path, specs: list[IamSpec], now: dt.datetime, started: dt.datetime,
          profile: bool, spawn: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(judge_people, str(run_dir), specs, now.isoformat(),
                           started.isoformat(), profile).result()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hr", type=int, default=100_000)
    parser.add_argument("--okta", type=int, default=100_000)
    parser.add_argument("--iam", type=int, default=50_000)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the HR export and the run's snapshot in DIR (new folder)")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="skip generation and collection: judge the run a --keep left in "
                             "DIR again (for profiling the join and evaluation)")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top entries for the normalise/join/evaluate "
                             "process")
    options = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    if options.reuse is not None:
        kept = json.loads((options.reuse / "kept.json").read_text())
        now, started = (dt.datetime.fromisoformat(kept[k]) for k in ("now", "started"))
        options.hr, options.okta, options.iam, options.seed = \
            kept["hr"], kept["okta"], kept["iam"], kept["seed"]
        print(f"judging the run kept in {options.reuse} again: HR {options.hr:,}, Okta "
              f"{options.okta:,}, IAM {options.iam:,}; evaluated at {now.isoformat()}")
        specs = iam_specs(roster(options.hr, now, options.seed), options.iam, now, options.seed)
        run_dir = options.reuse / "run"
    else:
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch) if options.keep is None else options.keep
            run_dir, specs, started = generate_and_collect(options, root, now, spawn)
            if options.keep is not None:
                (root / "kept.json").write_text(json.dumps(
                    {"now": now.isoformat(), "started": started.isoformat(), "hr": options.hr,
                     "okta": options.okta, "iam": options.iam, "seed": options.seed}))
            else:
                judged = judge(run_dir, specs, now, started, options.profile, spawn)
    if options.reuse is not None or options.keep is not None:
        judged = judge(run_dir, specs, now, started, options.profile, spawn)
    print("\nnormalise, join and evaluate (a fresh process)")
    normalised = sum(judged["normalise"].values())
    for name, seconds in judged["normalise"].items():
        if seconds >= 0.005:
            print(f"  normalise {name:<26} {seconds:7.2f} s")
    print(f"  normalise, all sources               {normalised:7.2f} s "
          f"(+ {judged['iam_seconds']:.2f} s building the synthetic IAM users)")
    print(f"  join (people, accounts, inventory)   {judged['join']:7.2f} s")
    print(f"  evaluate ({judged['rules']} check-kind rules)       {judged['evaluate']:7.2f} s")
    total = judged["join"] + judged["evaluate"]
    print(f"  join + evaluation                    {total:7.2f} s   target < {TARGET_SECONDS:g} s"
          f"  {'met' if total < TARGET_SECONDS else 'MISSED'}")
    print(f"  normalise + join + evaluation        {normalised + total:7.2f} s")
    print(f"  peak RSS {judged['peak_rss_mib']:.0f} MiB (after the join: "
          f"{judged['peak_joined_mib']:.0f} MiB)   target < {TARGET_MIB} MiB  "
          f"{'met' if judged['peak_rss_mib'] < TARGET_MIB else 'MISSED'}")
    types = judged["types"]
    print(f"  inventory: {', '.join(f'{k} {n:,}' for k, n in sorted(types.items()))}")
    print(f"  accounts by reconciliation: "
          f"{', '.join(f'{k} {n:,}' for k, n in sorted(judged['reconciliation'].items()))}")
    print(f"  results {judged['results']:,} by status: "
          f"{', '.join(f'{k} {n:,}' for k, n in sorted(judged['by_status'].items()))}")
    for rule, counts in judged["by_rule"].items():
        print(f"    {rule:<46} {', '.join(f'{k} {n:,}' for k, n in sorted(counts.items()))}")
    if judged["profile"]:
        print("\n" + judged["profile"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Northbridge Health's people, for the demo: its HR export (Workday's column names), the
agent roster of its support vendor Meridian Contact Services, the role matrix, a quarter's
access review, and the Okta org both sign in through.

Compliant people sit beside one planted violation of every people check:

==================  ========================================================================
person              what the demo plants
==================  ========================================================================
Maria Santos        a scheduling agent with exactly her job's access (passes everything)
Grace Lim           left; notified in 2 hours, Okta deactivated 3 hours after (on time)
Daniel Reyes        left; notice 4 days late; Okta still active and signed in 3 days after
Tomas Vega          left; Okta suspended 9 days after the termination
Kofi Mensah         a scheduler holding billing approval and Epic Billing; his review's
                    revocation of the approval group was never carried out
Ivy Chen            billing clerk who can both create (Entra) and approve (Okta) payments
Li Wei              active, last signed in 120 days ago; her review went unanswered
Jon Bell            active with no second factor
Ruth Okafor,        hospital leavers on the Entra side (see govkit.demo.graph_tenant)
Leo Park
Ana Cruz, Ben Tan   two agents sharing the night-shift login
Alan Wu             termination dated 10 days in the future: not a leaver yet
Beth Moore          on leave: not a leaver
Carl Diaz           terminated last year, rehired since: active
temp.agent7         an Okta account nobody owns
svc-scheduler       a declared service account
==================  ========================================================================

Times are laid out backwards from the scan so the leavers fall in the current audit period
(the previous one in the first days of a quarter, see :func:`demo_period`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from govkit.checks.interface import Period
from govkit.demo.idp.okta import OktaApp, OktaDirectory, OktaGroup, OktaUser

HOSPITAL_DOMAIN = "northbridge-health.example"
VENDOR_DOMAIN = "meridian-cs.example"
OKTA_TENANT = "northbridge.okta.com"
HR_ZONE = "America/Chicago"
ROSTER_ZONE = "Asia/Manila"
MIN_ROOM = dt.timedelta(days=12)  # fewer days into a quarter: use the previous one


def demo_period(now: dt.datetime) -> Period:
    """The audit period the demo reports: the current quarter, or the previous one while the
    current has too few days behind it for the planted leavers."""
    current = Period.quarter_of(now)
    if now - current.start >= MIN_ROOM:
        return current
    return Period.quarter_of(current.start - dt.timedelta(days=1))


@dataclass(frozen=True)
class Timeline:
    """Days before the anchor, squeezed to fit between the period's start and the scan."""

    anchor: dt.datetime
    factor: float

    @classmethod
    def of(cls, now: dt.datetime, period: Period) -> Timeline:
        anchor = min(now, period.end) - dt.timedelta(hours=1)
        room = (anchor - period.start).total_seconds() / 86400 - 1
        return cls(anchor, min(1.0, room / 45))

    def days_ago(self, days: float) -> dt.datetime:
        return self.anchor - dt.timedelta(days=days * self.factor)

    def date(self, days: float) -> dt.date:
        return self.days_ago(days).date()


def end_of_day(day: dt.date, zone: str) -> dt.datetime:
    from zoneinfo import ZoneInfo
    local = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZoneInfo(zone))
    return local.astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class DemoPeople:
    """The input files written and the Okta org to serve."""

    hr_file: Path
    roster_file: Path
    roles_file: Path
    okta: OktaDirectory
    period: Period
    timeline: Timeline


def write_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _hr_rows(t: Timeline) -> list[list[str]]:
    future = (t.anchor + dt.timedelta(days=10)).date()
    long_ago = t.anchor - dt.timedelta(days=800)
    return [
        ["Employee_ID", "Worker", "Primary_Work_Email", "Worker_Status", "Hire_Date",
         "Termination_Date", "Last_Day_of_Work", "Job_Code", "Worker_Type", "Manager_ID"],
        ["NB-2001", "Priya Shah", f"priya.shah@{HOSPITAL_DOMAIN}", "Active", "2019-04-01", "",
         "", "IT_ADMIN", "Employee", "NB-1000"],
        ["NB-2002", "Sam Ortiz", f"sam.ortiz@{HOSPITAL_DOMAIN}", "Active", "2020-06-15", "",
         "", "IT_ADMIN", "Employee", "NB-1000"],
        ["NB-2044", "Ruth Okafor", f"ruth.okafor@{HOSPITAL_DOMAIN}", "Terminated",
         "2017-05-01", t.date(12).isoformat(), t.date(12).isoformat(), "NURSE", "Employee",
         "NB-1020"],
        ["NB-2050", "Leo Park", f"leo.park@{HOSPITAL_DOMAIN}", "Terminated", "2023-08-21",
         t.date(20).isoformat(), t.date(20).isoformat(), "NURSE", "Employee", "NB-1020"],
        ["NB-2101", "Ivy Chen", f"ivy.chen@{HOSPITAL_DOMAIN}", "Active", "2022-02-14", "", "",
         "BILLING_CLERK", "Employee", "NB-1010"],
        ["NB-2060", "Alan Wu", f"alan.wu@{HOSPITAL_DOMAIN}", "Active", "2021-09-07",
         future.isoformat(), future.isoformat(), "NURSE", "Employee", "NB-1020"],
        ["NB-2070", "Beth Moore", f"beth.moore@{HOSPITAL_DOMAIN}", "On Leave", "2018-01-08",
         "", "", "NURSE", "Employee", "NB-1020"],
        ["NB-2080", "Carl Diaz", f"carl.diaz@{HOSPITAL_DOMAIN}", "Terminated",
         long_ago.date().isoformat(), (long_ago + dt.timedelta(days=500)).date().isoformat(),
         "", "NURSE", "Employee", "NB-1020"],
        ["NB-2080", "Carl Diaz", f"carl.diaz@{HOSPITAL_DOMAIN}", "Active",
         (t.anchor - dt.timedelta(days=100)).date().isoformat(), "", "", "NURSE", "Employee",
         "NB-1020"],
    ]


def _roster_rows(t: Timeline) -> list[list[str]]:
    def left(days: float) -> str:
        return t.date(days).isoformat()

    def notified(days: float, hours: float) -> str:
        moment = end_of_day(t.date(days), ROSTER_ZONE) + dt.timedelta(hours=hours)
        return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()

    agents = [("M-1001", "Maria Santos", "maria.santos", "active", "", ""),
              ("M-1003", "Kofi Mensah", "kofi.mensah", "active", "", ""),
              ("M-1004", "Grace Lim", "grace.lim", "terminated", left(30), notified(30, 2)),
              ("M-1005", "Li Wei", "li.wei", "active", "", ""),
              ("M-1006", "Jon Bell", "jon.bell", "active", "", ""),
              ("M-1007", "Daniel Reyes", "daniel.reyes", "terminated", left(25),
               notified(25, 96)),
              ("M-1009", "Tomas Vega", "tomas.vega", "terminated", left(40), notified(40, 1)),
              ("M-1012", "Ana Cruz", "nightshift", "active", "", ""),
              ("M-1013", "Ben Tan", "nightshift", "active", "", "")]
    rows = [["agent_id", "full_name", "work_email", "status", "start_date", "end_ts",
             "notified_at", "role", "site"]]
    for agent_id, name, handle, status, end, notice in agents:
        rows.append([agent_id, name, f"{handle}@{VENDOR_DOMAIN}", status, "2025-03-03", end,
                     notice, "PATIENT_SCHEDULER", "Cebu"])
    return rows


ROLE_MATRIX = """\
# What each job may hold (HR Job_Code and the roster's role), and what no one holds together.
jobs:
  PATIENT_SCHEDULER:
    groups: [Meridian-Agents]
    applications: [AppStream PHI Desk]
    permission_sets: [PatientSchedulingDesk]
  IT_ADMIN:
    groups: [IT-Admins]
    applications: [Okta Admin Console, AWS IAM Identity Center]
    permission_sets: [AdministratorAccess]
  BILLING_CLERK:
    groups: [Billing-Payments-Create]
    applications: [Epic Billing]
  NURSE:
    groups: [Clinical-Staff]
    applications: [Epic Hyperspace]
separation_of_duties:
  - [Billing-Payments-Create, Billing-Payments-Approve]
"""


def okta_grants(directory: OktaDirectory) -> dict[str, list[str]]:
    """Each active Okta user's login and what it holds: its groups and applications."""
    held: dict[str, list[str]] = {}
    for user in directory.users:
        if user.status != "ACTIVE":
            continue
        groups = [g for g in directory.groups if user.id in g.members]
        apps = [a.label for a in directory.apps if user.id in a.users
                or any(g.id in a.groups for g in groups)]
        held[user.login] = [g.name for g in groups] + apps
    return held


def _okta(t: Timeline) -> OktaDirectory:
    def agent(number: int, handle: str, employee: str | None, **more: object) -> OktaUser:
        return OktaUser(id=f"00u{number:017d}", login=f"{handle}@{VENDOR_DOMAIN}",
                        employee_number=employee, user_type="Contractor",
                        organization="Meridian Contact Services",
                        created=t.anchor - dt.timedelta(days=300), **more)  # type: ignore[arg-type]

    grace_end = end_of_day(t.date(30), ROSTER_ZONE)
    daniel_end = end_of_day(t.date(25), ROSTER_ZONE)
    tomas_end = end_of_day(t.date(40), ROSTER_ZONE)
    users = [
        agent(1, "maria.santos", "M-1001", last_login=t.days_ago(1)),
        agent(3, "kofi.mensah", "M-1003", last_login=t.days_ago(2)),
        agent(4, "grace.lim", "M-1004", status="DEPROVISIONED",
              status_changed=grace_end + dt.timedelta(hours=3),
              last_login=grace_end - dt.timedelta(hours=5)),
        agent(5, "li.wei", "M-1005", last_login=t.anchor - dt.timedelta(days=120)),
        agent(6, "jon.bell", "M-1006", last_login=t.days_ago(3)),
        agent(7, "daniel.reyes", "M-1007", last_login=daniel_end + dt.timedelta(days=3)),
        agent(9, "tomas.vega", "M-1009", status="SUSPENDED",
              status_changed=tomas_end + dt.timedelta(days=9),
              last_login=tomas_end - dt.timedelta(hours=8)),
        agent(12, "nightshift", None, last_login=t.days_ago(1)),
        agent(77, "temp.agent7", None, last_login=t.days_ago(4)),
        OktaUser(id="00u00000000000000101", login=f"priya.shah@{HOSPITAL_DOMAIN}",
                 employee_number="NB-2001", user_type="Employee", last_login=t.days_ago(1),
                 created=t.anchor - dt.timedelta(days=900)),
        OktaUser(id="00u00000000000000121", login=f"ivy.chen@{HOSPITAL_DOMAIN}",
                 employee_number="NB-2101", user_type="Employee", last_login=t.days_ago(2),
                 created=t.anchor - dt.timedelta(days=700)),
        OktaUser(id="00u00000000000000199", login=f"svc-scheduler@{HOSPITAL_DOMAIN}",
                 user_type="Service", last_login=t.days_ago(1),
                 created=t.anchor - dt.timedelta(days=400)),
    ]
    ids = {u.login.split("@")[0]: u.id for u in users}
    agents = tuple(ids[h] for h in ("maria.santos", "kofi.mensah", "li.wei", "jon.bell",
                                    "daniel.reyes", "nightshift", "temp.agent7"))
    groups = [OktaGroup(id="00g00000000000000001", name="Meridian-Agents", members=agents),
              OktaGroup(id="00g00000000000000002", name="IT-Admins",
                        members=(ids["priya.shah"],)),
              OktaGroup(id="00g00000000000000003", name="Billing-Payments-Approve",
                        members=(ids["kofi.mensah"], ids["ivy.chen"]))]
    apps = [OktaApp(id="0oa00000000000000001", label="AppStream PHI Desk",
                    groups=("00g00000000000000001",)),
            OktaApp(id="0oa00000000000000002", label="Epic Billing",
                    users=(ids["kofi.mensah"], ids["ivy.chen"])),
            OktaApp(id="0oa00000000000000003", label="Okta Admin Console",
                    groups=("00g00000000000000002",))]
    directory = OktaDirectory(users=users, groups=groups, apps=apps, admins=[ids["priya.shah"]])
    for handle in ("maria.santos", "kofi.mensah", "li.wei", "daniel.reyes", "nightshift",
                   "temp.agent7", "ivy.chen", "svc-scheduler", "tomas.vega"):
        directory.enrol(ids[handle], "push")
    directory.enrol(ids["priya.shah"], "webauthn", "push")
    by_id = {u.id: u for u in users}
    directory.log(by_id[ids["grace.lim"]], "user.lifecycle.deactivate",
                  grace_end + dt.timedelta(hours=3))
    directory.log(by_id[ids["tomas.vega"]], "user.lifecycle.suspend",
                  tomas_end + dt.timedelta(days=9))
    return directory


def write_people(folder: Path, now: dt.datetime) -> DemoPeople:
    """Write the HR export, the roster, the role matrix and the review export into
    ``folder``; the Okta org to serve alongside them."""
    period = demo_period(now)
    timeline = Timeline.of(now, period)
    folder.mkdir(parents=True, exist_ok=True)
    files = {"workday-workers.csv": write_csv(_hr_rows(timeline)),
             "meridian-agents.csv": write_csv(_roster_rows(timeline)),
             "roles.yaml": ROLE_MATRIX}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return DemoPeople(hr_file=folder / "workday-workers.csv",
                      roster_file=folder / "meridian-agents.csv",
                      roles_file=folder / "roles.yaml",
                      okta=_okta(timeline), period=period, timeline=timeline)

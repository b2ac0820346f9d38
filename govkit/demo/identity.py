"""The demo's identity side: the people files and the identity providers, described by a
configuration file exactly as a user would write one.

``identity_side`` writes Northbridge's HR export, Meridian's roster, the role matrix and the
access-review export under ``<out>/inputs``, starts loopback servers speaking the Okta
Management API and Microsoft Graph (with its token endpoint), and writes
``<out>/inputs/govkit.yaml`` naming them all. The API secrets reach the scan only through the
environment variables the file names, as in production; the servers stop when the block ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from importlib import resources
from typing import Any

from govkit.config import Config, load_config
from govkit.demo.graph_tenant import GRAPH_SECRET, TENANT_ID, CLIENT_ID, graph_tenant
from govkit.demo.idp.arm import serving_demo_tenant
from govkit.demo.idp.graph import GraphServer
from govkit.demo.idp.okta import OktaServer
from govkit.demo.idp.graph import GraphTenant
from govkit.demo.run import environment
from govkit.demo.register import REGISTER_FILE, write_register
from govkit.demo.people import (
    HOSPITAL_DOMAIN, VENDOR_DOMAIN, DemoPeople, okta_grants, write_csv, write_people)

OKTA_TOKEN_ENV = "GOVKIT_DEMO_OKTA_TOKEN"
ENTRA_SECRET_ENV = "GOVKIT_DEMO_ENTRA_SECRET"
OKTA_TOKEN = "00demoNorthbridgeOktaToken"  # a demo value for a loopback server, not a secret


def review_rows(people: DemoPeople, tenant: GraphTenant) -> list[list[str]]:
    """The quarter's access review: every grant of every active account accepted, except
    Kofi Mensah's billing approval and Epic Billing (revoked, but never carried out), Li
    Wei's grants (her reviewer never answered) and the accounts nobody owns (never listed)."""
    when = people.timeline.days_ago(20).strftime("%Y-%m-%dT%H:%M:%SZ")
    vendor_lead, hospital_lead = f"ops.lead@{VENDOR_DOMAIN}", f"it.lead@{HOSPITAL_DOMAIN}"
    rows = [["reviewer", "account", "grant", "decision", "decided_at"]]
    for login, grants in sorted(okta_grants(people.okta).items()):
        if login.startswith(("temp.agent7@", "svc-")):
            continue
        reviewer = vendor_lead if login.endswith(VENDOR_DOMAIN) else hospital_lead
        for grant in grants:
            decision = "accept"
            if login.startswith("li.wei@"):
                decision = "no response"
            elif login.startswith("kofi.mensah@") and grant in ("Billing-Payments-Approve",
                                                                 "Epic Billing"):
                decision = "revoke"
            rows.append([reviewer, login, grant, decision,
                         "" if decision == "no response" else when])
    names = {g["id"]: g["displayName"] for g in tenant.groups}
    apps = {a["principalId"]: a["resourceDisplayName"] for a in tenant.app_role_assignments}
    for user in tenant.users:
        if not user["accountEnabled"] or user["userPrincipalName"].startswith("test."):
            continue
        groups = [g for g, members in tenant.members.items() if user["id"] in members]
        for grant in [names[g] for g in groups] + [apps[g] for g in groups if g in apps]:
            rows.append([hospital_lead, user["userPrincipalName"], grant, "accept", when])
    return rows


CITRIX_EXPORT = "citrix-nbh-daas.json"
# the AVD session hosts' Group Policy time limits, as the documented PowerShell command prints
# them on each host: hp-meridian-agents' two hosts are within the vdi-* rules' defaults; the
# billing pool's host has no idle limit (MaxIdleTime not set)
AVD_SESSION_HOSTS = "avd-session-hosts.json"


@dataclass(frozen=True)
class IdentitySide:
    config: Config
    config_path: Path
    people: DemoPeople


def _config_text(people: DemoPeople, okta_url: str, graph_url: str,
                 avd: Mapping[str, Any]) -> str:
    return f"""\
# Written by govkit demo: the sources of Northbridge Health's scan besides AWS.
timezone: America/Chicago
okta:
  org_url: {okta_url}
  tenant: northbridge.okta.com
  token_env: {OKTA_TOKEN_ENV}
entra:
  tenant_id: {TENANT_ID}
  client_id: {CLIENT_ID}
  client_secret_env: {ENTRA_SECRET_ENV}
  authority_url: {graph_url}
  graph_url: {graph_url}
hr:
  - path: {people.hr_file.name}
    preset: workday
    columns: {{name: Worker}}
vendors:
  - name: Meridian Contact Services
    path: {people.roster_file.name}
    timezone: Asia/Manila
    columns: {{person_id: agent_id, name: full_name, email: work_email, status: status,
              hired_at: start_date, terminated_at: end_ts, notified_at: notified_at,
              job: role}}
service_accounts:
  - {{pattern: "svc-*@northbridge-health.example", owner: it-ops@northbridge-health.example}}
role_matrix: {people.roles_file.name}
access_reviews: access-review-{people.period.name}.csv
vendor_register: {REGISTER_FILE}
avd: {json.dumps(dict(avd))}
citrix: {{site: nbh-daas, export: {CITRIX_EXPORT}}}
"""


@contextlib.contextmanager
def identity_side(out: Path, now: dt.datetime) -> Iterator[IdentitySide]:
    people = write_people(out / "inputs", now)
    write_register(out / "inputs", now)
    # the Citrix DaaS policies and delivery groups, as the documented export script saves them
    for name in (CITRIX_EXPORT, AVD_SESSION_HOSTS):
        (out / "inputs" / name).write_bytes(
            resources.files("govkit.demo").joinpath("data", name).read_bytes())
    tenant = graph_tenant(people.timeline)
    (out / "inputs" / f"access-review-{people.period.name}.csv").write_text(
        write_csv(review_rows(people, tenant)), encoding="utf-8")
    okta = OktaServer(people.okta, token=OKTA_TOKEN)
    graph = GraphServer(tenant, tenant_id=TENANT_ID, client_id=CLIENT_ID,
                        client_secret=GRAPH_SECRET)
    with contextlib.ExitStack() as stack:
        stack.enter_context(okta)
        stack.enter_context(graph)
        arm = stack.enter_context(serving_demo_tenant())
        path = out / "inputs" / "govkit.yaml"
        avd = {**arm.section(), "session_hosts": AVD_SESSION_HOSTS}
        path.write_text(_config_text(people, okta.url, graph.url, avd), encoding="utf-8")
        stack.enter_context(environment({OKTA_TOKEN_ENV: OKTA_TOKEN,
                                         ENTRA_SECRET_ENV: GRAPH_SECRET, **arm.environ()}))
        yield IdentitySide(load_config(path), path, people)

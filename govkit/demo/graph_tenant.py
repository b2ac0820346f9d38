"""Northbridge Health's Entra ID tenant, for the demo: the hospital's employees sign in
through it (the vendor's agents through Okta, see govkit.demo.people).

==================  ========================================================================
person              what the demo plants
==================  ========================================================================
Priya Shah          IT administrator with a FIDO2 key (passes)
Sam Ortiz           IT administrator with push approval only: not phishing-resistant
Ivy Chen            billing clerk creating payments here (and approving them in Okta)
Ruth Okafor         left; account disabled 3 hours after the end of her last day (on time)
Leo Park            left; still enabled, and signed in two days after
Alan Wu             termination scheduled after the scan: still enabled, rightly
Beth Moore          on leave: enabled, rightly
Carl Diaz           rehired: enabled, rightly
test.agent          created two months ago, never signed in, nobody's
==================  ========================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from govkit.demo.idp.graph import GraphTenant
from govkit.demo.people import HOSPITAL_DOMAIN, HR_ZONE, Timeline, end_of_day

TENANT_ID = "5f1c0a7e-2b44-4d1e-9a0c-6e2f1b9d7a31"
CLIENT_ID = "8c2d4e6f-1a3b-4c5d-8e9f-0a1b2c3d4e5f"
GRAPH_SECRET = "demo-loopback-client-secret"  # a demo value for a loopback server


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(number: int, handle: str, employee: str | None, enabled: bool, created: dt.datetime,
          last: dt.datetime | None) -> dict[str, Any]:
    upn = f"{handle}@{HOSPITAL_DOMAIN}"
    sign_in = {"lastSignInDateTime": _iso(last) if last else None,
               "lastNonInteractiveSignInDateTime": _iso(last) if last else None,
               "lastSuccessfulSignInDateTime": _iso(last) if last else None}
    return {"id": f"7d0c{number:04d}-0000-4000-8000-{number:012d}", "userPrincipalName": upn,
            "displayName": handle.replace(".", " ").title(), "mail": upn, "otherMails": [],
            "accountEnabled": enabled, "userType": "Member", "employeeId": employee,
            "employeeType": "Employee", "companyName": "Northbridge Health",
            "department": None, "createdDateTime": _iso(created),
            "employeeHireDate": None, "employeeLeaveDateTime": None,
            "onPremisesImmutableId": None, "signInActivity": sign_in}


def graph_tenant(t: Timeline) -> GraphTenant:
    old = t.anchor - dt.timedelta(days=800)
    ruth_end = end_of_day(t.date(12), HR_ZONE)
    leo_end = end_of_day(t.date(20), HR_ZONE)
    users = [
        _user(1, "priya.shah", "NB-2001", True, old, t.days_ago(1)),
        _user(2, "sam.ortiz", "NB-2002", True, old, t.days_ago(2)),
        _user(3, "ivy.chen", "NB-2101", True, old, t.days_ago(1)),
        _user(4, "ruth.okafor", "NB-2044", False, old, ruth_end - dt.timedelta(hours=6)),
        _user(5, "leo.park", "NB-2050", True, old, leo_end + dt.timedelta(days=2)),
        _user(6, "alan.wu", "NB-2060", True, old, t.days_ago(1)),
        _user(7, "beth.moore", "NB-2070", True, old, t.days_ago(40)),
        _user(8, "carl.diaz", "NB-2080", True, old, t.days_ago(3)),
        _user(9, "test.agent", None, True, t.anchor - dt.timedelta(days=60), None),
    ]
    ids = {u["userPrincipalName"].split("@")[0]: u["id"] for u in users}
    users[3]["employeeLeaveDateTime"] = _iso(ruth_end)
    users[4]["employeeLeaveDateTime"] = _iso(leo_end)
    methods = {"priya.shah": ["fido2", "microsoftAuthenticatorPush"],
               "sam.ortiz": ["microsoftAuthenticatorPush"],
               "ivy.chen": ["microsoftAuthenticatorPush"], "leo.park": ["softwareOneTimePasscode"],
               "alan.wu": ["microsoftAuthenticatorPush"], "beth.moore": ["mobilePhone"],
               "carl.diaz": ["microsoftAuthenticatorPush"], "test.agent": []}
    registration = [{"id": ids[h], "userPrincipalName": f"{h}@{HOSPITAL_DOMAIN}",
                     "isAdmin": h in ("priya.shah", "sam.ortiz"), "isMfaRegistered": bool(m),
                     "methodsRegistered": m} for h, m in methods.items()]
    audit = {"id": "audit-0001", "category": "UserManagement", "result": "success",
             "activityDisplayName": "Disable account",
             "activityDateTime": _iso(ruth_end + dt.timedelta(hours=3)),
             "loggedByService": "Core Directory", "operationType": "Update",
             "initiatedBy": {"user": {"id": ids["priya.shah"],
                                      "userPrincipalName": f"priya.shah@{HOSPITAL_DOMAIN}"},
                             "app": None},
             "targetResources": [{"id": ids["ruth.okafor"], "type": "User",
                                  "displayName": None, "userPrincipalName": None,
                                  "modifiedProperties": []}]}
    groups = {"grp-it-admins": "IT-Admins", "grp-billing-create": "Billing-Payments-Create",
              "grp-clinical": "Clinical-Staff"}
    members = {"grp-it-admins": [ids["priya.shah"], ids["sam.ortiz"]],
               "grp-billing-create": [ids["ivy.chen"]],
               "grp-clinical": [ids[h] for h in ("leo.park", "alan.wu", "beth.moore",
                                                 "carl.diaz", "ruth.okafor")]}
    apps = {"sp-epic-hyperspace": "Epic Hyperspace", "sp-epic-billing": "Epic Billing"}
    assigned = {"sp-epic-hyperspace": "grp-clinical", "sp-epic-billing": "grp-billing-create"}
    return GraphTenant(
        users=users,
        groups=[{"id": g, "displayName": n, "securityEnabled": True} for g, n in groups.items()],
        members=members,
        service_principals=[{"id": s, "appId": f"app-{s}", "displayName": n}
                            for s, n in apps.items()],
        app_role_assignments=[{"id": f"as-{s}", "principalId": g, "principalType": "Group",
                               "principalDisplayName": groups[g], "resourceId": s,
                               "resourceDisplayName": apps[s],
                               "appRoleId": "00000000-0000-0000-0000-000000000000",
                               "createdDateTime": "2025-01-01T00:00:00Z"}
                              for s, g in assigned.items()],
        registration_details=registration, directory_audits=[audit])

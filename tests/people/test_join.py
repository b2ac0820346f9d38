"""The join of HR and vendor-roster records with every account: who owns what, and what each
person's accounts say, each fact still pointing at its record."""

from __future__ import annotations

from collections.abc import Sequence

from govkit.inventory.model import Coverage, Ref, Resource
from govkit.people.join import JoinSettings, People, ServiceAccount, join
from govkit.people.roles import RoleMatrix
from tests.people.factories import (
    ENTRA, OKTA, REVIEW_FILE, REVIEWS_READ, account, agent, failure, hr, join_all, listed,
    review, role_matrix, rosters_read, users_file)

SERVICES = JoinSettings(service_accounts=(
    ServiceAccount(pattern="SVC-*@northbridge-health.example", owner="platform-team"),))
GRAPH_DENIED = failure(
    f"GET /v1.0/users?$select=employeeId in {ENTRA}", "graph:ListUsers", "Forbidden",
    "Insufficient privileges to complete the operation.", f"entra/{ENTRA}/ListUsers-0001.json")


def state(people: People, login: str) -> Resource:
    [found] = [a for a in people.accounts if a.attributes["Login"] == login]
    return found


def person(people: People, person_id: str) -> Resource:
    [found] = [p for p in people.persons if p.attributes["PersonId"] == person_id]
    return found


def logins(person_resource: Resource) -> list[str]:
    return [a["Login"] for a in person_resource.attributes["Accounts"]]


def test_employee_id_beats_a_matching_email_address() -> None:
    people = join_all([
        hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
        hr("NB-2101", "Ivy Chen", "ivy.chen@northbridge-health.example"),
        # Ivy's old mailbox, reassigned to Ruth's account: the employee id is what counts
        account("okta", "ivy.chen@northbridge-health.example", employee_id="NB-2044"),
    ])
    linked = state(people, "ivy.chen@northbridge-health.example")
    assert linked.attributes["Reconciliation"] == "linked"
    assert linked.attributes["MatchedBy"] == "employee_id"
    assert linked.attributes["PersonIds"] == ["NB-2044"]
    assert logins(person(people, "NB-2044")) == ["ivy.chen@northbridge-health.example"]
    assert logins(person(people, "NB-2101")) == []
    assert person(people, "NB-2044").attributes["Accounts"][0]["MatchedBy"] == "employee_id"


def test_employee_id_is_compared_without_case_or_surrounding_spaces() -> None:
    people = join_all([hr("M-1001", "Maria Santos", "maria.santos@meridian-cs.example"),
                       account("entra", "msantos@northbridge.onmicrosoft.com",
                               email=None, employee_id="  m-1001 ")])
    assert state(people, "msantos@northbridge.onmicrosoft.com").attributes["PersonIds"] == \
        ["M-1001"]


def test_an_external_id_links_when_the_employee_id_matches_no_one() -> None:
    people = join_all([
        agent("M-1001", "Maria Santos", "maria.santos@meridian-cs.example"),
        account("identitycenter", "msantos", email="m.santos@meridian-cs.example",
                employee_id="X-404", external_ids=["M-1001"], permission_sets=[]),
    ])
    linked = state(people, "msantos")
    assert (linked.attributes["Reconciliation"], linked.attributes["MatchedBy"],
            linked.attributes["PersonIds"]) == ("linked", "external_id", ["M-1001"])
    assert logins(person(people, "M-1001")) == ["msantos"]


def test_an_email_address_matches_whatever_its_case_and_surrounding_spaces() -> None:
    people = join_all([
        hr("NB-2044", "Ruth Okafor", "  Ruth.Okafor@Northbridge-Health.EXAMPLE "),
        account("google", "RUTH.OKAFOR@northbridge-health.example"),
    ])
    ruth = person(people, "NB-2044")
    assert ruth.attributes["Emails"] == ["ruth.okafor@northbridge-health.example"]
    linked = state(people, "RUTH.OKAFOR@northbridge-health.example")
    assert (linked.attributes["Reconciliation"], linked.attributes["MatchedBy"]) == \
        ("linked", "email")
    assert logins(ruth) == ["RUTH.OKAFOR@northbridge-health.example"]


def test_two_agents_sharing_a_team_mailbox_are_two_people_disputing_its_account() -> None:
    people = join_all([
        agent("M-1012", "Ana Lopes", "nightshift@meridian-cs.example"),
        agent("M-1013", "Ben Osei", "NightShift@meridian-cs.example", row=1),
        account("okta", "nightshift@meridian-cs.example"),
    ])
    assert sorted(p.attributes["PersonId"] for p in people.persons) == ["M-1012", "M-1013"]
    shared = state(people, "nightshift@meridian-cs.example")
    assert shared.attributes["Reconciliation"] == "disputed"
    assert shared.attributes["PersonIds"] == ["M-1012", "M-1013"]
    assert shared.attributes["MatchedBy"] == "email"
    # a disputed account belongs to neither: neither person's departure would judge it
    assert logins(person(people, "M-1012")) == logins(person(people, "M-1013")) == []
    # the records of both people prove the dispute
    assert {ref.row for ref in shared.sources["PersonIds"]} == {2, 3}


def test_an_employee_id_two_people_hold_is_disputed() -> None:
    people = join_all([
        hr("1001", "Grace Lim", "grace.lim@northbridge-health.example"),
        agent("1001", "Grace Lin", "grace.lin@meridian-cs.example"),
        account("okta", "glim", email=None, employee_id="1001"),
    ])
    disputed = state(people, "glim")
    assert (disputed.attributes["Reconciliation"], disputed.attributes["MatchedBy"]) == \
        ("disputed", "employee_id")
    assert len(people.persons) == 2


def test_a_declared_service_account_is_matched_by_pattern_whatever_the_case() -> None:
    people = join_all([hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
                       account("okta", "Svc-Scheduler@Northbridge-Health.example")],
                      settings=SERVICES)
    service = state(people, "Svc-Scheduler@Northbridge-Health.example")
    assert service.attributes["Reconciliation"] == "service"
    assert service.attributes["Owner"] == "platform-team"
    assert service.attributes["PersonIds"] == []
    assert service.sources["Owner"][0].file == users_file("okta")


def test_a_person_matching_a_service_pattern_is_still_the_owner() -> None:
    people = join_all([hr("NB-3001", "Sam Vick", "svc-sam@northbridge-health.example"),
                       account("okta", "svc-sam@northbridge-health.example")],
                      settings=SERVICES)
    linked = state(people, "svc-sam@northbridge-health.example")
    assert linked.attributes["Reconciliation"] == "linked"
    assert "Owner" not in linked.attributes


def test_an_account_matching_no_one_is_an_orphan() -> None:
    people = join_all([hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
                       account("entra", "test.agent@northbridge-health.example",
                               employee_id="NB-9999")], settings=SERVICES)
    orphan = state(people, "test.agent@northbridge-health.example")
    assert orphan.attributes["Reconciliation"] == "orphan"
    assert orphan.attributes["PersonIds"] == []
    assert orphan.attributes["MatchedBy"] is None
    assert "Reconciliation" not in orphan.failures


def test_an_account_whose_employee_id_was_not_read_is_unknown_not_orphan() -> None:
    people = join_all([
        hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
        account("entra", "r.okafor@northbridge.onmicrosoft.com", email=None,
                failed={"EmployeeId": GRAPH_DENIED}),
        # the same failure, but its address still finds its owner
        account("entra", "ruth.okafor@northbridge-health.example", user_id="b7e2",
                failed={"EmployeeId": GRAPH_DENIED}),
    ])
    unknown = state(people, "r.okafor@northbridge.onmicrosoft.com")
    assert "Reconciliation" not in unknown.attributes
    assert unknown.failures["Reconciliation"] == GRAPH_DENIED
    assert unknown.failures["PersonIds"] == GRAPH_DENIED
    found = state(people, "ruth.okafor@northbridge-health.example")
    assert (found.attributes["Reconciliation"], found.attributes["MatchedBy"]) == \
        ("linked", "email")


def test_an_hr_record_and_a_roster_record_with_one_address_are_one_person() -> None:
    people = join_all([
        hr("NB-7001", "Daniel Reyes", "daniel.reyes@meridian-cs.example", job="AGENT_LEAD",
           vendor="Meridian Contact Services"),
        agent("M-1007", "Daniel Reyes", "Daniel.Reyes@meridian-cs.example"),
        account("okta", "dreyes", email=None, employee_id="M-1007"),
        account("entra", "daniel.reyes@meridian-cs.example"),
    ])
    [daniel] = people.persons
    assert daniel.attributes["PersonId"] == "NB-7001"  # the HR record comes first
    assert [(r["Type"], r["PersonId"]) for r in daniel.attributes["Records"]] == \
        [("hr.person", "NB-7001"), ("vendor.agent", "M-1007")]
    assert daniel.attributes["Jobs"] == ["AGENT_LEAD", "PATIENT_SCHEDULER"]
    assert daniel.attributes["Vendor"] == "Meridian Contact Services"
    # either record's id finds the person
    assert sorted(logins(daniel)) == ["daniel.reyes@meridian-cs.example", "dreyes"]
    assert state(people, "dreyes").attributes["PersonIds"] == ["M-1007", "NB-7001"]


def test_someone_who_left_the_hospital_but_still_works_for_the_vendor_has_not_left() -> None:
    people = join_all([
        hr("NB-7001", "Daniel Reyes", "daniel.reyes@meridian-cs.example",
           status="terminated", terminated_at="2026-10-16T04:59:59Z"),
        agent("M-1007", "Daniel Reyes", "daniel.reyes@meridian-cs.example"),
    ])
    [daniel] = people.persons
    assert daniel.attributes["TerminatedAt"] is None
    assert daniel.attributes["TerminatedBy"] is None
    assert daniel.attributes["Status"] == "active"
    # what says they are still here: the roster's status cell
    assert [ref.file for ref in daniel.sources["TerminatedAt"]] == \
        ["vendors/meridian-contact-services/ReadExport-0001.json"]


def test_someone_every_source_says_left_left_at_the_latest_of_them() -> None:
    people = join_all([
        hr("NB-7001", "Daniel Reyes", "daniel.reyes@meridian-cs.example",
           status="terminated", terminated_at="2026-10-16T04:59:59Z"),
        agent("M-1007", "Daniel Reyes", "daniel.reyes@meridian-cs.example",
              status="terminated", terminated_at="2026-10-17T22:00:00Z",
              notified_at="2026-10-18T09:30:00Z"),
    ])
    [daniel] = people.persons
    assert daniel.attributes["TerminatedAt"] == "2026-10-17T22:00:00Z"
    assert daniel.attributes["TerminatedBy"] == "Meridian Contact Services"
    assert daniel.attributes["NotifiedAt"] == "2026-10-18T09:30:00Z"
    assert daniel.attributes["Status"] == "terminated"


def test_the_vendors_notice_is_kept_when_hr_records_the_same_termination() -> None:
    """HR and the roster agree on the day; only the roster records the vendor's notice."""
    people = join_all([
        hr("NB-7009", "Tomas Vega", "tomas.vega@meridian-cs.example", status="terminated",
           terminated_at="2026-10-06T04:59:59Z", vendor="Meridian Contact Services"),
        agent("M-1009", "Tomas Vega", "tomas.vega@meridian-cs.example", status="terminated",
              terminated_at="2026-10-06T04:59:59Z", notified_at="2026-10-06T15:00:00Z"),
    ])
    [tomas] = people.persons
    assert tomas.attributes["TerminatedAt"] == "2026-10-06T04:59:59Z"
    assert tomas.attributes["NotifiedAt"] == "2026-10-06T15:00:00Z"
    assert tomas.sources["NotifiedAt"][0].file == \
        "vendors/meridian-contact-services/ReadExport-0001.json"


def test_rehired_or_rescinded_people_have_not_left() -> None:
    people = join_all([
        hr("NB-2101", "Ivy Chen", "ivy.chen@northbridge-health.example", status="rescinded"),
        hr("NB-2102", "Leo Park", "leo.park@northbridge-health.example", status="leave"),
    ])
    assert [(p.attributes["PersonId"], p.attributes["TerminatedAt"], p.attributes["Status"])
            for p in people.persons] == [("NB-2101", None, "rescinded"),
                                         ("NB-2102", None, "leave")]


def test_a_persons_accounts_carry_each_fact_with_its_record_or_its_failure() -> None:
    sign_ins = failure(f"GET /v1.0/users?$select=signInActivity in {ENTRA}", "graph:ListUsers",
                       "Forbidden", "Neither tenant is B2C or tenant doesn't have premium "
                       "license", f"entra/{ENTRA}/ListUsers-0002.json")
    okta = account("okta", "ruth.okafor@northbridge-health.example", groups=["Everyone"])
    entra = account("entra", "ruth.okafor@northbridge-health.example",
                    failed={"LastSignInAt": sign_ins})
    people = join_all([hr("NB-2044", "Ruth Okafor", "ruth.okafor@northbridge-health.example"),
                       okta, entra])
    ruth = person(people, "NB-2044")
    positions = {a["Type"]: n for n, a in enumerate(ruth.attributes["Accounts"])}
    at_okta, at_entra = positions["okta.user"], positions["entra.user"]
    item = ruth.attributes["Accounts"][at_okta]
    assert (item["System"], item["Tenant"], item["Active"], item["Groups"]) == \
        ("okta", OKTA, True, ["Everyone"])
    assert ruth.sources[f"Accounts[{at_okta}].Active"] == okta.sources["Active"]
    assert ruth.sources[f"Accounts[{at_okta}].Active"][0].pointer == "/response/users/0/Active"
    assert ruth.failures[f"Accounts[{at_entra}].LastSignInAt"] == sign_ins
    failed = ruth.attributes["Accounts"][at_entra]
    assert "LastSignInAt" not in failed
    assert failed["Unknown"] == {"LastSignInAt": f"{sign_ins.call} failed with Forbidden"}
    # the account's failure is in the person's evidence
    assert sign_ins.file in ruth.evidence()


def test_every_account_is_kept_with_its_state_and_the_listings_become_joined_coverage() -> None:
    accounts = [account("okta", "maria.santos@meridian-cs.example"),
                account("okta", "svc-backup@northbridge-health.example"),
                account("entra", "ghost@northbridge-health.example"),
                account("iam", "deploy-bot", email=None),
                account("workspaces", "msantos", email=None,
                        failed={"EmployeeId": failure("workspaces:DescribeWorkspaces",
                                                      "workspaces:DescribeWorkspaces",
                                                      "NotCollected", "directory", "")})]
    coverage = [*rosters_read("vendor.agent"), *listed("okta", "entra", "iam", "workspaces")]
    people = join([agent("M-1001", "Maria Santos", "maria.santos@meridian-cs.example"),
                   *accounts], coverage, SERVICES)
    assert sorted(a.id for a in people.accounts) == sorted(a.id for a in accounts)
    states = {a.attributes["Login"]: a.attributes.get("Reconciliation") for a in people.accounts}
    assert states == {"maria.santos@meridian-cs.example": "linked",
                      "svc-backup@northbridge-health.example": "service",
                      "ghost@northbridge-health.example": "orphan",
                      "deploy-bot": "orphan", "msantos": None}
    assert sorted((c.type, c.account) for c in people.coverage) == [
        ("identity.account", "111122223333"), ("identity.account", "111122223333"),
        ("identity.account", ENTRA), ("identity.account", OKTA),
        ("person", "people")]


def test_without_hr_or_a_roster_accounts_are_listed_unchanged() -> None:
    okta = account("okta", "maria.santos@meridian-cs.example")
    people = join([okta], listed("okta"), JoinSettings(), None, reconcile=False)
    assert people.persons == ()
    [alone] = people.accounts
    assert alone == okta
    assert "Reconciliation" not in alone.attributes


# --- the role matrix ----------------------------------------------------------------------

MATRIX = role_matrix(
    {"PATIENT_SCHEDULER": {"Groups": ["Meridian-Agents"],
                           "Applications": ["AppStream PHI Desk"]},
     "BILLING_CLERK": {"Groups": ["Billing-Payments-Create"], "IamGroups": ["billing-ro"]}},
    [["Billing-Payments-Create", "Billing-Payments-Approve"]])


def test_the_role_matrix_gives_what_each_persons_jobs_allow() -> None:
    people = join_all([
        MATRIX,
        hr("NB-2101", "Ivy Chen", "ivy.chen@northbridge-health.example", job="BILLING_CLERK"),
        agent("M-1101", "Ivy Chen", "ivy.chen@northbridge-health.example"),
        hr("M-1015", "Eve Ng", "eve.ng@meridian-cs.example", job="QA_LEAD", row=1),
    ])
    ivy, eve = person(people, "NB-2101"), person(people, "M-1015")
    assert ivy.attributes["Jobs"] == ["BILLING_CLERK", "PATIENT_SCHEDULER"]
    assert ivy.attributes["Allowed"] == {
        "Groups": ["Billing-Payments-Create", "Meridian-Agents"],
        "Applications": ["AppStream PHI Desk"], "PermissionSets": [], "IamGroups": ["billing-ro"]}
    assert ivy.attributes["JobsNotInMatrix"] == []
    assert [ref.pointer for ref in ivy.sources["Allowed"]] == [
        "/response/matrix/jobs/BILLING_CLERK", "/response/matrix/jobs/PATIENT_SCHEDULER"]
    assert ivy.attributes["SeparationOfDuties"] == \
        [["Billing-Payments-Create", "Billing-Payments-Approve"]]
    assert eve.attributes["JobsNotInMatrix"] == ["QA_LEAD"]
    assert eve.attributes["Allowed"] == \
        {"Groups": [], "Applications": [], "PermissionSets": [], "IamGroups": []}
    assert eve.sources["JobsNotInMatrix"] == (Ref("roles/roles/ReadRoleMatrix-0001.json",
                                                  "/response/matrix/jobs"),)


def test_without_a_role_matrix_people_have_no_allowance() -> None:
    people = join_all([hr("NB-2101", "Ivy Chen", "ivy.chen@northbridge-health.example")])
    assert RoleMatrix.of([]) is None
    assert "Allowed" not in people.persons[0].attributes


# --- access reviews -----------------------------------------------------------------------

def _reviewed(resources: Sequence[Resource], coverage: Sequence[Coverage]) -> People:
    return join(resources, coverage, JoinSettings(), None)


def test_review_lines_attach_to_accounts_by_login_or_address() -> None:
    lines = [review(2, "Kofi.Mensah@meridian-cs.example", "Billing-Payments-Approve", "revoke",
                    "2026-10-20T15:00:00Z"),
             review(3, "kmensah", "AppStream PHI Desk", "accept", "2026-10-21T15:00:00Z"),
             review(4, "someone.else@meridian-cs.example", "Meridian-Agents", "accept",
                    "2026-10-21T15:00:00Z")]
    okta = account("okta", "kofi.mensah@meridian-cs.example")
    entra = account("entra", "KMensah", email="kofi.mensah@meridian-cs.example")
    people = _reviewed([agent("M-1003", "Kofi Mensah", "kofi.mensah@meridian-cs.example"),
                        okta, entra, *lines],
                       [*rosters_read("vendor.agent"), *listed("okta", "entra"), REVIEWS_READ])
    by_okta = state(people, "kofi.mensah@meridian-cs.example").attributes["Reviews"]
    assert by_okta == [{"Grant": "Billing-Payments-Approve", "Decision": "revoke",
                        "DecidedAt": "2026-10-20T15:00:00Z",
                        "Reviewer": "ops.lead@meridian-cs.example", "Line": 2}]
    by_entra = state(people, "KMensah")
    assert [r["Line"] for r in by_entra.attributes["Reviews"]] == [2, 3]
    assert {ref.file for ref in by_entra.sources["Reviews"]} == {REVIEW_FILE}


def test_reviews_attach_with_or_without_people_and_only_when_a_review_was_read() -> None:
    okta = account("okta", "li.wei@meridian-cs.example")
    line = review(2, "li.wei@meridian-cs.example", "Meridian-Agents", "accept",
                  "2026-10-20T15:00:00Z")
    alone = join([okta, line], [*listed("okta"), REVIEWS_READ], JoinSettings(), None,
                 reconcile=False)
    assert [r["Grant"] for r in alone.accounts[0].attributes["Reviews"]] == ["Meridian-Agents"]
    unread = _reviewed([okta, line], [*listed("okta"), *rosters_read()])
    assert "Reviews" not in unread.accounts[0].attributes
    nothing = _reviewed([account("okta", "new.hire@meridian-cs.example")],
                        [*listed("okta"), *rosters_read(), REVIEWS_READ])
    assert nothing.accounts[0].attributes["Reviews"] == []

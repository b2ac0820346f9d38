"""AWS Artifact customer agreements, and which AWS Business Associate Addendum covers each
scanned account.

``aws.artifact.agreement``: one per agreement ``ListCustomerAgreements`` returned, with the
API's own field names, plus ``Scope`` ("organization" when ``organizationArn`` is set: the
management account accepted it for every member; else "account") and
``BusinessAssociateAddendum`` (its name says "Business Associate Addendum").

``aws.artifact.account_baa``: one per account the call was made in, whatever it answered:
``Addenda`` (every BAA listed, each ``{"Name", "Id", "Arn", "Scope", "OrganizationArn",
"State", "EffectiveStart", "EffectiveEnd"}``), ``ActiveAddenda`` (those in state ACTIVE) and
``Found`` (what a finding says when none is ACTIVE: "none listed", or which was terminated and
when). Whether an ACTIVE addendum is in force at the evaluation time (its start passed, no end
reached) is for the rule to judge: normalisers do not read the clock. When the call failed,
all three fail with it, so the rule is ERROR naming the call, never PASS.

Neither type has tags (Artifact agreements are not taggable): Tags fail as NotCollected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import accounts_of, failure, listing_coverage, ref
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import GLOBAL_REGION, CallRecord, Snapshot

SERVICE = "artifact"
OPERATION = "ListCustomerAgreements"
AGREEMENT = "aws.artifact.agreement"
ACCOUNT_BAA = "aws.artifact.account_baa"
FIELDS = ("name", "id", "agreementArn", "awsAccountId", "organizationArn", "effectiveStart",
          "effectiveEnd", "state", "type", "description", "acceptanceTerms", "terminateTerms")
BAA_WORDS = "business associate addendum"
COVERAGE_ATTRIBUTES = ("Addenda", "ActiveAddenda", "Found")
STATE_WORDS = {"CUSTOMER_TERMINATED": "terminated by the customer",
               "AWS_TERMINATED": "terminated by AWS"}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, SERVICE):
        pages = [snapshot.load(e) for e in snapshot.select(SERVICE, OPERATION, account)]
        if not pages:
            continue
        yield from listing_coverage(pages, AGREEMENT)
        yield Coverage(type=ACCOUNT_BAA, account=account, region=GLOBAL_REGION,
                       source=pages[0].entry.file)
        listed = [(page, index, item) for page in pages if page.entry.ok
                  for index, item in enumerate(page.response.get("customerAgreements") or [])]
        for page, index, item in listed:
            yield _agreement(item, page, index, account)
        yield _account_baa(account, pages, listed)


def is_business_associate_addendum(agreement: Mapping[str, Any]) -> bool:
    return BAA_WORDS in str(agreement.get("name") or "").lower()


def _scope(agreement: Mapping[str, Any]) -> str:
    return "organization" if agreement.get("organizationArn") else "account"


def _agreement(item: Mapping[str, Any], page: CallRecord, index: int,
               account: str) -> Resource:
    arn = str(item.get("arn") or f"{account}:{item.get('id')}")
    builder = ResourceBuilder(id=arn, type=AGREEMENT, account=account, region=GLOBAL_REGION,
                              name=str(item.get("name") or item.get("id") or arn))
    where = ref(page, "customerAgreements", index)
    builder.update({f: item.get(f) for f in FIELDS}, where)
    builder.update({"Scope": _scope(item),
                    "BusinessAssociateAddendum": is_business_associate_addendum(item)}, where)
    return builder.build()


def _account_baa(account: str, pages: list[CallRecord],
                 listed: list[tuple[CallRecord, int, Mapping[str, Any]]]) -> Resource:
    builder = ResourceBuilder(id=f"aws-baa:{account}", type=ACCOUNT_BAA, account=account,
                              region=GLOBAL_REGION, name=account)
    builder.set("AccountId", account, ref(pages[0]))
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        for key in COVERAGE_ATTRIBUTES:
            builder.fail(key, failure(failed))
        return builder.build()
    addenda: list[dict[str, Any]] = []
    refs: list[Ref] = []
    for page, index, item in listed:
        if is_business_associate_addendum(item):
            addenda.append(_addendum(item))
            refs.append(ref(page, "customerAgreements", index))
    listing = refs or [ref(p, "customerAgreements") for p in pages]
    active = [a for a in addenda if a["State"] == "ACTIVE"]
    builder.set("Addenda", addenda, listing)
    builder.set("ActiveAddenda", active,
                [r for r, a in zip(refs, addenda, strict=True) if a["State"] == "ACTIVE"]
                or listing)
    builder.set("Found", _found(addenda), listing)
    return builder.build()


def _addendum(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"Name": item.get("name"), "Id": item.get("id"), "Arn": item.get("arn"),
            "Scope": _scope(item), "OrganizationArn": item.get("organizationArn"),
            "State": item.get("state"), "EffectiveStart": item.get("effectiveStart"),
            "EffectiveEnd": item.get("effectiveEnd")}


def _found(addenda: list[dict[str, Any]]) -> str:
    """What the listing shows, for a finding: no addendum at all, or each one and its state
    (with the day it ended)."""
    if not addenda:
        return "no Business Associate Addendum is listed by artifact:ListCustomerAgreements"
    described = []
    for addendum in addenda:
        state = str(addendum["State"])
        text = f"{addendum['Name']} ({addendum['Scope']}-level) is " \
               f"{STATE_WORDS.get(state, state)}"
        end = str(addendum.get("EffectiveEnd") or "")
        if state != "ACTIVE":
            text += f" on {end[:10]}" if end else " (no end date given)"
        described.append(text)
    return "; ".join(described)

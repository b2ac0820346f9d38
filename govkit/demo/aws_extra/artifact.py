"""AWS Artifact's customer agreements (the AWS Business Associate Addendum), which moto lacks.

Artifact speaks REST-JSON: ``GET /v1/customer-agreement/list?maxResults=&nextToken=`` answers
``{"customerAgreements": [...], "nextToken": ...}`` with the fields of the botocore model's
``CustomerAgreementSummary`` (timestamps as ISO 8601 text), and errors carry their code in
``x-amzn-ErrorType``. Agreements belong to an account, whatever the region.

No Artifact API accepts an agreement: customers accept the BAA in the console (AWS Artifact >
Agreements), for one account or, from the management account, for the whole organisation. So
the demo places agreements through a route of its own, ``POST`` :data:`DEMO_PATH` with
``{"awsAccountId": ..., "customerAgreements": [...]}``, SigV4-signed for ``artifact`` like
every request the demo server routes here; :func:`place_agreements` sends it. It replaces that
account's agreements, and works whether the server runs in this process or another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from govkit.demo.aws_extra import (
    Call, Environ, JsonService, ServiceError, StartResponse, call_of, paged_answer, post_signed,
    reply)

if TYPE_CHECKING:
    from govkit.demo.estate_base import SeedContext

LIST_PATH = "/v1/customer-agreement/list"
DEMO_PATH = "/govkit-demo/artifact/customer-agreements"
MAX_RESULTS = 300  # the model's bound on maxResults
DEFAULT_RESULTS = 20
ACCOUNT_WIDE = "*"  # agreements do not depend on the region of the request
FIELDS = ("name", "arn", "id", "agreementArn", "awsAccountId", "organizationArn",
          "effectiveStart", "effectiveEnd", "state", "description", "acceptanceTerms",
          "terminateTerms", "type")
STATES = frozenset({"ACTIVE", "CUSTOMER_TERMINATED", "AWS_TERMINATED"})
TYPES = frozenset({"CUSTOM", "DEFAULT", "MODIFIED"})


class ArtifactService(JsonService):
    """``ListCustomerAgreements``, and the demo's route to place agreements."""

    service = "artifact"

    def operation(self, environ: Environ) -> str | None:
        route = (str(environ.get("REQUEST_METHOD", "")).upper(), environ.get("PATH_INFO"))
        return {("GET", LIST_PATH): "ListCustomerAgreements",
                ("POST", DEMO_PATH): "PlaceAgreements"}.get(route)  # type: ignore[arg-type]

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        call = call_of(environ)
        name = self.operation(environ)
        try:
            if call is None or name is None:
                raise ServiceError("ValidationException", "unknown operation", 404)
            if name == "PlaceAgreements":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) if length else b"{}")
                with self._lock:
                    return reply(start_response, 200, self.op_PlaceAgreements(call, body))
            query = {k: v[-1] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
            with self._lock:
                return reply(start_response, 200, self.op_ListCustomerAgreements(call, query))
        except ServiceError as error:
            return reply(start_response, error.status,
                         {"message": error.message, "reason": "other"}, error_code=error.code)
        except ValueError as error:
            return reply(start_response, 400, {"message": str(error), "reason": "cannotParse"},
                         error_code="ValidationException")

    def op_ListCustomerAgreements(self, call: Call, query: Mapping[str, str]
                                  ) -> dict[str, Any]:
        agreements: list[dict[str, Any]] = self.state.get((call.account, ACCOUNT_WIDE), [])
        limit = int(query.get("maxResults") or DEFAULT_RESULTS)
        if not 1 <= limit <= MAX_RESULTS:
            raise ServiceError("ValidationException", f"maxResults must be 1 to {MAX_RESULTS}")
        token = query.get("nextToken")
        start = int(token) if token and token.isdigit() else 0
        if token and (not token.isdigit() or start > len(agreements)):
            raise ServiceError("ValidationException", f"invalid nextToken {token!r}")
        return paged_answer(agreements, start, limit, "customerAgreements", "nextToken")

    def op_PlaceAgreements(self, call: Call, body: Mapping[str, Any]) -> dict[str, Any]:
        account = str(body.get("awsAccountId") or "")
        if not (len(account) == 12 and account.isdigit()):
            raise ServiceError("ValidationException", "awsAccountId: a 12-digit account id")
        agreements = [_checked(a) for a in body.get("customerAgreements") or []]
        self.state[(account, ACCOUNT_WIDE)] = agreements
        return {"placed": len(agreements)}


def _checked(agreement: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(agreement) - set(FIELDS))
    if unknown:
        raise ServiceError("ValidationException", f"not CustomerAgreementSummary fields: "
                           f"{unknown}")
    if agreement.get("state") not in STATES or agreement.get("type", "DEFAULT") not in TYPES:
        raise ServiceError("ValidationException",
                           f"state must be one of {sorted(STATES)}, type one of {sorted(TYPES)}")
    return {k: agreement[k] for k in FIELDS if agreement.get(k) is not None}


def place_agreements(endpoint_url: str, account: str, agreements: Sequence[Mapping[str, Any]],
                     *, access_key: str, secret_key: str, region: str = "us-east-1") -> None:
    """Replace ``account``'s customer agreements on the demo server at ``endpoint_url``."""
    post_signed(endpoint_url, DEMO_PATH, "artifact", region,
                {"awsAccountId": account, "customerAgreements": [dict(a) for a in agreements]},
                access_key=access_key, secret_key=secret_key)


# -- the demo's agreements -------------------------------------------------------------------

ORGANIZATION_ACCOUNT = "123456789013"  # the management account of Northbridge's organisation
ORGANIZATION_ARN = f"arn:aws:organizations::{ORGANIZATION_ACCOUNT}:organization/o-nbh4h7k2qx"
BAA_NAME = "AWS Business Associate Addendum"
ORG_BAA_NAME = "AWS Organizations Business Associate Addendum"
BAA_TERMINATED_DAYS_AGO = 30


def business_associate_addendum(account: str, *, organization: bool, start: str,
                                end: str | None = None) -> dict[str, Any]:
    """A BAA as ``ListCustomerAgreements`` shows it: the organisation's (accepted by the
    management account for every member) or the account's own; terminated by the customer
    when ``end`` is given."""
    name = ORG_BAA_NAME if organization else BAA_NAME
    digest = hashlib.sha256(f"{account}:{name}".encode()).hexdigest()
    agreement_id = f"customer-agreement-{digest[:16]}"
    agreement: dict[str, Any] = {
        "name": name, "id": agreement_id,
        "arn": f"arn:aws:artifact::{account}:customer-agreement/{agreement_id}",
        "agreementArn": "arn:aws:artifact:::agreement/agreement-"
                        + ("8cbe1d6b3a0f4e27" if organization else "5f1c9a2e7d3b4c60"),
        "awsAccountId": account, "effectiveStart": start, "type": "DEFAULT",
        "state": "ACTIVE" if end is None else "CUSTOMER_TERMINATED",
        "description": "The AWS Business Associate Addendum for HIPAA eligible services"
                       + (" in every account of the organization" if organization else ""),
        "acceptanceTerms": ["I have read and agree to the terms of the AWS Business Associate "
                            "Addendum"],
        "terminateTerms": ["I understand that terminating the BAA ends the business associate "
                           "arrangement for the accounts it covers"],
    }
    if organization:
        agreement["organizationArn"] = ORGANIZATION_ARN
    if end is not None:
        agreement["effectiveEnd"] = end
    return agreement


def seed_agreements(ctx: SeedContext) -> None:
    """Northbridge's organisation accepted the organisation-level BAA in its management
    account, which covers every member account; the production account 123456789012 was never
    moved into the organisation, and its own BAA was terminated 30 days ago in the belief that
    the organisation's covered it (violation)."""
    from govkit.demo.clients import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
    from govkit.demo.names import DEMO_ACCOUNT, home_region
    from govkit.errors import GovkitError

    region = home_region(ctx.regions)
    day = dt.timedelta(days=1)
    terminated = _iso(ctx.now - BAA_TERMINATED_DAYS_AGO * day)
    placed = {
        ORGANIZATION_ACCOUNT: [business_associate_addendum(
            ORGANIZATION_ACCOUNT, organization=True, start=_iso(ctx.now - 400 * day))],
        DEMO_ACCOUNT: [business_associate_addendum(
            DEMO_ACCOUNT, organization=False, start="2021-03-01T00:00:00Z", end=terminated)],
    }
    endpoint = ctx.clients.get("artifact", region).meta.endpoint_url
    for account, agreements in placed.items():
        place_agreements(endpoint, account, agreements, access_key=DEMO_ACCESS_KEY,
                         secret_key=DEMO_SECRET_KEY, region=region)
    listed = ctx.clients.get("artifact", region).list_customer_agreements()
    if [a["id"] for a in listed["customerAgreements"]] != \
            [a["id"] for a in placed[DEMO_ACCOUNT]]:
        raise GovkitError(f"the Artifact emulator at {endpoint} did not keep the demo's "
                          "agreements")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

"""GuardDuty findings, which moto lacks (it keeps detectors, and answers those calls itself).

GuardDuty speaks REST-JSON: ``POST /detector/{detectorId}/findings`` (ListFindings) takes
``findingCriteria.criterion`` and pages with ``maxResults`` (1 to 50) and ``nextToken``;
``POST /detector/{detectorId}/findings/get`` (GetFindings) takes up to 50 ``findingIds``.
Findings are kept in the wire shape of the botocore model's ``Finding``. A detector moto does
not know is refused as GuardDuty refuses it (BadRequestException). The criterion supports the
fields the scan filters on, ``severity`` (numeric comparisons) and ``service.archived``
(``eq`` "true"/"false"); any other field is refused, never ignored.

No GuardDuty API creates a finding with chosen content (CreateSampleFindings makes fixed
samples), so the demo places findings through a route of its own, ``POST``
:data:`DEMO_PATH` with ``{"detectorId": ..., "findings": [...]}``, SigV4-signed for
``guardduty`` in the findings' account and region.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from govkit.demo.aws_extra import (
    Call, Environ, JsonService, ServiceError, StartResponse, call_of, paged_answer, post_signed,
    reply, token_offset)

if TYPE_CHECKING:
    from govkit.demo.estate_base import SeedContext

DEMO_PATH = "/govkit-demo/guardduty/findings"
_ROUTE = re.compile(r"/detector/([^/]+)/findings(/get)?")
MAX_RESULTS = 50
REQUIRED = ("accountId", "arn", "createdAt", "id", "region", "resource", "schemaVersion",
            "severity", "type", "updatedAt")
_COMPARE = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b, "greaterThan": lambda a, b: a > b,
            "greaterThanOrEqual": lambda a, b: a >= b, "lessThan": lambda a, b: a < b,
            "lessThanOrEqual": lambda a, b: a <= b}


class GuardDutyFindings(JsonService):
    """ListFindings, GetFindings and the demo's route to place findings."""

    service = "guardduty"

    def operation(self, environ: Environ) -> str | None:
        if str(environ.get("REQUEST_METHOD", "")).upper() != "POST":
            return None
        path = str(environ.get("PATH_INFO", ""))
        if path == DEMO_PATH:
            return "PlaceFindings"
        match = _ROUTE.fullmatch(path)
        if match is None:
            return None
        return "GetFindings" if match.group(2) else "ListFindings"

    def answers(self, environ: Environ, call: Call) -> bool:
        return call.service == self.service and self.operation(environ) is not None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        call = call_of(environ)
        name = self.operation(environ)
        try:
            if call is None or name is None:
                raise ServiceError("BadRequestException", "unknown operation", 404)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) if length else b"{}")
            match = _ROUTE.fullmatch(str(environ.get("PATH_INFO", "")))
            detector = match.group(1) if match else str(body.get("detectorId") or "")
            _check_detector(call, detector)
            with self._lock:
                findings = self.region_state(call).setdefault(detector, [])
                if name == "PlaceFindings":
                    findings[:] = [_checked(f) for f in body.get("findings") or []]
                    return reply(start_response, 200, {"placed": len(findings)})
                if name == "ListFindings":
                    return reply(start_response, 200, _list(findings, body))
                return reply(start_response, 200, _get(findings, body))
        except ServiceError as error:
            return reply(start_response, error.status,
                         {"message": error.message, "__type": error.code}, error_code=error.code)
        except ValueError as error:
            return reply(start_response, 400, {"message": str(error)},
                         error_code="BadRequestException")


def _check_detector(call: Call, detector: str) -> None:
    from moto.guardduty.models import guardduty_backends
    if detector not in guardduty_backends[call.account][call.region].detectors:
        raise ServiceError("BadRequestException", "The request is rejected because the input "
                           "detectorId is not owned by the current account.")


def _list(findings: Sequence[Mapping[str, Any]], body: Mapping[str, Any]) -> dict[str, Any]:
    limit = int(body.get("maxResults") or MAX_RESULTS)
    if not 1 <= limit <= MAX_RESULTS:
        raise ServiceError("BadRequestException", f"maxResults must be 1 to {MAX_RESULTS}")
    criterion = (body.get("findingCriteria") or {}).get("criterion") or {}
    matching = [f["id"] for f in findings if all(_meets(f, field, condition)
                                                 for field, condition in criterion.items())]
    start = token_offset(body.get("nextToken"), "BadRequestException")
    return paged_answer(matching, start, limit, "findingIds", "nextToken")


def _meets(finding: Mapping[str, Any], field: str, condition: Mapping[str, Any]) -> bool:
    if field == "severity":
        severity = float(finding["severity"])
        for op, bound in condition.items():
            if op in ("eq", "equals"):
                if severity not in [float(v) for v in bound]:
                    return False
            elif op in _COMPARE:
                if not _COMPARE[op](severity, float(bound)):
                    return False
            else:
                raise ServiceError("BadRequestException", f"severity does not take {op}")
        return True
    if field == "service.archived":
        archived = "true" if (finding.get("service") or {}).get("archived") else "false"
        wanted = condition.get("eq") or condition.get("equals")
        if not isinstance(wanted, list) or set(condition) - {"eq", "equals"}:
            raise ServiceError("BadRequestException", "service.archived takes eq only")
        return archived in wanted
    raise ServiceError("BadRequestException", f"this emulator does not filter on {field}")


def _get(findings: Sequence[Mapping[str, Any]], body: Mapping[str, Any]) -> dict[str, Any]:
    wanted = body.get("findingIds")
    if not isinstance(wanted, list) or len(wanted) > MAX_RESULTS:
        raise ServiceError("BadRequestException", f"findingIds: a list of at most {MAX_RESULTS}")
    by_id = {f["id"]: f for f in findings}
    return {"findings": [by_id[i] for i in wanted if i in by_id]}


def _checked(finding: Mapping[str, Any]) -> dict[str, Any]:
    missing = [key for key in REQUIRED if key not in finding]
    if missing:
        raise ServiceError("BadRequestException", f"a Finding needs {missing}")
    return dict(finding)


def place_findings(endpoint_url: str, region: str, detector_id: str,
                   findings: Sequence[Mapping[str, Any]], *, access_key: str,
                   secret_key: str) -> None:
    """Replace the findings of ``detector_id`` on the demo server at ``endpoint_url``."""
    post_signed(endpoint_url, DEMO_PATH, "guardduty", region,
                {"detectorId": detector_id, "findings": [dict(f) for f in findings]},
                access_key=access_key, secret_key=secret_key)


# -- the demo's findings ---------------------------------------------------------------------

# (id stem, type, severity, archived, title, the affected resource in the wire shape)
DEMO_FINDINGS: tuple[tuple[str, str, float, bool, str, dict[str, Any]], ...] = (
    ("exfiltration", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
     8.0, False, "Credentials of the role nbh-scheduling-app were used from outside AWS",
     {"resourceType": "AccessKey",
      "accessKeyDetails": {"accessKeyId": "ASIAIOSFODNN7NBHSCHD",
                           "principalId": "AROAIOSFODNN7NBHSCHD:i-0a4c7e1f9b2d35687",
                           "userName": "nbh-scheduling-app", "userType": "AssumedRole"}}),
    ("probe", "Recon:EC2/PortProbeUnprotectedPort", 2.0, False,
     "Unprotected port on the IVR instance is being probed",
     {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0b5d8f2a0c3e46798"}}),
    ("triaged", "CryptoCurrency:EC2/BitcoinTool.B!DNS", 8.0, True,
     "A build runner queried a domain associated with Bitcoin mining",
     {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0c6e9a3b1d4f57809"}}),
)


def demo_finding(account: str, region: str, detector_id: str, stem: str, kind: str,
                 severity: float, archived: bool, title: str, resource: Mapping[str, Any],
                 at: dt.datetime) -> dict[str, Any]:
    finding_id = hashlib.sha256(f"{detector_id}:{stem}".encode()).hexdigest()[:32]
    stamp = at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "accountId": account, "region": region, "partition": "aws", "id": finding_id,
        "arn": f"arn:aws:guardduty:{region}:{account}:detector/{detector_id}/finding/"
               f"{finding_id}",
        "type": kind, "severity": severity, "title": title, "description": title + ".",
        "schemaVersion": "2.0", "createdAt": stamp, "updatedAt": stamp, "confidence": 5.0,
        "resource": dict(resource),
        "service": {"serviceName": "guardduty", "detectorId": detector_id,
                    "archived": archived, "count": 1, "eventFirstSeen": stamp,
                    "eventLastSeen": stamp},
    }


def seed_findings(ctx: SeedContext) -> None:
    """In the home region's detector: an unarchived high-severity credential exfiltration
    finding (violation), a low-severity port probe, and a high-severity finding the team
    already triaged and archived (neither counts)."""
    from govkit.demo.clients import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
    from govkit.demo.names import DEMO_ACCOUNT, home_region

    region = home_region(ctx.regions)
    guardduty = ctx.clients.get("guardduty", region)
    [detector_id] = guardduty.list_detectors()["DetectorIds"]
    at = ctx.now - dt.timedelta(days=2)
    findings = [demo_finding(DEMO_ACCOUNT, region, detector_id, *entry, at=at)
                for entry in DEMO_FINDINGS]
    place_findings(guardduty.meta.endpoint_url, region, detector_id, findings,
                   access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY)

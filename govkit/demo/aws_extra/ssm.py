"""Systems Manager's managed-instance list and patch compliance, beside moto's SSM.

moto 5 answers SSM parameters and documents but implements neither DescribeInstanceInformation
nor the compliance API. This service shares moto's signing name and target prefix
(``AmazonSSM``) and takes only these operations (awsJson1.1, timestamps as epoch seconds):

- ``DescribeInstanceInformation``: the instances registered here, in registration order,
  ``MaxResults`` 5 to 50 (default 10) a page; filters are refused (the demo needs none);
- ``PutComplianceItems``: as AWS, replaces (``COMPLETE`` upload, the default) the items of one
  compliance type for one resource, with their execution summary;
- ``ListResourceComplianceSummaries``: one summary per resource and compliance type, built
  from those items as AWS builds it: NON_COMPLIANT when any item is, the count of compliant and
  non-compliant items by severity, and the highest severity among the non-compliant items as
  ``OverallSeverity`` (UNSPECIFIED when none is); the ``ComplianceType`` filter with EQUAL is
  supported, other filters are refused. ``MaxResults`` 1 to 50 (default 50) a page.

In AWS an instance appears in DescribeInstanceInformation when its SSM Agent registers,
which no public API does. The demo registers instances through a route of its own, ``POST``
:data:`DEMO_PATH` with ``{"InstanceInformationList": [...]}`` (items shaped like the model's
``InstanceInformation``), SigV4-signed for ``ssm`` in the region the instances live in, like
every request the demo server routes here; :func:`register_instances` sends it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govkit.demo.aws_extra import (
    AWS_JSON, Call, Environ, JsonService, ServiceError, paged_answer, post_signed, token_offset)

DEMO_PATH = "/govkit-demo/ssm/managed-instances"
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED")
STATUSES = frozenset({"COMPLIANT", "NON_COMPLIANT"})
INSTANCE_FIELDS = frozenset({
    "InstanceId", "PingStatus", "LastPingDateTime", "AgentVersion", "IsLatestVersion",
    "PlatformType", "PlatformName", "PlatformVersion", "ActivationId", "IamRole",
    "RegistrationDate", "ResourceType", "Name", "IPAddress", "ComputerName",
    "AssociationStatus", "LastAssociationExecutionDate",
    "LastSuccessfulAssociationExecutionDate", "AssociationOverview", "SourceId", "SourceType"})
PING_STATUSES = frozenset({"Online", "ConnectionLost", "Inactive"})


class SsmExtra(JsonService):
    service = "ssm"
    target_prefix = "AmazonSSM"

    def new_state(self) -> Any:
        # registered instances in order; compliance items by (resource id, type, type name)
        return {"instances": [], "compliance": {}}

    def operation(self, environ: Environ) -> str | None:
        if environ.get("PATH_INFO") == DEMO_PATH and \
                str(environ.get("REQUEST_METHOD", "")).upper() == "POST":
            return "RegisterManagedInstances"
        return super().operation(environ)

    def op_RegisterManagedInstances(self, call: Call, params: Mapping[str, Any]
                                    ) -> dict[str, Any]:
        instances = [_instance(i) for i in params.get("InstanceInformationList") or []]
        state = self.region_state(call)
        known = {i["InstanceId"] for i in instances}
        state["instances"] = [i for i in state["instances"] if i["InstanceId"] not in known]
        state["instances"] += instances
        return {"Registered": len(instances)}

    def op_DescribeInstanceInformation(self, call: Call, params: Mapping[str, Any]
                                       ) -> dict[str, Any]:
        if params.get("Filters") or params.get("InstanceInformationFilterList"):
            raise ServiceError("InvalidFilter", "this emulator supports no filters")
        size = _page_size(params.get("MaxResults"), 5, 50, 10)
        instances = self.region_state(call)["instances"]
        start = token_offset(params.get("NextToken"), "InvalidNextToken")
        return paged_answer(instances, start, size, "InstanceInformationList", "NextToken")

    def op_PutComplianceItems(self, call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        for key in ("ResourceId", "ResourceType", "ComplianceType", "ExecutionSummary"):
            if not params.get(key):
                raise ServiceError("ValidationException", f"{key} is required")
        if params.get("UploadType", "COMPLETE") != "COMPLETE":
            raise ServiceError("ValidationException", "this emulator supports COMPLETE uploads")
        items = [_item(i) for i in params.get("Items") or []]
        resource = (str(params["ResourceId"]), str(params["ResourceType"]),
                    str(params["ComplianceType"]))
        self.region_state(call)["compliance"][resource] = {
            "items": items, "execution": dict(params["ExecutionSummary"])}
        return {}

    def op_ListResourceComplianceSummaries(self, call: Call, params: Mapping[str, Any]
                                           ) -> dict[str, Any]:
        wanted = _compliance_type(params.get("Filters") or [])
        size = _page_size(params.get("MaxResults"), 1, 50, 50)
        compliance = self.region_state(call)["compliance"]
        summaries = [_summary(key, entry) for key, entry in compliance.items()
                     if wanted is None or key[2] == wanted]
        start = token_offset(params.get("NextToken"), "InvalidNextToken")
        return paged_answer(summaries, start, size, "ResourceComplianceSummaryItems", "NextToken")


def _page_size(value: Any, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or not low <= value <= high:
        raise ServiceError("ValidationException", f"MaxResults must be {low} to {high}")
    return value


def _instance(item: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(item) - INSTANCE_FIELDS)
    if unknown:
        raise ServiceError("ValidationException", f"not InstanceInformation fields: {unknown}")
    if not item.get("InstanceId") or item.get("PingStatus") not in PING_STATUSES:
        raise ServiceError("ValidationException",
                           f"InstanceId and PingStatus (one of {sorted(PING_STATUSES)}) needed")
    return dict(item)


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    if item.get("Severity") not in SEVERITIES or item.get("Status") not in STATUSES:
        raise ServiceError("ValidationException",
                           f"item {item.get('Id')}: Severity one of {list(SEVERITIES)}, "
                           f"Status one of {sorted(STATUSES)}")
    return dict(item)


def _compliance_type(filters: Sequence[Mapping[str, Any]]) -> str | None:
    wanted = None
    for found in filters:
        values = found.get("Values") or []
        if found.get("Key") != "ComplianceType" or found.get("Type", "EQUAL") != "EQUAL" or \
                len(values) != 1:
            raise ServiceError("ValidationException", "this emulator filters only on one "
                               "ComplianceType with EQUAL")
        wanted = str(values[0])
    return wanted


def _by_severity(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = {f"{s.title()}Count": 0 for s in SEVERITIES}
    for item in items:
        counts[f"{str(item['Severity']).title()}Count"] += 1
    return counts


def _summary(key: tuple[str, str, str], entry: Mapping[str, Any]) -> dict[str, Any]:
    resource_id, resource_type, compliance_type = key
    items = entry["items"]
    failing = [i for i in items if i["Status"] == "NON_COMPLIANT"]
    passing = [i for i in items if i["Status"] == "COMPLIANT"]
    worst = next((s for s in SEVERITIES if any(i["Severity"] == s for i in failing)),
                 "UNSPECIFIED")
    return {
        "ComplianceType": compliance_type, "ResourceType": resource_type,
        "ResourceId": resource_id, "Status": "NON_COMPLIANT" if failing else "COMPLIANT",
        "OverallSeverity": worst, "ExecutionSummary": entry["execution"],
        "CompliantSummary": {"CompliantCount": len(passing),
                             "SeveritySummary": _by_severity(passing)},
        "NonCompliantSummary": {"NonCompliantCount": len(failing),
                                "SeveritySummary": _by_severity(failing)},
    }


def register_instances(endpoint_url: str, instances: Sequence[Mapping[str, Any]], *,
                       access_key: str, secret_key: str, region: str) -> None:
    """Register ``instances`` (``InstanceInformation`` items) as managed in ``region`` on the
    demo server at ``endpoint_url``, as their SSM Agents would."""
    post_signed(endpoint_url, DEMO_PATH, "ssm", region,
                {"InstanceInformationList": [dict(i) for i in instances]},
                access_key=access_key, secret_key=secret_key, content_type=AWS_JSON)

"""AWS Config on loopback, speaking its JSON 1.1 protocol, for the demo organisation.

moto records only a few resource types and does not run advanced queries over aggregators, so
the tests and benchmarks of ``govkit scan --via aws-config`` run against this server instead:
boto3 reaches it through ``AWS_ENDPOINT_URL_CONFIG_SERVICE`` while every other service stays
on moto. It answers the calls govkit makes (advanced queries, batch gets, recorder and
aggregator status) with service-model-valid documents, pages at ``Limit`` (at most 100, as
Config), and answers unknown aggregators, bad limits and oversized batches with Config's own
error codes. Which account a request comes from is asked of the emulator's STS with the
request's access key, as moto itself decides it.

Its items are what :func:`record` reads from the emulated estate, in the shapes AWS Config
writes (awslabs/aws-config-resource-schema): lower camel case, S3's supplementary
configuration as JSON text (the access control list encoded twice), DynamoDB's acronyms
lower-cased.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from govkit.demo.idp.base import ApiServer, Reply, Request

_TARGET = "StarlingDoveService."
_CONDITION = re.compile(r"^\s*(\w+)\s*(?:=\s*'([^']*)'|IN\s*\(([^)]*)\))\s*$", re.IGNORECASE)
_SELECT = re.compile(r"^\s*SELECT\s+(.+?)\s+WHERE\s+(.+)$", re.IGNORECASE | re.DOTALL)
Key = tuple[str, str, str, str]  # account, region, resource type, resource id


def _error(code: str, message: str, status: int = 400) -> Reply:
    return Reply.json({"__type": code, "message": message}, status,
                      **{"Content-Type": "application/x-amz-json-1.1"})


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


class ConfigService(ApiServer):
    """Items, recorders and aggregators held in memory; see the module's docstring."""

    def __init__(self, *, sts_endpoint: str) -> None:
        super().__init__()
        self.sts_endpoint = sts_endpoint
        self.items: dict[Key, dict[str, Any]] = {}
        self.recorders: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        # name -> (account, region, source status rows)
        self.aggregators: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
        self.leave_unprocessed: set[Key] = set()
        self.page_cap = 100  # Config may answer fewer rows than asked: paging is honoured
        self._accounts: dict[str, str] = {}
        self._guard = threading.Lock()
        self.route("POST", "/", self._dispatch)

    # -- what it holds ----------------------------------------------------------------------

    def put_item(self, *, account: str, region: str, resource_type: str, resource_id: str,
                 name: str | None, arn: str, configuration: Mapping[str, Any],
                 supplementary: Mapping[str, Any] | None = None,
                 captured_at: dt.datetime, status: str = "OK") -> None:
        self.items[(account, region, resource_type, resource_id)] = {
            "version": "1.3", "accountId": account,
            "configurationItemCaptureTime": captured_at.timestamp(),
            "configurationItemStatus": status,
            "configurationStateId": str(int(captured_at.timestamp() * 1000)),
            "arn": arn, "resourceType": resource_type, "resourceId": resource_id,
            "resourceName": name, "awsRegion": region, "availabilityZone": "Regional",
            "configuration": json.dumps(configuration),
            "supplementaryConfiguration": {k: v if isinstance(v, str) else json.dumps(v)
                                           for k, v in (supplementary or {}).items()},
            "recordingFrequency": "CONTINUOUS",
        }

    def recorder(self, account: str, region: str, *, recording: bool = True,
                 resource_types: Iterable[str] | None = None,
                 last_status: str = "Success", error: tuple[str, str] | None = None) -> None:
        """A recorder in an account and region (``resource_types``: only these recorded)."""
        group: dict[str, Any] = {"allSupported": True, "includeGlobalResourceTypes": True,
                                 "resourceTypes": [], "exclusionByResourceTypes":
                                 {"resourceTypes": []},
                                 "recordingStrategy": {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"}}
        if resource_types is not None:
            group.update(allSupported=False, includeGlobalResourceTypes=False,
                         resourceTypes=sorted(resource_types),
                         recordingStrategy={"useOnly": "INCLUSION_BY_RESOURCE_TYPES"})
        now = dt.datetime.now(dt.timezone.utc).timestamp()
        status: dict[str, Any] = {"name": "default", "lastStartTime": now - 86400,
                                  "recording": recording, "lastStatus": last_status,
                                  "lastStatusChangeTime": now - 60}
        if not recording:
            status["lastStopTime"] = now - 3600
        if error is not None:
            status.update(lastErrorCode=error[0], lastErrorMessage=error[1])
        self.recorders[(account, region)] = (
            {"name": "default", "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/"
             "config.amazonaws.com/AWSServiceRoleForConfig", "recordingGroup": group,
             "recordingMode": {"recordingFrequency": "CONTINUOUS"}}, status)

    def aggregator(self, name: str, *, account: str, region: str,
                   sources: Iterable[tuple[str, str]], failed: Mapping[tuple[str, str],
                                                                       tuple[str, str]] = {}
                   ) -> None:
        """An account aggregator over (account, region) sources; ``failed`` ones report a
        failed last update with (code, message)."""
        now = dt.datetime.now(dt.timezone.utc).timestamp()
        rows = []
        for source in sorted(set(sources)):
            row: dict[str, Any] = {"SourceId": source[0], "SourceType": "ACCOUNT",
                                   "AwsRegion": source[1], "LastUpdateStatus": "SUCCEEDED",
                                   "LastUpdateTime": now - 600}
            if source in failed:
                row.update(LastUpdateStatus="FAILED", LastErrorCode=failed[source][0],
                           LastErrorMessage=failed[source][1])
            rows.append(row)
        self.aggregators[name] = (account, region, rows)

    def calls(self, operation: str) -> int:
        return sum(1 for r in self.seen if r.headers.get("x-amz-target") == _TARGET + operation)

    # -- the protocol -----------------------------------------------------------------------

    def _account(self, access_key: str) -> str:
        with self._guard:
            known = self._accounts.get(access_key)
        if known is not None:
            return known
        request = urllib.request.Request(
            self.sts_endpoint, data=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/"
                                      "us-east-1/sts/aws4_request, SignedHeaders=host, "
                                      "Signature=0"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read().decode()
        account = re.search(r"<Account>(\d{12})</Account>", text)
        if account is None:
            raise RuntimeError(f"the emulator's STS did not say whose key {access_key} is")
        with self._guard:
            self._accounts[access_key] = account.group(1)
        return account.group(1)

    def _dispatch(self, request: Request) -> Reply:
        target = request.headers.get("x-amz-target", "")
        found = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/",
                          request.headers.get("authorization", ""))
        if not target.startswith(_TARGET) or found is None:
            return _error("MissingAuthenticationTokenException", "not a signed Config request")
        account, region = self._account(found.group(1)), found.group(2)
        body = json.loads(request.body or b"{}")
        handler = getattr(self, "_op_" + target[len(_TARGET):], None)
        if handler is None:
            return _error("UnknownOperationException", f"{target} is not emulated")
        answer: Reply = handler(account, region, body)
        return answer

    def _op_DescribeConfigurationRecorders(self, account: str, region: str,
                                           body: Mapping[str, Any]) -> Reply:
        found = self.recorders.get((account, region))
        return Reply.json({"ConfigurationRecorders": [found[0]] if found else []})

    def _op_DescribeConfigurationRecorderStatus(self, account: str, region: str,
                                                body: Mapping[str, Any]) -> Reply:
        found = self.recorders.get((account, region))
        return Reply.json({"ConfigurationRecordersStatus": [found[1]] if found else []})

    def _aggregator_of(self, account: str, region: str, body: Mapping[str, Any]
                       ) -> tuple[str, str, list[dict[str, Any]]] | Reply:
        name = str(body.get("ConfigurationAggregatorName") or "")
        found = self.aggregators.get(name)
        if found is None or found[:2] != (account, region):
            return _error("NoSuchConfigurationAggregatorException",
                          "The configuration aggregator does not exist. Check the "
                          "configuration aggregator name and try again.")
        return found

    def _op_DescribeConfigurationAggregatorSourcesStatus(self, account: str, region: str,
                                                         body: Mapping[str, Any]) -> Reply:
        found = self._aggregator_of(account, region, body)
        if isinstance(found, Reply):
            return found
        return self._page(found[2], body, "AggregatedSourceStatusList")

    def _op_SelectResourceConfig(self, account: str, region: str,
                                 body: Mapping[str, Any]) -> Reply:
        items = [i for (a, r, _, _), i in sorted(self.items.items()) if (a, r) == (account,
                                                                                   region)]
        return self._select(items, body)

    def _op_SelectAggregateResourceConfig(self, account: str, region: str,
                                          body: Mapping[str, Any]) -> Reply:
        found = self._aggregator_of(account, region, body)
        if isinstance(found, Reply):
            return found
        sources = {(row["SourceId"], row["AwsRegion"]) for row in found[2]}
        items = [i for (a, r, _, _), i in sorted(self.items.items()) if (a, r) in sources]
        return self._select(items, body)

    def _op_BatchGetResourceConfig(self, account: str, region: str,
                                   body: Mapping[str, Any]) -> Reply:
        keys = body.get("resourceKeys") or []
        if not 1 <= len(keys) <= 100:
            return _error("ValidationException", "resourceKeys must hold 1 to 100 keys")
        got, left = self._batch([(account, region, k["resourceType"], k["resourceId"])
                                 for k in keys])
        return Reply.json({"baseConfigurationItems": got, "unprocessedResourceKeys": [
            {"resourceType": k[2], "resourceId": k[3]} for k in left]})

    def _op_BatchGetAggregateResourceConfig(self, account: str, region: str,
                                            body: Mapping[str, Any]) -> Reply:
        found = self._aggregator_of(account, region, body)
        if isinstance(found, Reply):
            return found
        keys = body.get("ResourceIdentifiers") or []
        if not 1 <= len(keys) <= 100:
            return _error("ValidationException", "ResourceIdentifiers must hold 1 to 100")
        got, left = self._batch([(k["SourceAccountId"], k["SourceRegion"], k["ResourceType"],
                                  k["ResourceId"]) for k in keys])
        return Reply.json({"BaseConfigurationItems": got, "UnprocessedResourceIdentifiers": [
            {"SourceAccountId": k[0], "SourceRegion": k[1], "ResourceType": k[2],
             "ResourceId": k[3]} for k in left]})

    def _batch(self, keys: list[Key]) -> tuple[list[dict[str, Any]], list[Key]]:
        got, left = [], []
        for key in keys:
            if key in self.leave_unprocessed:
                left.append(key)
            elif key in self.items:
                got.append(self.items[key])
        return got, left

    def _page(self, rows: list[Any], body: Mapping[str, Any], key: str) -> Reply:
        limit = int(body.get("Limit") or body.get("MaxResults") or 25)
        if not 0 <= limit <= 100:
            return _error("InvalidLimitException", f"Limit {limit} is more than 100")
        limit = min(limit or 25, self.page_cap)
        token = str(body.get("NextToken") or "0")
        if not token.isdigit():
            return _error("InvalidNextTokenException", "The specified next token is invalid.")
        start = int(token)
        answer: dict[str, Any] = {key: rows[start:start + limit]}
        if start + limit < len(rows):
            answer["NextToken"] = str(start + limit)
        return Reply.json(answer)

    def _select(self, items: list[dict[str, Any]], body: Mapping[str, Any]) -> Reply:
        parsed = _parse(str(body.get("Expression") or ""))
        if parsed is None:
            return _error("InvalidExpressionException", "The expression is not valid.")
        fields, conditions = parsed
        rows = [json.dumps({f: _field(item, f) for f in fields}) for item in items
                if all(str(_field(item, name)) in allowed for name, allowed in conditions)]
        reply = self._page(rows, body, "Results")
        if reply.status == 200:
            document = json.loads(reply.body)
            document["QueryInfo"] = {"SelectFields": [{"Name": f} for f in fields]}
            reply = Reply.json(document)
        return reply


def _field(item: Mapping[str, Any], name: str) -> Any:
    if name in ("configurationItemCaptureTime", "resourceCreationTime"):
        moment = item.get(name)
        return None if moment is None else _iso(dt.datetime.fromtimestamp(moment,
                                                                          dt.timezone.utc))
    return item.get(name)


def _parse(expression: str) -> tuple[list[str], list[tuple[str, set[str]]]] | None:
    """SELECT fields WHERE a IN ('x', 'y') AND b = 'z': the subset govkit's queries use."""
    found = _SELECT.match(expression)
    if found is None:
        return None
    fields = [f.strip() for f in found.group(1).split(",")]
    conditions = []
    for part in re.split(r"\s+AND\s+", found.group(2), flags=re.IGNORECASE):
        match = _CONDITION.match(part)
        if match is None:
            return None
        values = {match.group(2)} if match.group(2) is not None else \
            {v.strip().strip("'") for v in (match.group(3) or "").split(",")}
        conditions.append((match.group(1), values))
    return fields, conditions

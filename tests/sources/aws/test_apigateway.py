"""API Gateway REST APIs of the demo estate on a moto server over HTTP: the patient portal's
API FAILs both logging rules naming the API, its id and the stage with the values seen, the
scheduling API passes, and a denied stage listing is an ERROR naming the call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.model import Resource
from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import apigateway
from govkit.sources.aws.scan import AwsService
from govkit.sources.interface import NormalizeContext
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("apigateway-stage-execution-logging", "apigateway-stage-access-logging")


def test_the_portal_api_fails_and_the_scheduling_api_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.apigateway.rest_api"}
    for rule_id in RULES:
        assert results[(rule_id, "nbh-scheduling-api-2")].status is Status.PASS, rule_id
        assert results[(rule_id, "nbh-patient-portal-api-1")].status is Status.FAIL, rule_id
    execution = results[(RULES[0], "nbh-patient-portal-api-2")]
    api_id = execution.resource_id.rsplit("/", 1)[-1]
    assert execution.message.startswith(
        f"REST API nbh-patient-portal-api-2 ({api_id}) stage prod: execution logging is OFF "
        "(method settings */* loggingLevel; expected INFO or ERROR)")
    assert [r.pointer for r in execution.records] == ["/response/item"]
    assert "GetStages" in execution.records[0].file
    access = results[(RULES[1], "nbh-patient-portal-api-2")]
    assert f"({api_id}) stage prod: access logging is off (access log destination: not set)" \
        in access.message


def test_a_denied_stage_listing_is_an_error_naming_it(proxy: FaultProxy,
                                                      tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.API_GATEWAY, "GetStages",
                                        RULES[0])
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("apigateway:GetStages" in r.message and code in r.message for r in results)


def _record(writer: SnapshotWriter, region: str, operation: str, params: dict[str, Any],
            response: dict[str, Any]) -> None:
    writer.record(account=DEMO_ACCOUNT, region=region, service="apigateway",
                  operation=operation, params=params, response=response,
                  started_at=dt.datetime.now(dt.UTC), duration_ms=1)


def test_an_api_id_in_two_regions_is_read_from_its_own_region(tmp_path: Path) -> None:
    """REST API ids are unique only within a region: each region's API is judged on the
    stages read there, never on those of the API with the same id elsewhere."""
    writer = SnapshotWriter(tmp_path)
    for region, level in (("us-east-1", "ERROR"), ("us-west-2", None)):
        _record(writer, region, "GetRestApis", {},
                {"items": [{"id": "a1b2c3d4e5", "name": f"nbh-intake-api-{region}"}]})
        settings = {} if level is None else {"*/*": {"loggingLevel": level}}
        _record(writer, region, "GetStages", {"restApiId": "a1b2c3d4e5"},
                {"item": [{"stageName": "prod", "methodSettings": settings}]})
    writer.write_index()
    apis = {r.region: r for r in apigateway.normalize(
        Snapshot.open(tmp_path), NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
        if isinstance(r, Resource)}
    assert [s["ExecutionLogLevel"] for s in apis["us-east-1"].attributes["Stages"]] == ["ERROR"]
    assert [s["ExecutionLogLevel"] for s in apis["us-west-2"].attributes["Stages"]] == ["OFF"]
    assert all(region in ref.file for region, api in apis.items()
               for ref in api.sources["Stages"])

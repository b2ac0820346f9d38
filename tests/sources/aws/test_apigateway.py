"""API Gateway REST APIs of the demo estate on a moto server over HTTP: the patient portal's
API FAILs both logging rules naming the API, its id and the stage with the values seen, the
scheduling API passes, and a denied stage listing is an ERROR naming the call."""

from __future__ import annotations

from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
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

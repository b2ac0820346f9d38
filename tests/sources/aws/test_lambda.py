"""Lambda functions of the demo estate on a moto server over HTTP: the appointment-reminder
function FAILs the public policy, open URL and plain-secret rules naming the function, the
statement and the variables (never a value, which the snapshot does not hold either), the HL7
router passes, and denied policy and URL reads are ERRORs naming the call, never a PASS."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.model import Resource
from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import awslambda
from govkit.sources.aws.scan import AwsService
from govkit.sources.interface import NormalizeContext
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("lambda-function-not-public", "lambda-function-url-requires-auth",
         "lambda-function-no-secrets-in-environment")


def test_the_reminder_function_fails_and_the_router_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.lambda.function"}
    for rule_id in RULES:
        assert results[(rule_id, "nbh-hl7-router-1")].status is Status.PASS, rule_id
        assert results[(rule_id, "nbh-appointment-reminders-2")].status is Status.FAIL, rule_id
    public = results[("lambda-function-not-public", "nbh-appointment-reminders-1")]
    assert public.message.startswith(
        "function nbh-appointment-reminders-1 has a resource policy letting any principal (*) "
        "in with no condition confining who: statement public-invoke allows "
        "lambda:InvokeFunction")
    [record] = public.records
    assert "GetPolicy" in record.file and record.pointer == "/response/Policy"
    url = results[("lambda-function-url-requires-auth", "nbh-appointment-reminders-1")]
    assert "with auth type NONE: anyone who has the URL can invoke" in url.message
    assert url.message.startswith("function nbh-appointment-reminders-1 has a function URL "
                                  "(https://")
    secrets = results[("lambda-function-no-secrets-in-environment",
                       "nbh-appointment-reminders-1")].message
    assert "function nbh-appointment-reminders-1 variable SMS_GATEWAY_API_KEY: its name says " \
           "it holds a credential (API_KEY) and its value is plain text" in secrets
    assert "function nbh-appointment-reminders-1 variable EXPORT_USER_KEY: its value is " \
           "shaped like a credential (aws-access-key-id)" in secrets
    assert "CLINIC_TIMEZONE" not in secrets and "AKIA" not in secrets


def test_no_variable_value_reaches_the_snapshot(demo_run: Run) -> None:
    snapshot = Snapshot.open(demo_run.path)
    listings = [e for e in snapshot.select("lambda", "ListFunctions")]
    assert listings
    for entry in listings:
        raw = (demo_run.path / entry.file).read_text()
        assert "AKIAIOSFODNN7EXAMPLE" not in raw and "demo-sms-gateway-key" not in raw
        assert "America/Chicago" not in raw and "<redacted by govkit: text>" in raw


@pytest.mark.parametrize(("operation", "rule_id"), [
    ("GetPolicy", "lambda-function-not-public"),
    ("GetFunctionUrlConfig", "lambda-function-url-requires-auth")])
def test_a_denied_read_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path, operation: str,
                                             rule_id: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.LAMBDA, operation, rule_id)
    assert results and all(r.status is Status.ERROR for r in results)
    assert all(f"lambda:{operation}" in r.message and code in r.message for r in results)


def _record(writer: SnapshotWriter, region: str, operation: str, params: dict[str, Any],
            response: dict[str, Any]) -> None:
    writer.record(account=DEMO_ACCOUNT, region=region, service="lambda", operation=operation,
                  params=params, response=response, started_at=dt.datetime.now(dt.UTC),
                  duration_ms=1)


def test_a_name_in_two_regions_is_read_from_its_own_region(tmp_path: Path) -> None:
    """Function names are unique only within a region: each region's function is judged on
    the policy and URL read there, never on its namesake's."""
    writer = SnapshotWriter(tmp_path)
    name = "nbh-claims-export"
    for region, principal, auth in (("us-east-1", "*", "NONE"),
                                    ("us-west-2", f"arn:aws:iam::{DEMO_ACCOUNT}:root",
                                     "AWS_IAM")):
        arn = f"arn:aws:lambda:{region}:{DEMO_ACCOUNT}:function:{name}"
        _record(writer, region, "ListFunctions", {},
                {"Functions": [{"FunctionName": name, "FunctionArn": arn,
                                "Runtime": "python3.12"}]})
        _record(writer, region, "GetPolicy", {"FunctionName": name},
                {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Sid": "invoke", "Effect": "Allow", "Principal": {"AWS": principal},
                     "Action": "lambda:InvokeFunction", "Resource": arn}]})})
        _record(writer, region, "GetFunctionUrlConfig", {"FunctionName": name},
                {"FunctionUrl": f"https://{region}.lambda-url.example/", "AuthType": auth})
    writer.write_index()
    functions = {r.region: r for r in awslambda.normalize(
        Snapshot.open(tmp_path), NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
        if isinstance(r, Resource)}
    east, west = functions["us-east-1"], functions["us-west-2"]
    assert east.attributes["PublicGrants"] == ["statement invoke allows lambda:InvokeFunction"]
    assert west.attributes["PublicGrants"] == []
    assert (east.attributes["FunctionUrlAuthType"], west.attributes["FunctionUrlAuthType"]) \
        == ("NONE", "AWS_IAM")
    assert all("us-east-1" in ref.file for ref in east.sources["PublicGrants"])
    assert all("us-west-2" in ref.file for ref in west.sources["FunctionUrlAuthType"])

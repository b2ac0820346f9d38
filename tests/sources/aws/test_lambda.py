"""Lambda functions of the demo estate on a moto server over HTTP: the appointment-reminder
function FAILs the public policy, open URL and plain-secret rules naming the function, the
statement and the variables (never a value, which the snapshot does not hold either), the HL7
router passes, and denied policy and URL reads are ERRORs naming the call, never a PASS."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot
from govkit.sources.aws.scan import AwsService
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

"""Statuses fail closed: ERROR names the failed call; NOT_APPLICABLE needs a good listing."""

from __future__ import annotations

import datetime as dt

from govkit.inventory.model import CallFailure, Coverage, Inventory, ResourceBuilder
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.exceptions import RiskException
from govkit.policy.model import Rule, Severity
from govkit.results import Status

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
DENIED = CallFailure(call="s3:GetBucketEncryption (Bucket=nbh-intake) in 111/us-east-1",
                     operation="s3:GetBucketEncryption", code="AccessDenied",
                     message="Access Denied", file="snapshots/111/us-east-1/s3/x.json")

RULE = Rule(id="phi-bucket-kms", area="encryption", title="PHI buckets use KMS",
            resource_type="aws.s3.bucket", severity=Severity.HIGH,
            assertion={"key": "DefaultEncryption.SSEAlgorithm", "op": "eq", "value": "aws:kms"},
            remediation="Turn on SSE-KMS.", controls=("164.312(a)(2)(iv)",), scope_phi=True)


def bucket(name: str, *, phi: bool = True, algorithm: str | None = "aws:kms",
           failed: bool = False, account: str = "111") -> object:
    builder = ResourceBuilder(id=f"arn:aws:s3:::{name}", type="aws.s3.bucket", account=account,
                              region="us-east-1", name=name)
    builder.set_tags({"data_classification": "phi" if phi else "public"}, "snap/tags.json")
    if failed:
        builder.fail("DefaultEncryption", DENIED)
    else:
        builder.set("DefaultEncryption", {"SSEAlgorithm": algorithm}, "snap/enc.json")
    return builder.build()


def ok_coverage(account: str = "111") -> Coverage:
    return Coverage(type="aws.s3.bucket", account=account, region="global", source="snap/l.json")


def run(resources: list, coverage: list, exceptions: tuple = ()) -> list:
    evaluation = evaluate_all([RULE], Inventory.of(resources, coverage), now=NOW,
                              settings=Settings(), exceptions=exceptions)
    return list(evaluation.results)


def test_pass_and_fail_with_evidence() -> None:
    results = run([bucket("good"), bucket("bad", algorithm="AES256")], [ok_coverage()])
    by_name = {r.resource_name: r for r in results}
    assert by_name["good"].status is Status.PASS
    assert by_name["bad"].status is Status.FAIL
    assert "AES256" in by_name["bad"].message
    assert by_name["bad"].evidence == ("snap/enc.json", "snap/tags.json")


def test_failed_call_is_error_never_pass() -> None:
    [result] = run([bucket("locked", failed=True)], [ok_coverage()])
    assert result.status is Status.ERROR
    assert "s3:GetBucketEncryption" in result.message and "AccessDenied" in result.message
    assert result.failure is not None and result.failure["code"] == "AccessDenied"


def test_out_of_scope_resources_give_no_result_and_not_applicable() -> None:
    results = run([bucket("website", phi=False)], [ok_coverage()])
    assert [(r.status, r.account) for r in results] == [(Status.NOT_APPLICABLE, "111")]


def test_failed_listing_is_error_for_that_account_and_region() -> None:
    failed = Coverage(type="aws.s3.bucket", account="222", region="global",
                      failure=CallFailure(call="s3:ListBuckets in 222/global",
                                          operation="s3:ListBuckets", code="AccessDenied",
                                          message="", file="snap/list.json"))
    results = run([bucket("good")], [ok_coverage(), failed])
    statuses = sorted((r.account, r.status.value) for r in results)
    assert statuses == [("111", "PASS"), ("222", "ERROR")]


def test_type_never_collected_is_error() -> None:
    [result] = run([], [])
    assert result.status is Status.ERROR
    assert result.failure is not None and result.failure["code"] == "NotCollected"


def exception(expires: dt.date, pattern: str = "arn:aws:s3:::bad*") -> RiskException:
    return RiskException(rule="phi-bucket-kms", resource=pattern, owner="sec@example.org",
                         reason="Migration to KMS in progress.", ticket="SEC-1", expires=expires)


def test_current_exception_waives_a_failure() -> None:
    [result] = run([bucket("bad-1", algorithm="AES256")], [ok_coverage()],
                   (exception(dt.date(2027, 1, 1)),))
    assert result.status is Status.WAIVED
    assert result.exception is not None and result.exception["state"] == "active"
    assert "SEC-1" in result.message


def test_expired_exception_fails_again_and_is_reported() -> None:
    evaluation = evaluate_all([RULE], Inventory.of([bucket("bad-1", algorithm="AES256")],
                                                   [ok_coverage()]),
                              now=NOW, settings=Settings(),
                              exceptions=(exception(dt.date(2026, 10, 31)),))
    [result] = evaluation.results
    assert result.status is Status.FAIL
    assert "expired on 2026-10-31" in result.message
    assert [e["ticket"] for e in evaluation.expired_exceptions] == ["SEC-1"]


def test_exception_matching_nothing_is_reported_unused() -> None:
    evaluation = evaluate_all([RULE], Inventory.of([bucket("good")], [ok_coverage()]),
                              now=NOW, settings=Settings(),
                              exceptions=(exception(dt.date(2027, 1, 1), "arn:aws:s3:::x"),))
    assert [e["resource"] for e in evaluation.unused_exceptions] == ["arn:aws:s3:::x"]


def test_exceptions_never_hide_errors() -> None:
    [result] = run([bucket("bad-locked", failed=True)], [ok_coverage()],
                   (exception(dt.date(2027, 1, 1)),))
    assert result.status is Status.ERROR


def test_phi_tag_is_configurable() -> None:
    builder = ResourceBuilder(id="arn:aws:s3:::x", type="aws.s3.bucket", account="111",
                              region="us-east-1", name="x")
    builder.set_tags({"Sensitivity": "ePHI"}, "t").set("DefaultEncryption",
                                                       {"SSEAlgorithm": "AES256"}, "e")
    inventory = Inventory.of([builder.build()], [ok_coverage()])
    settings = Settings(phi_tag_key="Sensitivity", phi_tag_values=("ephi",))
    [result] = evaluate_all([RULE], inventory, now=NOW, settings=settings).results
    assert result.status is Status.FAIL


def test_unknown_tags_make_phi_scope_an_error() -> None:
    builder = ResourceBuilder(id="arn:aws:s3:::x", type="aws.s3.bucket", account="111",
                              region="us-east-1", name="x")
    builder.fail("Tags", DENIED)
    [result] = evaluate_all([RULE], Inventory.of([builder.build()], [ok_coverage()]), now=NOW,
                            settings=Settings()).results
    assert result.status is Status.ERROR
    assert "tell whether the rule applies" in result.message

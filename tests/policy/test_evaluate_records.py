"""Each result names the records it was judged on and has a stable, unique id."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from govkit.inventory.model import CallFailure, Coverage, Inventory, Ref, ResourceBuilder
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.model import Rule, Severity
from govkit.results import RecordRef, Result, Status, result_id, sorted_results

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
ENCRYPTION = Ref("snap/enc.json", "/response/ServerSideEncryptionConfiguration")
TAGS = Ref("snap/tags.json", "/response/TagSet")
DENIED = CallFailure(call="s3:GetBucketEncryption (Bucket=x) in 111/us-east-1",
                     operation="s3:GetBucketEncryption", code="AccessDenied",
                     message="Access Denied", file="snap/denied.json", pointer="/error_message")

RULE = Rule(id="phi-bucket-kms", area="encryption", title="PHI buckets use KMS",
            resource_type="aws.s3.bucket", severity=Severity.HIGH,
            assertion={"key": "DefaultEncryption.SSEAlgorithm", "op": "eq", "value": "aws:kms"},
            remediation="Turn on SSE-KMS.", controls=("164.312(a)(2)(iv)",), scope_phi=True)


def bucket(name: str, *, failed: bool = False, account: str = "111") -> object:
    builder = ResourceBuilder(id=f"arn:aws:s3:::{name}", type="aws.s3.bucket", account=account,
                              region="us-east-1", name=name)
    builder.set_tags({"data_classification": "phi"}, TAGS)
    builder.set("Versioning", "Enabled", Ref("snap/versioning.json", "/response/Status"))
    if failed:
        builder.fail("DefaultEncryption", DENIED)
    else:
        builder.set("DefaultEncryption", {"SSEAlgorithm": "AES256"}, ENCRYPTION)
    return builder.build()


def evaluate(resources: list, coverage: list) -> list[Result]:
    return list(evaluate_all([RULE], Inventory.of(resources, coverage), now=NOW,
                             settings=Settings()).results)


def listed(account: str = "111") -> Coverage:
    return Coverage(type="aws.s3.bucket", account=account, region="global",
                    source="snap/list.json")


def test_a_judged_result_names_the_records_of_what_the_rule_read() -> None:
    [result] = evaluate([bucket("intake")], [listed()])
    assert result.status is Status.FAIL
    # the assertion's attribute and the scope's tags; not Versioning, which it did not read
    assert result.records == (
        RecordRef(attribute="DefaultEncryption", file=ENCRYPTION.file,
                  pointer=ENCRYPTION.pointer),
        RecordRef(attribute="Tags", file=TAGS.file, pointer=TAGS.pointer))
    # evidence still lists every file the resource was built from
    assert result.evidence == ("snap/enc.json", "snap/tags.json", "snap/versioning.json")
    assert result.to_json()["records"][0] == {
        "attribute": "DefaultEncryption", "file": "snap/enc.json",
        "pointer": "/response/ServerSideEncryptionConfiguration"}


def test_an_error_names_the_failed_call_record() -> None:
    [result] = evaluate([bucket("locked", failed=True)], [listed()])
    assert result.status is Status.ERROR
    assert result.records == (RecordRef(attribute="DefaultEncryption",
                                        file="snap/denied.json", pointer="/error_message"),)


def test_listing_results_name_the_listing() -> None:
    denied = Coverage(type="aws.s3.bucket", account="222", region="global",
                      failure=dataclasses.replace(DENIED, file="snap/list-denied.json"))
    results = {r.account: r for r in evaluate([], [listed(), denied])}
    assert results["111"].status is Status.NOT_APPLICABLE
    assert results["111"].records == (RecordRef(attribute="*", file="snap/list.json",
                                                pointer="/response"),)
    assert results["222"].records == (RecordRef(attribute="*", file="snap/list-denied.json",
                                                pointer="/error_message"),)


def test_ids_come_from_rule_and_resource() -> None:
    [result] = evaluate([bucket("intake")], [listed()])
    expected = hashlib.sha256(b"phi-bucket-kms\narn:aws:s3:::intake").hexdigest()[:12]
    assert result.id == expected == result_id("phi-bucket-kms", "arn:aws:s3:::intake")
    assert result.to_json()["id"] == expected


def test_a_resource_id_judged_twice_gets_distinct_ids() -> None:
    # the same bucket name listed in two accounts: one rule judges the same id twice
    results = evaluate([bucket("shared", account="111"), bucket("shared", account="222")],
                       [listed("111"), listed("222")])
    assert len({r.id for r in results}) == len(results) == 2
    again = evaluate([bucket("shared", account="222"), bucket("shared", account="111")],
                     [listed("222"), listed("111")])
    assert [r.id for r in again] == [r.id for r in results]


def test_sorted_results_keep_unique_ids_unchanged() -> None:
    one = Result(rule_id="r", status=Status.PASS, severity=Severity.LOW, resource_id="a",
                 resource_type="t", account="1", region="x", controls=(), message="m")
    two = dataclasses.replace(one, resource_id="b", id="")
    assert [r.id for r in sorted_results([two, one])] == [result_id("r", "a"),
                                                         result_id("r", "b")]

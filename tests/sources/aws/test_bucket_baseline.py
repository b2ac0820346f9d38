"""The baseline for data nobody classified: encryption at rest and TLS-only access judged on
every bucket of the demo estate, whatever its tag, beside the stricter PHI rules; and the
classification tag itself asked of every place that keeps data."""

from __future__ import annotations

from govkit.results import Status
from govkit.run import Run


def test_every_bucket_is_judged_whatever_its_tags(demo_run: Run) -> None:
    results = demo_run.evaluation.results
    buckets = {r.resource_name for r in results if r.resource_type == "aws.s3.bucket"}
    phi = {r.resource_name for r in results if r.rule_id == "s3-phi-bucket-tls-only"}
    assert phi and phi < buckets  # the PHI rule judges some buckets only
    for rule_id in ("s3-bucket-default-encryption", "s3-bucket-tls-only"):
        judged = {r.resource_name: r for r in results if r.rule_id == rule_id}
        assert set(judged) == buckets, rule_id
        assert all(r.severity.label == "medium" for r in judged.values())
    encryption = {r.resource_name: r for r in results
                  if r.rule_id == "s3-bucket-default-encryption"}
    unencrypted = encryption["nbh-call-recordings-1"]
    assert unencrypted.status is Status.FAIL
    assert unencrypted.message.startswith(
        "bucket nbh-call-recordings-1 has no default encryption (default algorithm: not set)")
    assert [r.pointer for r in unencrypted.records] == ["/error_code"]
    tls = {r.resource_name: r for r in results if r.rule_id == "s3-bucket-tls-only"}
    assert tls["nbh-public-website-assets"].status is Status.FAIL
    assert tls["nbh-patient-intake-docs-1"].status is Status.PASS


def test_an_unclassified_volume_fails_and_classified_places_pass(demo_run: Run) -> None:
    judged = [r for r in demo_run.evaluation.results if r.rule_id == "data-classification-tagged"]
    assert {r.resource_type for r in judged} == {"aws.s3.bucket", "aws.dynamodb.table",
                                                 "aws.rds.instance", "aws.rds.cluster",
                                                 "aws.ec2.volume", "aws.efs.file_system",
                                                 "aws.redshift.cluster"}
    failed = [r for r in judged if r.status is Status.FAIL]
    assert {r.resource_type for r in failed} == {"aws.ec2.volume"}
    assert len(failed) == 2  # scheduling-app-root-1 and -2, one per region
    assert all("has no data_classification tag (its tags: Name, application, environment, "
               "owner): no PHI rule can tell whether it holds PHI" in r.message for r in failed)
    assert all(r.status is Status.PASS for r in judged if r not in failed)

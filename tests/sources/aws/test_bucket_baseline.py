"""The bucket baseline: encryption at rest and TLS-only access judged on every bucket of the
demo estate, whatever its classification tag, beside the stricter PHI rules."""

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

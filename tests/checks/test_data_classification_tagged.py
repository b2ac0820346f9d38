"""The data-classification baseline follows the scan's PHI tag key (``--phi-tag``), judges only
the configured types, and is ERROR where the tags could not be read."""

from __future__ import annotations

import datetime as dt

from govkit.inventory.model import CallFailure, Coverage, Inventory, Ref, Resource, ResourceBuilder
from govkit.policy.evaluate import Settings, evaluate_rule
from govkit.policy.loader import load_policy_set
from govkit.results import Result, Status
from govkit.sources.aws import eligible

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
ACCOUNT, REGION = "123456789012", "us-east-1"


def resource(kind: str, name: str, tags: dict[str, str] | None) -> Resource:
    builder = ResourceBuilder(id=f"arn:aws:{kind}:{REGION}:{ACCOUNT}:{name}", type=kind,
                              account=ACCOUNT, region=REGION, name=name)
    file = f"snapshots/{ACCOUNT}/{REGION}/{name}.json"
    if tags is None:
        builder.fail("Tags", CallFailure(call=f"tags of {name}", operation="s3:GetBucketTagging",
                                         code="AccessDenied", message="", file=file,
                                         pointer="/error_message"))
    else:
        builder.set_tags(tags, Ref(file, "/response/TagSet"))
    builder.set(eligible.KEY, {"ResourceType": kind}, Ref(file))
    return builder.build()


def judged(settings: Settings, *resources: Resource,
           failed: tuple[Coverage, ...] = ()) -> dict[str, Result]:
    rule = load_policy_set().by_id()["data-classification-tagged"]
    inventory = Inventory.of(resources, [Coverage(type=eligible.GROUP, account=ACCOUNT,
                                                   region="global", source="x.json"), *failed],
                             groups={eligible.GROUP: resources})
    return {r.resource_name: r for r in evaluate_rule(rule, inventory, settings=settings,
                                                       now=NOW)}


def test_the_configured_phi_tag_key_is_the_one_required() -> None:
    estate = (resource("aws.s3.bucket", "claims", {"classification": "phi"}),
              resource("aws.s3.bucket", "exports", {"data_classification": "phi"}))
    default = judged(Settings(), *estate)
    assert default["claims"].status is Status.FAIL
    assert default["claims"].message.startswith(
        f"s3 bucket claims in {ACCOUNT}/{REGION} has no data_classification tag (its tags: "
        "classification)")
    assert default["exports"].status is Status.PASS
    configured = judged(Settings(phi_tag_key="classification"), *estate)
    assert configured["claims"].status is Status.PASS
    assert configured["claims"].message.endswith("is classified: classification=phi")
    assert configured["exports"].status is Status.FAIL
    assert [r.pointer for r in configured["exports"].records] == ["/response/TagSet"]


def test_only_the_listed_types_and_unread_tags_are_errors() -> None:
    results = judged(Settings(), resource("aws.ec2.volume", "vol-1", None),
                     resource("aws.workspaces.workspace", "ws-1", {}))
    assert set(results) == {"vol-1"}  # a WorkSpace is not a type the baseline judges
    assert results["vol-1"].status is Status.ERROR
    assert results["vol-1"].message == "cannot evaluate: tags of vol-1 failed with AccessDenied"


def test_a_failed_listing_of_a_judged_type_is_an_error_and_of_another_type_is_not() -> None:
    def failed_listing(member: str, operation: str) -> Coverage:
        return Coverage(type=eligible.GROUP, account=ACCOUNT, region=REGION, member=member,
                        failure=CallFailure(call=f"{operation} in {ACCOUNT}/{REGION}",
                                            operation=operation, code="AccessDenied",
                                            message="", file=f"{operation}.json",
                                            pointer="/error_message"))
    classified = resource("aws.s3.bucket", "claims", {"data_classification": "phi"})
    results = judged(Settings(), classified,
                     failed=(failed_listing("aws.ec2.volume", "ec2:DescribeVolumes"),
                             failed_listing("aws.workspaces.workspace",
                                            "workspaces:DescribeWorkspaces")))
    errors = [r for r in results.values() if r.status is Status.ERROR]
    assert [(r.resource_id, r.message) for r in errors] == [
        (f"aws.ec2.volume:{ACCOUNT}:{REGION}",
         f"cannot list aws.ec2.volume: ec2:DescribeVolumes in {ACCOUNT}/{REGION} failed with "
         "AccessDenied")]

"""Provenance in the inventory model: refs (file + RFC 6901 pointer) per attribute."""

from __future__ import annotations

import pytest

from govkit.inventory.model import CallFailure, Ref, ResourceBuilder, json_pointer
from govkit.snapshot import CallEntry


@pytest.mark.parametrize(("tokens", "pointer"), [
    ((), ""),
    (("response", "Buckets", 3), "/response/Buckets/3"),
    (("response", "a/b", "m~n", ""), "/response/a~1b/m~0n/"),
    (("~1",), "/~01"),
])
def test_json_pointer_escapes_tilde_then_slash(tokens: tuple[str | int, ...],
                                               pointer: str) -> None:
    assert json_pointer(*tokens) == pointer


def builder() -> ResourceBuilder:
    return ResourceBuilder(id="arn:aws:s3:::b", type="aws.s3.bucket", account="111",
                           region="us-east-1", name="b")


def test_a_plain_file_means_the_whole_record() -> None:
    resource = builder().set("Versioning", "Enabled", "snap/v.json").build()
    assert resource.sources["Versioning"] == (Ref("snap/v.json"),)
    assert resource.evidence() == ["snap/v.json"]


def test_several_refs_keep_their_order_without_repeats() -> None:
    main, other = Ref("snap/a.json", "/response/X"), Ref("snap/b.json", "/response/Y")
    resource = builder().set("KmsKeyManager", "CUSTOMER", [main, other, main]).build()
    assert resource.sources["KmsKeyManager"] == (main, other)
    assert resource.refs_for({"KmsKeyManager", "Missing"}) == [("KmsKeyManager", main),
                                                               ("KmsKeyManager", other)]
    assert resource.evidence() == ["snap/a.json", "snap/b.json"]


def test_refs_for_the_whole_document_lists_every_attribute_by_name() -> None:
    resource = (builder().set("b", 1, Ref("f2", "/response/b"))
                .set("a", 2, Ref("f1", "/response/a")).build())
    assert [name for name, _ in resource.refs_for({"@"})] == ["a", "b"]


def test_a_failure_from_a_failed_call_points_at_its_error_message() -> None:
    entry = CallEntry(file="snap/e.json", account="111", region="us-east-1", service="s3",
                      operation="GetBucketPolicy", params={"Bucket": "b"}, outcome="error",
                      error_code="AccessDenied")
    assert CallFailure.from_entry(entry).ref == Ref("snap/e.json", "/error_message")
    answered = CallEntry(**{**entry.__dict__, "outcome": "ok", "error_code": None})
    assert CallFailure.from_entry(answered, "bucket was not read").ref == Ref("snap/e.json")
    never = CallFailure(call="x", operation="x", code="NotCollected", message="m", file="")
    assert never.ref is None

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


def test_an_item_s_attributes_read_back_as_given_wherever_they_point() -> None:
    """Sources under the item the resource was read from are held as pointer tails; the
    rest as given; every one reads back as the Ref it was set from."""
    page = "snapshots/okta/global/okta/ListUsers.1.json"
    item = Ref(page, "/response/body/17")
    factors = "snapshots/okta/global/okta/ListFactors.9.json"
    given = {
        "System": (item,),
        "Login": (Ref(page, "/response/body/17/profile/login"),),
        "Emails": (Ref(page, "/response/body/17/profile/email"),
                   Ref(page, "/response/body/17/profile/login")),
        "MfaFactors": (Ref(factors, "/response/body/0"), Ref(factors, "/response/body/1")),
        "Elsewhere": (Ref(page, "/response/body/3/status"),),  # the page, another item
    }
    made = ResourceBuilder(id="okta:t:user/00u1", type="okta.user", account="t",
                           region="global", name="a@x", item=item)
    for key, refs in given.items():
        made.set(key, key, refs)
    resource = made.build()
    assert {k: resource.sources[k] for k in given} == given
    assert resource.refs_for({"Emails"}) == [("Emails", given["Emails"][0]),
                                             ("Emails", given["Emails"][1])]
    assert resource.evidence() == sorted([factors, page])
    joined = resource.extended({"Reconciliation": ("linked", [Ref("hr.json", "/rows/2", 3)])},
                               {"Login": CallFailure(call="c", operation="o", code="X",
                                                     message="", file="")})
    assert joined.sources["Reconciliation"] == (Ref("hr.json", "/rows/2", 3),)
    assert "Login" not in joined.sources and joined.sources["Emails"] == given["Emails"]
    assert joined.evidence() == sorted(["hr.json", factors, page])


def test_a_csv_row_s_cells_keep_their_line() -> None:
    export = "snapshots/hr/global/hr/ReadExport.json"
    row = Ref(export, "/response/rows/4", 6)
    resource = (ResourceBuilder(id="hr:p1", type="hr.person", account="hr", region="global",
                                name="p1", item=row)
                .set("PersonId", "p1", Ref(export, "/response/rows/4/0", 6))
                .set("Status", "active", row).build())
    assert resource.sources["PersonId"] == (Ref(export, "/response/rows/4/0", 6),)
    assert resource.refs_for({"Status"}) == [("Status", row)]

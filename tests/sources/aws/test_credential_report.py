"""Access key ids joined to the credential report's key slots from iam:ListAccessKeys."""

from __future__ import annotations

from typing import Any

from govkit.inventory.model import CallFailure, Ref
from govkit.sources.aws.normalize.credential_report import CredentialReport, access_keys
from govkit.snapshot import CallEntry, CallRecord

REPORT_FILE = "snapshots/111122223333/global/iam/GetCredentialReport.abc.json"
REPORT = CredentialReport({}, REPORT_FILE, None, "credential report generated 2026-11-01T00:00:00Z",
                          {"arn:aws:iam::111122223333:user/ana": 3})


def row(**slots: str) -> dict[str, str]:
    base = {"user": "ana", "arn": "arn:aws:iam::111122223333:user/ana",
            "access_key_1_active": "false", "access_key_1_last_rotated": "N/A",
            "access_key_1_last_used_date": "N/A", "access_key_2_active": "false",
            "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A"}
    return base | slots


def listing(*keys: tuple[str, str], error: str | None = None) -> CallRecord:
    entry = CallEntry(file="snapshots/111122223333/global/iam/ListAccessKeys.ana.x.json",
                      account="111122223333", region="global", service="iam",
                      operation="ListAccessKeys", params={"UserName": "ana", "page": 1},
                      outcome="ok" if error is None else "error", error_code=error)
    if error is not None:
        return CallRecord(entry=entry, error_message="User ana is not authorized")
    metadata: list[dict[str, Any]] = [{"AccessKeyId": key, "CreateDate": created,
                                       "Status": "Active", "UserName": "ana"}
                                      for key, created in keys]
    return CallRecord(entry=entry, response={"AccessKeyMetadata": metadata})


def test_each_slot_gets_the_key_created_when_the_report_says_it_was_rotated() -> None:
    # listed newest first, with sub-second times the report does not have
    found = access_keys(row(access_key_1_active="true",
                            access_key_1_last_rotated="2025-01-10T08:00:00+00:00",
                            access_key_2_active="true",
                            access_key_2_last_rotated="2024-03-01T09:30:00+00:00"),
                        [listing(("AKIAOLDERINSLOTONE01", "2025-01-10T08:00:00.731Z"),
                                 ("AKIANEWERINSLOTTWO02", "2024-03-01T09:30:00.123456Z"))],
                        REPORT)
    assert not isinstance(found, CallFailure)
    keys, refs = found
    assert [(k["Slot"], k["AccessKeyId"]) for k in keys] == [
        (1, "AKIAOLDERINSLOTONE01"), (2, "AKIANEWERINSLOTTWO02")]
    assert refs == [Ref(REPORT_FILE, "/response/Content", 3),
                    Ref(listing().entry.file, "/response/AccessKeyMetadata")]


def test_without_a_matching_time_keys_go_to_slots_in_creation_order() -> None:
    found = access_keys(row(access_key_1_active="true",
                            access_key_1_last_rotated="2025-01-10T08:00:00+00:00",
                            access_key_2_active="false",
                            access_key_2_last_rotated="2025-02-10T08:00:00+00:00"),
                        [listing(("AKIASECOND0000000002", "2025-06-01T00:00:00Z"),
                                 ("AKIAFIRST00000000001", "2025-05-01T00:00:00Z"))], REPORT)
    assert not isinstance(found, CallFailure)
    keys, _ = found
    assert [(k["Slot"], k["AccessKeyId"], k["Active"]) for k in keys] == [
        (1, "AKIAFIRST00000000001", True), (2, "AKIASECOND0000000002", False)]


def test_a_user_without_keys_needs_no_listing() -> None:
    found = access_keys(row(), [], REPORT)
    assert found == ([], [Ref(REPORT_FILE, "/response/Content", 3)])


def test_a_denied_listing_fails_the_keys_naming_the_call() -> None:
    found = access_keys(row(access_key_1_active="true",
                            access_key_1_last_rotated="2025-01-10T08:00:00+00:00"),
                        [listing(error="AccessDenied")], REPORT)
    assert isinstance(found, CallFailure)
    assert found.operation == "iam:ListAccessKeys" and found.code == "AccessDenied"
    assert found.pointer == "/error_message"


def test_a_listing_never_made_while_the_report_shows_a_key_fails_too() -> None:
    found = access_keys(row(access_key_2_last_rotated="2025-01-10T08:00:00+00:00"), [], REPORT)
    assert isinstance(found, CallFailure)
    assert found.operation == "iam:ListAccessKeys" and found.code == "NotCollected"
    assert "ana" in found.explain()

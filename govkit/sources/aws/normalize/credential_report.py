"""The IAM credential report: rows by user ARN, and whether they may be used; and the access
key ids the report leaves out, joined to its key slots from ``iam:ListAccessKeys``.

IAM hands back an existing report when one was generated in the last four hours, and an older
one when generating a new report is denied. Rules that read the report state when it was
generated; a report generated longer than the allowed age before collection started is refused,
so those rules are ERROR naming its age rather than judged on stale facts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit import canonical
from govkit.instants import parse_instant
from govkit.sources.aws.services.iam import key_slots
from govkit.inventory.model import CallFailure, Ref
from govkit.sources.aws.normalize.common import RecordSet, failure, not_collected, ref, report_value
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord

CONTENT = "/response/Content"


@dataclass(frozen=True)
class CredentialReport:
    """The IAM credential report's rows by ARN, the record they came from and when IAM
    generated it; or why they cannot be used (the call failed, or the report is stale).
    ``lines`` gives each row's line number in the report (1 is the header)."""

    rows: Mapping[str, Mapping[str, str]]
    file: str | None
    failure: CallFailure | None
    note: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)

    def ref_of(self, row: Mapping[str, str]) -> Ref:
        """Where ``row`` is: the report's text, at the row's line."""
        return Ref(self.file or "", CONTENT, self.lines.get(row.get("arn") or ""))


CREDENTIAL_FIELDS = ("PasswordEnabled", "PasswordLastUsed", "PasswordLastChanged", "MfaActive",
                     "AccessKeys", "ActiveAccessKeys")


def credential_report(records: RecordSet, ctx: NormalizeContext) -> CredentialReport:
    """The account's credential report, refused when IAM generated it longer than the allowed
    age before collection started (IAM hands back an existing report, up to four hours old or
    older when generating a new one was denied)."""
    reports = records.of("GetCredentialReport")
    if not reports:
        generated = records.of("GenerateCredentialReport")
        missing = failure(generated[-1]) if generated else None
        return CredentialReport({}, None, missing)
    report = reports[-1]
    if not report.entry.ok:
        return CredentialReport({}, None, failure(report))
    content = report.response.get("Content", "")
    if isinstance(content, Mapping):  # not text: cannot be a CSV report
        return CredentialReport({}, report.entry.file,
                                CallFailure.from_entry(report.entry, "report not text"))
    generated_at = parse_instant(report.response.get("GeneratedTime"))
    if generated_at is None:
        return CredentialReport({}, report.entry.file, CallFailure(
            call=report.entry.describe(), operation="iam:GetCredentialReport",
            code="StaleCredentialReport", file=report.entry.file,
            message="the report does not say when it was generated, so its age is unknown",
            pointer="/response"))
    stamp = canonical.iso_utc(generated_at)
    started = ctx.collection_started
    if started is not None and generated_at < started - ctx.credential_report_max_age:
        age = started - generated_at
        return CredentialReport({}, report.entry.file, CallFailure(
            call=report.entry.describe(), operation="iam:GetCredentialReport",
            code="StaleCredentialReport", file=report.entry.file,
            message=f"the credential report was generated at {stamp}, {_hours(age)} before "
                    f"the scan started; the limit is {_hours(ctx.credential_report_max_age)}",
            pointer=ref(report, "GeneratedTime").pointer))
    rows: dict[str, Mapping[str, str]] = {}
    lines: dict[str, int] = {}
    reader = csv.DictReader(io.StringIO(str(content)))
    start = 2  # the header is line 1
    for row in reader:
        rows[row.get("arn", "")] = row
        lines[row.get("arn", "")] = start
        start = reader.line_num + 1  # a quoted cell may span lines
    return CredentialReport(rows, report.entry.file, None,
                            f"credential report generated {stamp}", lines)


def access_key_listings(records: RecordSet) -> dict[str, list[CallRecord]]:
    """The pages of ``iam:ListAccessKeys`` by user name."""
    found: dict[str, list[CallRecord]] = {}
    for record in records.of("ListAccessKeys"):
        found.setdefault(str(record.entry.params.get("UserName")), []).append(record)
    return found


def access_keys(row: Mapping[str, str], listing: Sequence[CallRecord], report: CredentialReport
                ) -> tuple[list[dict[str, Any]], list[Ref]] | CallFailure:
    """The user's access keys, one per report slot that holds one, each with its id from
    ``iam:ListAccessKeys``, and where they were read (the report row, the key list). A slot
    is matched to the listed key created when the report says the slot's key was (to the
    second), else to the listed keys in creation order. When the report shows a key and its
    list was not read, the keys are unknown: the failure says why."""
    slots = key_slots(row)
    refs = [report.ref_of(row)]
    if slots:
        if not listing:
            return not_collected("iam:ListAccessKeys",
                                 f"the access keys of {row.get('user')} were not listed")
        failed = next((page for page in listing if not page.entry.ok), None)
        if failed is not None:
            return failure(failed)
        refs += [ref(page, "AccessKeyMetadata") for page in listing]
    listed = [item for page in listing for item in page.response.get("AccessKeyMetadata") or []]
    ids = _slot_ids({slot: report_value(row.get(f"access_key_{slot}_last_rotated"))
                     for slot in slots}, listed)
    keys = []
    for slot in slots:
        keys.append({"Slot": slot, "AccessKeyId": ids.get(slot),
                     "Active": row.get(f"access_key_{slot}_active") == "true",
                     "LastRotated": report_value(row.get(f"access_key_{slot}_last_rotated")),
                     "LastUsedDate": report_value(row.get(f"access_key_{slot}_last_used_date"))})
    return keys, refs


def _slot_ids(rotated: Mapping[int, str | None],
              listed: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Key id by slot: the key created in the second the slot's key was last rotated, else
    the remaining keys oldest first, in slot order."""
    remaining = sorted(listed, key=lambda k: (_second(k.get("CreateDate")) or _EPOCH,
                                              str(k.get("AccessKeyId"))))
    found: dict[int, str] = {}
    for slot, when in sorted(rotated.items()):
        moment = _second(when)
        match = next((k for k in remaining
                      if moment is not None and _second(k.get("CreateDate")) == moment), None)
        if match is not None:
            found[slot] = str(match.get("AccessKeyId"))
            remaining.remove(match)
    for slot in sorted(rotated):
        if slot not in found and remaining:
            found[slot] = str(remaining.pop(0).get("AccessKeyId"))
    return found


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _second(value: Any) -> dt.datetime | None:
    moment = parse_instant(value)
    return None if moment is None else moment.replace(microsecond=0)


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 10 or hours == int(hours) else f"{hours:.1f} hours"

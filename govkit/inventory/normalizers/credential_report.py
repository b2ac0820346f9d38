"""The IAM credential report: rows by user ARN, and whether they may be used.

IAM hands back an existing report when one was generated in the last four hours, and an older
one when generating a new report is denied. Rules that read the report state when it was
generated; a report generated longer than the allowed age before collection started is refused,
so those rules are ERROR naming its age rather than judged on stale facts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govkit import canonical
from govkit.inventory.model import CallFailure
from govkit.inventory.normalizers.common import NormalizeContext, RecordSet, failure


@dataclass(frozen=True)
class CredentialReport:
    """The IAM credential report's rows by ARN, the record they came from and when IAM
    generated it; or why they cannot be used (the call failed, or the report is stale)."""

    rows: Mapping[str, Mapping[str, str]]
    file: str | None
    failure: CallFailure | None
    note: str = ""


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
    generated_at = _parse_time(report.response.get("GeneratedTime"))
    if generated_at is None:
        return CredentialReport({}, report.entry.file, CallFailure(
            call=report.entry.describe(), operation="iam:GetCredentialReport",
            code="StaleCredentialReport", file=report.entry.file,
            message="the report does not say when it was generated, so its age is unknown"))
    stamp = canonical.iso_utc(generated_at)
    started = ctx.collection_started
    if started is not None and generated_at < started - ctx.credential_report_max_age:
        age = started - generated_at
        return CredentialReport({}, report.entry.file, CallFailure(
            call=report.entry.describe(), operation="iam:GetCredentialReport",
            code="StaleCredentialReport", file=report.entry.file,
            message=f"the credential report was generated at {stamp}, {_hours(age)} before "
                    f"the scan started; the limit is {_hours(ctx.credential_report_max_age)}"))
    rows = {row.get("arn", ""): row for row in csv.DictReader(io.StringIO(str(content)))}
    return CredentialReport(rows, report.entry.file, None,
                            f"credential report generated {stamp}")


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 10 or hours == int(hours) else f"{hours:.1f} hours"

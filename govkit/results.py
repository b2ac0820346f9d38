"""Results: one per rule and resource (or per rule and account/region when there is no
resource to judge), with status, evidence pointers and, for ERROR, the call that failed."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from govkit import schemas
from govkit.errors import EXIT_FAILURES, EXIT_INCOMPLETE, EXIT_OK
from govkit.policy.model import Severity


class Status(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    WAIVED = "WAIVED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True, kw_only=True)
class Result:
    rule_id: str
    status: Status
    severity: Severity
    resource_id: str
    resource_type: str
    account: str
    region: str
    controls: tuple[str, ...]
    message: str
    evidence: tuple[str, ...] = ()
    failure: Mapping[str, str] | None = None
    exception: Mapping[str, str] | None = None
    resource_name: str = ""

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.rule_id, self.account, self.region, self.resource_id)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule_id": self.rule_id, "status": self.status.value,
            "severity": self.severity.label, "resource_id": self.resource_id,
            "resource_name": self.resource_name, "resource_type": self.resource_type,
            "account": self.account, "region": self.region, "controls": list(self.controls),
            "message": self.message, "evidence": list(self.evidence),
        }
        if self.failure is not None:
            data["failure"] = dict(self.failure)
        if self.exception is not None:
            data["exception"] = dict(self.exception)
        return data


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation produced."""

    results: tuple[Result, ...]
    expired_exceptions: tuple[Mapping[str, str], ...] = ()
    unused_exceptions: tuple[Mapping[str, str], ...] = ()
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # calls recorded as failed (not "not configured" answers): the evidence is incomplete even
    # where no rule result shows it
    failed_calls: tuple[Mapping[str, str], ...] = ()

    @property
    def incomplete(self) -> bool:
        return bool(self.failed_calls) or self.has(Status.ERROR)

    def counts(self) -> dict[str, int]:
        found = Counter(r.status.value for r in self.results)
        return {s.value: found.get(s.value, 0) for s in Status}

    def failures_by_severity(self) -> dict[str, int]:
        found = Counter(r.severity.label for r in self.results if r.status is Status.FAIL)
        return {s.label: found.get(s.label, 0) for s in sorted(Severity, reverse=True)}

    def has(self, status: Status) -> bool:
        return any(r.status is status for r in self.results)

    def worst_failures(self, limit: int) -> list[Result]:
        failed = [r for r in self.results if r.status is Status.FAIL]
        return sorted(failed, key=lambda r: (-r.severity, r.sort_key()))[:limit]

    def to_json(self, *, run_id: str, evaluated_at: str) -> dict[str, Any]:
        return {
            "schema": "https://govkit.dev/schemas/results/v1",
            "run_id": run_id,
            "evaluated_at": evaluated_at,
            "summary": {"by_status": self.counts(),
                        "failures_by_severity": self.failures_by_severity(),
                        "rules": len(self.rules), "results": len(self.results),
                        "failed_calls": len(self.failed_calls)},
            "rules": {k: dict(v) for k, v in sorted(self.rules.items())},
            "results": [r.to_json() for r in self.results],
            "exceptions": {"expired": [dict(e) for e in self.expired_exceptions],
                           "unused": [dict(e) for e in self.unused_exceptions]},
            "failed_calls": [dict(f) for f in self.failed_calls],
        }


def validate_results(document: Mapping[str, Any]) -> None:
    """Raise jsonschema.ValidationError when ``document`` breaks the published schema."""
    jsonschema.Draft202012Validator(schemas.load("results")).validate(document)


def sorted_results(results: Iterable[Result]) -> tuple[Result, ...]:
    return tuple(sorted(results, key=Result.sort_key))


def exit_code_for(evaluation: Evaluation, fail_on: Severity | None) -> int:
    """3 when evidence is incomplete (an ERROR, or a failed call in the snapshot), 1 for
    failures at or above ``fail_on``."""
    if evaluation.incomplete:
        return EXIT_INCOMPLETE
    if fail_on is not None and any(r.status is Status.FAIL and r.severity >= fail_on
                                   for r in evaluation.results):
        return EXIT_FAILURES
    return EXIT_OK


"""Results: one per rule and resource (or per rule and account/region when there is no
resource to judge), with status, evidence pointers and, for ERROR, the call that failed.

Each result has a stable ``id`` (from its rule and resource, so the same finding has the same
id in every run) and ``records``: for each attribute the rule read, the place inside the
snapshot record its value came from (file and JSON Pointer, and for a credential-report value
the CSV line); for ERROR, the failed call's record."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


ID_LENGTH = 12
LISTING = "*"  # the attribute of a record that is a listing, not one resource's value


def result_id(rule_id: str, resource_id: str, *more: str) -> str:
    """A result's id: the first 12 hex digits of SHA-256 over its rule and resource ids."""
    text = "\n".join((rule_id, resource_id, *more))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


class RecordRef(NamedTuple):
    """Where a value a result was judged on sits: ``file`` (relative to the run directory),
    ``pointer`` (RFC 6901) inside it and, for a line of CSV text there, ``row`` (1 is the
    header). ``attribute`` is the resource attribute it gave (``*``: a listing). A tuple:
    every judged result makes a few, and evaluation must stay fast."""

    attribute: str
    file: str
    pointer: str = ""
    row: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"attribute": self.attribute, "file": self.file,
                                "pointer": self.pointer}
        if self.row is not None:
            data["row"] = self.row
        return data


@dataclass(kw_only=True, slots=True)
class Result:
    """One judgement. Treated as a value and never changed once made (``dataclasses.replace``
    makes a changed copy), but not a frozen dataclass: a frozen one sets each of its sixteen
    fields through ``object.__setattr__``, which made building a result four times slower,
    and an evaluation of a large identity estate builds hundreds of thousands."""

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
    records: tuple[RecordRef, ...] = ()
    failure: Mapping[str, str] | None = None
    exception: Mapping[str, str] | None = None
    resource_name: str = ""
    facts: Mapping[str, Any] | None = None  # what a check kind measured (auditor data)
    id: str = ""  # default: result_id(rule_id, resource_id)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = result_id(self.rule_id, self.resource_id)

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.rule_id, self.account, self.region, self.resource_id)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        """A result as results.json holds it (the inverse of ``to_json``)."""
        return cls(
            id=str(data["id"]), rule_id=str(data["rule_id"]), status=Status(data["status"]),
            severity=Severity.parse(str(data["severity"])),
            resource_id=str(data["resource_id"]), resource_type=str(data["resource_type"]),
            resource_name=str(data.get("resource_name") or ""), account=str(data["account"]),
            region=str(data["region"]), controls=tuple(data.get("controls") or ()),
            message=str(data["message"]), evidence=tuple(data.get("evidence") or ()),
            records=tuple(RecordRef(str(r["attribute"]), str(r["file"]),
                                    str(r.get("pointer", "")), r.get("row"))
                          for r in data.get("records") or ()),
            failure=data.get("failure"), exception=data.get("exception"),
            facts=data.get("facts"))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "rule_id": self.rule_id, "status": self.status.value,
            "severity": self.severity.label, "resource_id": self.resource_id,
            "resource_name": self.resource_name, "resource_type": self.resource_type,
            "account": self.account, "region": self.region, "controls": list(self.controls),
            "message": self.message, "evidence": list(self.evidence),
            "records": [r.to_json() for r in self.records],
        }
        if self.failure is not None:
            data["failure"] = dict(self.failure)
        if self.exception is not None:
            data["exception"] = dict(self.exception)
        if self.facts is not None:
            data["facts"] = dict(self.facts)
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

    @classmethod
    def from_json(cls, document: Mapping[str, Any],
                  results: Iterable[Result] | None = None) -> Evaluation:
        """The evaluation a results document records (the inverse of ``to_json``);
        ``results``: its results, already read (the document then need not hold them)."""
        exceptions = document.get("exceptions") or {}
        return cls(results=tuple(results if results is not None else
                                 (Result.from_json(r) for r in document["results"])),
                   expired_exceptions=tuple(exceptions.get("expired") or ()),
                   unused_exceptions=tuple(exceptions.get("unused") or ()),
                   rules=dict(document.get("rules") or {}),
                   failed_calls=tuple(document.get("failed_calls") or ()))

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
    """Results in their stable order, each id unique within the run."""
    return _unique_ids(sorted(results, key=Result.sort_key))


def _unique_ids(results: list[Result]) -> tuple[Result, ...]:
    """Ids clash only when one rule judges two resources with the same id (a resource id
    repeated across accounts or regions): those take the account and region into their id,
    then, if still shared, their position."""
    counts = Counter(r.id for r in results)
    if len(counts) == len(results):
        return tuple(results)
    out: list[Result] = []
    seen: set[str] = set()
    for result in results:
        if counts[result.id] > 1:
            new = result_id(result.rule_id, result.resource_id, result.account, result.region)
            position = 1
            while new in seen or (new in counts and new != result.id):
                position += 1
                new = result_id(result.rule_id, result.resource_id, result.account,
                                result.region, str(position))
            result = dataclasses.replace(result, id=new)
        seen.add(result.id)
        out.append(result)
    return tuple(out)


def exit_code_for(evaluation: Evaluation, fail_on: Severity | None) -> int:
    """3 when evidence is incomplete (an ERROR, or a failed call in the snapshot), 1 for
    failures at or above ``fail_on``."""
    if evaluation.incomplete:
        return EXIT_INCOMPLETE
    if fail_on is not None and any(r.status is Status.FAIL and r.severity >= fail_on
                                   for r in evaluation.results):
        return EXIT_FAILURES
    return EXIT_OK


"""The normalised inventory: typed, read-only resources with provenance.

Every attribute of a resource can be traced to the snapshot record it came from (``sources``),
and every attribute whose call failed is listed in ``failures``, so that a check reading it is
reported as ERROR naming that call. ``coverage`` says, per resource type, account and region,
whether the listing call succeeded: "no resources" is only NOT_APPLICABLE when it did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from govkit.snapshot import CallEntry

# Failure codes govkit itself gives (no AWS call failed): their message is the explanation.
OWN_CODES = frozenset({"NotCollected", "NotInReport", "StaleCredentialReport"})


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class CallFailure:
    """A call that failed, as a result message and evidence pointer name it."""

    call: str  # e.g. "s3:GetBucketEncryption (Bucket=x) in 111122223333/us-east-1"
    operation: str  # e.g. "s3:GetBucketEncryption"
    code: str
    message: str
    file: str

    @classmethod
    def from_entry(cls, entry: CallEntry, message: str | None = None) -> CallFailure:
        return cls(call=entry.describe(), operation=f"{entry.service}:{entry.operation}",
                   code=entry.error_code or "Unknown", message=message or "",
                   file=entry.file)

    def explain(self) -> str:
        """How a result names this failure: the call and its error code, and govkit's own
        explanation when no AWS call failed (a stale report, a call that was never made)."""
        if self.code in OWN_CODES and self.message:
            return f"{self.call}: {self.message}"
        return f"{self.call} failed with {self.code}"

    def to_json(self) -> dict[str, str]:
        return {"call": self.call, "operation": self.operation, "code": self.code,
                "message": self.message, "file": self.file}


@dataclass(frozen=True, kw_only=True)
class Resource:
    """One resource as checks see it. ``attributes`` is the document JMESPath keys read."""

    id: str
    type: str
    account: str
    region: str
    name: str
    tags: Mapping[str, str] = field(default_factory=_empty)
    attributes: Mapping[str, Any] = field(default_factory=_empty)
    sources: Mapping[str, str] = field(default_factory=_empty)
    failures: Mapping[str, CallFailure] = field(default_factory=_empty)
    notes: Mapping[str, str] = field(default_factory=_empty)

    def document(self) -> Mapping[str, Any]:
        return self.attributes

    def evidence(self) -> list[str]:
        """Snapshot files this resource was built from, sorted, without repeats."""
        files = set(self.sources.values()) | {f.file for f in self.failures.values()}
        return sorted(f for f in files if f)

    def notes_on(self, fields: frozenset[str]) -> list[str]:
        """What a reader must know about the attributes ``fields`` (e.g. how old the
        credential report they came from is); "@" means every attribute."""
        if not self.notes:
            return []
        if "@" in fields:
            return sorted(set(self.notes.values()))
        return sorted({self.notes[f] for f in fields if f in self.notes})


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """Whether resources of ``type`` were listed in an account and region."""

    type: str
    account: str
    region: str
    failure: CallFailure | None = None
    source: str | None = None


class ResourceBuilder:
    """Collects a resource's attributes with their sources, then freezes it."""

    def __init__(self, *, id: str, type: str, account: str, region: str, name: str) -> None:
        self.id, self.type, self.account, self.region, self.name = id, type, account, region, name
        self.tags: dict[str, str] = {}
        self.attributes: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.failures: dict[str, CallFailure] = {}
        self.notes: dict[str, str] = {}

    def set(self, key: str, value: Any, source: str) -> ResourceBuilder:
        self.attributes[key] = value
        self.sources[key] = source
        return self

    def update(self, values: Mapping[str, Any], source: str) -> ResourceBuilder:
        for key, value in values.items():
            self.set(key, value, source)
        return self

    def fail(self, key: str, failure: CallFailure) -> ResourceBuilder:
        self.attributes.pop(key, None)
        self.sources.pop(key, None)
        self.failures[key] = failure
        return self

    def note(self, keys: Iterable[str], text: str) -> ResourceBuilder:
        """Attach ``text`` to each attribute in ``keys``; results that read them state it."""
        for key in keys:
            self.notes[key] = text
        return self

    def set_tags(self, tags: Mapping[str, str], source: str) -> ResourceBuilder:
        self.tags = dict(tags)
        return self.set("Tags", dict(tags), source)

    def build(self) -> Resource:
        attributes = {"Id": self.id, "Name": self.name, "Account": self.account,
                      "Region": self.region, **self.attributes}
        failures = dict(self.failures)
        if "Tags" not in self.attributes and "Tags" not in failures:
            # never an empty default: a PHI-scoped rule would silently find nothing in scope
            failures["Tags"] = CallFailure(
                call=f"tags of {self.type}", operation="tags", code="NotCollected",
                message=f"govkit does not collect the tags of {self.type}", file="")
        return Resource(id=self.id, type=self.type, account=self.account, region=self.region,
                        name=self.name, tags=MappingProxyType(dict(self.tags)),
                        attributes=MappingProxyType(attributes),
                        sources=MappingProxyType(dict(self.sources)),
                        failures=MappingProxyType(failures),
                        notes=MappingProxyType(dict(self.notes)))


@dataclass(frozen=True)
class Inventory:
    resources: tuple[Resource, ...]
    coverage: tuple[Coverage, ...]
    _by_type: Mapping[str, tuple[Resource, ...]] = field(default_factory=_empty, repr=False)

    @classmethod
    def of(cls, resources: Iterable[Resource], coverage: Iterable[Coverage]) -> Inventory:
        ordered = tuple(sorted(resources, key=lambda r: (r.type, r.id)))
        grouped: dict[str, list[Resource]] = defaultdict(list)
        for resource in ordered:
            grouped[resource.type].append(resource)
        cover = tuple(sorted(set(coverage), key=lambda c: (c.type, c.account, c.region,
                                                            c.failure is None)))
        return cls(ordered, cover, MappingProxyType({k: tuple(v) for k, v in grouped.items()}))

    def of_type(self, resource_type: str) -> tuple[Resource, ...]:
        return self._by_type.get(resource_type, ())

    def coverage_of(self, resource_type: str) -> list[Coverage]:
        return [c for c in self.coverage if c.type == resource_type]

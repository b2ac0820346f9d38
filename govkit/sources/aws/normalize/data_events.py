"""Which S3 object-level (data) events a CloudTrail trail's event selectors record.

Read conservatively: a selector counts for a bucket only when it records every read (or every
write) of every object in it. A selector narrowed to a key prefix, to some event names, to some
callers or with exclusions we do not model counts for nothing, so a bucket is never reported as
logged when part of its activity may not be.

Classic selectors: ``ReadWriteType`` (All, ReadOnly, WriteOnly) with ``DataResources`` of type
``AWS::S3::Object`` whose values are ARN prefixes ("arn:aws:s3" for every bucket,
"arn:aws:s3:::bucket/" for one bucket). Advanced selectors: ``eventCategory`` = Data and
``resources.type`` = AWS::S3::Object, optionally ``readOnly`` and ``resources.ARN``
(StartsWith / NotStartsWith).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

READ, WRITE = "Read", "Write"
_KINDS = {"All": frozenset({READ, WRITE}), "ReadOnly": frozenset({READ}),
          "WriteOnly": frozenset({WRITE})}
S3_OBJECT = "AWS::S3::Object"
# fields of an advanced selector that do not narrow which S3 object events are recorded
_HARMLESS_FIELDS = {"eventCategory", "resources.type", "readOnly", "resources.ARN", "eventSource"}


@dataclass(frozen=True)
class _Grant:
    kinds: frozenset[str]
    prefixes: tuple[str, ...]  # object ARN prefixes; "" means every bucket
    excluded: tuple[str, ...] = ()

    def covers(self, bucket_arn: str) -> bool:
        whole = f"{bucket_arn}/"
        if any(whole.startswith(x) or x.startswith(whole) for x in self.excluded):
            return False
        return any(whole.startswith(p) for p in self.prefixes)


@dataclass(frozen=True)
class S3DataEvents:
    grants: tuple[_Grant, ...]

    def kinds_for(self, bucket_arn: str) -> frozenset[str]:
        """READ and/or WRITE when every such event on every object of the bucket is logged."""
        found: set[str] = set()
        for grant in self.grants:
            if grant.covers(bucket_arn):
                found |= grant.kinds
        return frozenset(found)


def s3_data_events(document: Mapping[str, Any]) -> S3DataEvents:
    grants = [*_classic(document.get("EventSelectors") or []),
              *_advanced(document.get("AdvancedEventSelectors") or [])]
    return S3DataEvents(tuple(grants))


def _classic(selectors: Iterable[Mapping[str, Any]]) -> Iterable[_Grant]:
    for selector in selectors:
        kinds = _KINDS.get(str(selector.get("ReadWriteType") or "All"), frozenset())
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") == S3_OBJECT and kinds:
                yield _Grant(kinds, tuple(str(v) for v in resource.get("Values") or []))


def _values(field: Mapping[str, Any] | None, operator: str) -> list[str]:
    return [str(v) for v in (field or {}).get(operator) or []]


def _advanced(selectors: Iterable[Mapping[str, Any]]) -> Iterable[_Grant]:
    for selector in selectors:
        fields = {str(f.get("Field")): f for f in selector.get("FieldSelectors") or []}
        if _values(fields.get("eventCategory"), "Equals") != ["Data"] or \
                _values(fields.get("resources.type"), "Equals") != [S3_OBJECT]:
            continue
        if set(fields) - _HARMLESS_FIELDS:
            continue  # narrowed to some event names, callers, ...: not every event
        source = fields.get("eventSource")
        if source is not None and (set(source) - {"Field", "Equals"} or
                                   _values(source, "Equals") != ["s3.amazonaws.com"]):
            continue
        kinds = _read_only(fields.get("readOnly"))
        arn = fields.get("resources.ARN")
        if arn is None:
            yield _Grant(kinds, ("",))
            continue
        if set(arn) - {"Field", "StartsWith", "NotStartsWith"}:
            continue  # Equals / EndsWith / NotEquals pick single objects: not a whole bucket
        prefixes = tuple(_values(arn, "StartsWith")) or ("",)
        yield _Grant(kinds, prefixes, tuple(_values(arn, "NotStartsWith")))


def _read_only(field: Mapping[str, Any] | None) -> frozenset[str]:
    if field is None:
        return frozenset({READ, WRITE})
    found: set[str] = set()
    for value in _values(field, "Equals"):
        found.add(READ if value.lower() == "true" else WRITE)
    for value in _values(field, "NotEquals"):
        found.add(WRITE if value.lower() == "true" else READ)
    return frozenset(found)

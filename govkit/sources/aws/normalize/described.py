"""Reading resources that a listing names and a second call describes (one item per call, or
a batch of them): the describing record of each listed item, and its fields set from it or
failed with the reason it could not be read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, ResourceBuilder
from govkit.sources.aws.normalize.common import RecordSet, failure, ref
from govkit.snapshot import CallRecord

Path = tuple[str | int, ...]
# a field's value from the described item, and where under the item it is read
Derived = tuple[Callable[[Mapping[str, Any]], Any], Path]


def by_region_and_name(records: RecordSet, operation: str, param: str
                       ) -> dict[tuple[str, str], CallRecord]:
    """The latest record of ``operation`` for each (region, name) it was asked about: names
    are unique only within a region, and ``param`` may carry a batch of them."""
    found: dict[tuple[str, str], CallRecord] = {}
    for record in records.of(operation):
        value = record.entry.params.get(param)
        for name in value if isinstance(value, list) else [value]:
            found[(record.entry.region, str(name))] = record
    return found


def set_described(builder: ResourceBuilder, record: CallRecord | None,
                  base: tuple[str | int | None, ...],
                  missing: CallFailure, fields: Mapping[str, Path],
                  derived: Mapping[str, Derived] | None = None) -> None:
    """Set each of ``fields`` (a path under the item) and ``derived`` from the item at
    ``base`` in ``record``'s answer (None in ``base``: the answer does not hold the item).
    Without a record every one of them fails with ``missing``; a failed call fails them with
    its failure."""
    derived = derived or {}
    keys = [*fields, *derived]
    if record is None or not record.entry.ok:
        cause = missing if record is None else failure(record)
        for key in keys:
            builder.fail(key, cause)
        return
    at: Path = tuple(part for part in base if part is not None)
    item = _at(record.response, at) if len(at) == len(base) else None
    if not isinstance(item, Mapping):
        absent = CallFailure.not_collected(
            record.entry.service, record.entry.operation,
            f"the answer does not describe {builder.name}, which the listing named",
            ref(record, *at[:1]), call=record.entry.describe())
        for key in keys:
            builder.fail(key, absent)
        return
    for key, path in fields.items():
        builder.set(key, _at(item, path), ref(record, *at, *path))
    for key, (value_of, path) in derived.items():
        builder.set(key, value_of(item), ref(record, *at, *path))


def index_of(items: Any, key: str, value: str) -> int | None:
    """The position of the item whose ``key`` is ``value`` in a described list."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, Mapping) and str(item.get(key)) == value:
            return index
    return None


def _at(node: Any, path: Path) -> Any:
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) \
                else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return node

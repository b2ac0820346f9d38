"""Finding messages as templates over the resource judged, an item of it, and the rule's
parameters: the message shows the values, never a parameter's name.

A slot is ``{path}`` or ``{path|filter}``:

- ``path`` is a dotted path (``AccessLogging.TargetBucket``, ``Trails[0].Name``, or
  ``AttachedPolicies[].PolicyName`` for a field of every item) in the document judged: the
  item when the rule judges each item of a list, else the resource;
- ``resource.path`` is always the resource, also from an item;
- ``param.NAME`` is the value of a rule parameter;
- ``value`` is the value the assertion read with its ``key``;
- ``item`` is the whole document judged (an item that is text, say).

Filters: ``date`` (2025-10-18), ``days_ago`` (whole days before the evaluation time),
``days_until`` (whole days from the evaluation time to the date, below zero once it passed),
``mask`` (AKIA…QX7: an identifier with its middle left out), ``list`` (comma-separated),
``count`` (how many). ``{{`` and ``}}`` are literal braces. A value that is absent renders as
"not set", an empty list as "none", and an absent date as "an unknown date".

Templates are parsed and checked when a rule is loaded: an unknown parameter, filter or field
(against the resource type's catalogue, govkit/schemas/resource-types.json) is an input error.
Rendering is pure: the evaluation time is an argument.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from govkit import schemas

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]*\])*")
_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]*)\]")
UNKNOWN_DATE = "an unknown date"


class TemplateError(ValueError):
    """What is wrong with a template, for the loader to report with file, line and field."""


@dataclass(frozen=True)
class Slot:
    namespace: str  # "doc", "resource", "param", "value" or "item"
    path: str
    filter: str | None


@dataclass(frozen=True)
class Template:
    text: str
    parts: tuple[str | Slot, ...]

    @property
    def slots(self) -> list[Slot]:
        return [p for p in self.parts if isinstance(p, Slot)]


@cache
def parse(text: str) -> Template:
    parts: list[str | Slot] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position:match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        if match.group(1) is None:
            raise TemplateError(f"unbalanced '{token}' at character {match.start() + 1} "
                                "(write {{ or }} for a literal brace)")
        parts.append(_slot(match.group(1).strip()))
    parts.append(text[position:])
    return Template(text, tuple(p for p in parts if p != ""))


def _slot(body: str) -> Slot:
    raw_path, _, raw_name = body.partition("|")
    path, name = raw_path.strip(), raw_name.strip() or None
    if name is not None and name not in FILTERS:
        raise TemplateError(f"unknown filter '{name}' in {{{body}}} (filters: "
                            f"{', '.join(sorted(FILTERS))})")
    if not _PATH.fullmatch(path):
        raise TemplateError(f"{{{body}}} is not a field path (letters, digits, _ and dots, "
                            "with [N] for a list position and [] for every item)")
    head, _, rest = path.partition(".")
    if head in ("param", "resource") and rest:
        return Slot(head, rest, name)
    if path in ("value", "item"):
        return Slot(path, "", name)
    return Slot("doc", path, name)


@cache
def _catalogue() -> Mapping[str, Any]:
    return schemas.load_data("resource-types.json")


def known_resource_types() -> list[str]:
    return sorted(_catalogue()["types"])


def fields_of(resource_type: str, items: str | None = None) -> frozenset[str] | None:
    """The fields of a resource type (or of the items of its list attribute ``items``); None
    when the type, or that list, is not catalogued."""
    entry = _catalogue()["types"].get(resource_type)
    if entry is None:
        return None
    if items is None:
        return frozenset(_catalogue()["common"]) | frozenset(entry["fields"])
    listed = (entry.get("items") or {}).get(items)
    return None if listed is None else frozenset(listed)


def check(template: Template, *, resource_fields: frozenset[str],
          doc_fields: frozenset[str] | None, parameters: Sequence[str],
          has_value: bool) -> None:
    """Raise TemplateError for the first slot naming what does not exist.

    ``doc_fields`` is None when the judged document's fields are not known (an item of a list
    the catalogue does not describe): only its path's syntax is checked then.
    """
    for slot in template.slots:
        root = _STEP.match(slot.path)
        first = root.group(1) if root else slot.path
        if slot.namespace == "param":
            if slot.path not in parameters:
                known = ", ".join(sorted(parameters)) or "none"
                raise TemplateError(f"unknown parameter '{slot.path}' (this rule's "
                                    f"parameters: {known})")
        elif slot.namespace == "value":
            if not has_value:
                raise TemplateError("{value} is only known in an assertion's own message")
        elif slot.namespace == "item":
            continue
        elif slot.namespace == "resource":
            if first not in resource_fields:
                raise TemplateError(f"unknown field 'resource.{first}'")
        elif doc_fields is not None and first not in doc_fields:
            raise TemplateError(f"unknown field '{first}' (known: "
                                f"{', '.join(sorted(doc_fields))})")


def render(template: Template, *, document: Any, resource: Any,
           parameters: Mapping[str, Any], now: dt.datetime, value: Any = None) -> str:
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if part.namespace == "param":
            found = parameters.get(part.path)
        elif part.namespace == "value":
            found = value
        elif part.namespace == "item":
            found = document
        else:
            found = lookup(resource if part.namespace == "resource" else document, part.path)
        out.append(FILTERS[part.filter](found, now) if part.filter else show(found))
    return "".join(out)


Step = tuple[str | None, str | None]  # (field name, or list index; "" for every item)


@cache
def _steps(path: str) -> tuple[Step, ...]:
    return tuple((m.group(1), m.group(2)) for m in _STEP.finditer(path))


def lookup(document: Any, path: str) -> Any:
    """The value at ``path``; ``[]`` takes the rest of the path from every item of a list
    (``AttachedPolicies[].PolicyName``)."""
    return _walk(document, _steps(path))


def _walk(current: Any, steps: tuple[Step, ...]) -> Any:
    for position, (name, index) in enumerate(steps):
        if name is not None:
            current = current.get(name) if isinstance(current, Mapping) else None
        elif index == "":
            if not isinstance(current, list):
                return None
            rest = steps[position + 1:]
            found = [_walk(item, rest) for item in current]
            return [v for v in found if v is not None]
        elif isinstance(current, list) and int(index or 0) < len(current):
            current = current[int(index or 0)]
        else:
            current = None
    return current


def show(value: Any) -> str:
    """A value as a finding states it: text as is, lists comma-separated, absent as "not
    set"."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value) if value else "none"
    text = json.dumps(value, sort_keys=True, default=str, separators=(", ", ": "))
    return text if len(text) <= 160 else text[:157] + "..."


def parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _date(value: Any, _now: dt.datetime) -> str:
    moment = parse_time(value)
    return UNKNOWN_DATE if moment is None else moment.date().isoformat()


def days_between(value: Any, now: dt.datetime) -> int | None:
    moment = parse_time(value)
    return None if moment is None else (now - moment).days


def _days_ago(value: Any, now: dt.datetime) -> str:
    days = days_between(value, now)
    return "an unknown number of" if days is None else str(days)


def _days_until(value: Any, now: dt.datetime) -> str:
    moment = parse_time(value)
    return "an unknown number of" if moment is None else str((moment - now).days)


def _mask(value: Any, _now: dt.datetime) -> str:
    text = show(value)
    return text if len(text) <= 10 else f"{text[:4]}…{text[-3:]}"


def _list(value: Any, _now: dt.datetime) -> str:
    if value is None:
        return show(None)
    items = value if isinstance(value, list) else [value]
    return ", ".join(show(v) for v in items) if items else "none"


def _count(value: Any, _now: dt.datetime) -> str:
    if value is None:
        return show(None)
    return str(len(value)) if isinstance(value, (list, dict, str)) else "1"


FILTERS: dict[str, Callable[[Any, dt.datetime], str]] = {
    "date": _date, "days_ago": _days_ago, "days_until": _days_until, "mask": _mask,
    "list": _list, "count": _count,
}

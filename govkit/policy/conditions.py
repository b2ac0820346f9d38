"""Assertions over a resource document: a JMESPath key, an operator, a value; nested with
all/any/not. Evaluation is pure: the evaluation time is an argument."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jmespath
import jmespath.exceptions
from jmespath.parser import ParsedResult

from govkit.policy import templates

Condition = Mapping[str, Any]
WHOLE_DOCUMENT = "@"


@lru_cache(maxsize=4096)
def compile_key(key: str) -> ParsedResult:
    return jmespath.compile(key)


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@lru_cache(maxsize=4096)
def searcher(key: str) -> Callable[[Any], Any]:
    """``search(document)`` for a key. Most keys are plain dotted fields, looked up directly
    with JMESPath's meaning (a field of anything but an object is null); others go through
    JMESPath's interpreter."""
    if not _DOTTED.fullmatch(key):
        interpreted: Callable[[Any], Any] = compile_key(key).search
        return interpreted
    names = tuple(key.split("."))

    def search(document: Any) -> Any:
        for name in names:
            try:
                document = document.get(name)
            except AttributeError:  # as JMESPath: a field of a list, text or null is null
                return None
        return document
    return search


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _compare(actual: Any, expected: Any, test: Callable[[float, float], bool]) -> bool:
    a, e = _number(actual), _number(expected)
    return a is not None and e is not None and test(a, e)


def _as_set(value: Any) -> set[Any] | None:
    if isinstance(value, list):
        try:
            return set(value)
        except TypeError:
            return None
    return None


def _older(actual: Any, days: int, now: dt.datetime) -> bool:
    moment = templates.parse_time(actual)
    return moment is not None and moment < now - dt.timedelta(days=days)


def _newer(actual: Any, days: int, now: dt.datetime) -> bool:
    moment = templates.parse_time(actual)
    return moment is not None and moment >= now - dt.timedelta(days=days)


def _later(actual: Any, days: int, now: dt.datetime) -> bool:
    """A date still more than ``days`` days ahead (a certificate's expiry, a contract's end):
    a date already past, or within the window, does not hold."""
    moment = templates.parse_time(actual)
    return moment is not None and moment > now + dt.timedelta(days=days)


def _contains(actual: Any, expected: Any) -> bool:
    return isinstance(actual, (list, str)) and expected in actual


def _regex(actual: Any, pattern: Any) -> bool:
    return isinstance(actual, str) and re.search(str(pattern), actual) is not None


def _subset(actual: Any, expected: Any) -> bool:
    a, e = _as_set(actual), _as_set(expected)
    return a is not None and e is not None and a <= e


def _disjoint(actual: Any, expected: Any) -> bool:
    a, e = _as_set(actual), _as_set(expected)
    return a is not None and e is not None and not a & e


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, e: a == e,
    "ne": lambda a, e: a != e,
    "in": lambda a, e: isinstance(e, list) and a in e,
    "not_in": lambda a, e: isinstance(e, list) and a not in e,
    "contains": _contains,
    "not_contains": lambda a, e: isinstance(a, (list, str)) and not _contains(a, e),
    "present": lambda a, _e: a is not None,
    "absent": lambda a, _e: a is None,
    "empty": lambda a, _e: a is None or a in ("", [], {}),
    "not_empty": lambda a, _e: a not in (None, "", [], {}),
    "regex": _regex,
    "gt": lambda a, e: _compare(a, e, lambda x, y: x > y),
    "ge": lambda a, e: _compare(a, e, lambda x, y: x >= y),
    "lt": lambda a, e: _compare(a, e, lambda x, y: x < y),
    "le": lambda a, e: _compare(a, e, lambda x, y: x <= y),
    "subset_of": _subset,
    "disjoint_from": _disjoint,
}
DATE_OPERATORS = {"older_than": _older, "newer_than": _newer, "later_than": _later}


@dataclass(frozen=True)
class Outcome:
    holds: bool
    reasons: tuple[str, ...] = ()


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"param"}:
        return parameters[value["param"]]
    return value


def evaluate(condition: Condition, document: Mapping[str, Any], *, now: dt.datetime,
             parameters: Mapping[str, Any], resource: Mapping[str, Any] | None = None
             ) -> Outcome:
    """Whether ``condition`` holds for ``document``, and why not when it does not.

    ``resource`` is the resource when ``document`` is one item of it (for ``{resource.x}`` in
    messages); by default the document itself.
    """
    root = document if resource is None else resource
    if "all" in condition:
        outcomes = [evaluate(c, document, now=now, parameters=parameters, resource=root)
                    for c in condition["all"]]
        failed = [o for o in outcomes if not o.holds]
        return Outcome(not failed, tuple(r for o in failed for r in o.reasons))
    if "any" in condition:
        outcomes = [evaluate(c, document, now=now, parameters=parameters, resource=root)
                    for c in condition["any"]]
        if any(o.holds for o in outcomes):
            return Outcome(True)
        return Outcome(False, (" and ".join(r for o in outcomes for r in o.reasons[:1]),))
    if "not" in condition:
        inner = evaluate(condition["not"], document, now=now, parameters=parameters,
                         resource=root)
        return Outcome(not inner.holds, () if not inner.holds else
                       (f"not expected: {_describe(condition['not'], parameters)}",))
    return _assertion(condition, document, root, now, parameters)


def _assertion(condition: Condition, document: Mapping[str, Any],
               resource: Mapping[str, Any], now: dt.datetime,
               parameters: Mapping[str, Any]) -> Outcome:
    op = condition["op"]
    try:
        actual = searcher(condition["key"])(document)
    except jmespath.exceptions.JMESPathError as exc:
        # the data has another shape than the key expects (e.g. length() of a missing list)
        return Outcome(False, (f"{condition['key']} cannot be evaluated on this resource: "
                               f"{str(exc).splitlines()[0]}",))
    if op in DATE_OPERATORS:
        days = int(_resolve(condition["days"], parameters))
        holds = DATE_OPERATORS[op](actual, days, now)
    else:
        holds = OPERATORS[op](actual, _resolve(condition.get("value"), parameters))
    if holds:
        return Outcome(True)
    template = condition.get("when_missing") if actual is None else None
    template = template or condition.get("message")
    if template:
        return Outcome(False, (templates.render(
            templates.parse(template), document=document, resource=resource,
            parameters=parameters, now=now, value=actual),))
    return Outcome(False, (_default_reason(condition, actual, parameters, now),))


# How each operator's expectation reads after "expected".
_EXPECTATIONS: dict[str, Callable[[str], str]] = {
    "eq": lambda v: v, "ne": lambda v: f"anything but {v}", "in": lambda v: f"one of {v}",
    "not_in": lambda v: f"none of {v}", "contains": lambda v: f"a value containing {v}",
    "not_contains": lambda v: f"a value without {v}", "present": lambda _v: "a value",
    "absent": lambda _v: "no value", "empty": lambda _v: "nothing (empty)",
    "not_empty": lambda _v: "at least one entry", "regex": lambda v: f"text matching {v}",
    "gt": lambda v: f"more than {v}", "ge": lambda v: f"at least {v}",
    "lt": lambda v: f"less than {v}", "le": lambda v: f"at most {v}",
    "subset_of": lambda v: f"only values among {v}",
    "disjoint_from": lambda v: f"none of {v}",
    "older_than": lambda v: f"a date more than {v} days before the evaluation",
    "newer_than": lambda v: f"a date within the last {v} days",
    "later_than": lambda v: f"a date more than {v} days after the evaluation",
}


def _seen(actual: Any, op: str, now: dt.datetime) -> str:
    if actual is None:
        return "missing"
    if actual in ("", [], {}):
        return "empty"
    if op in DATE_OPERATORS:
        moment = templates.parse_time(actual)
        if moment is None:
            return f"{_show(actual)}, which is not a date"
        ago = (now - moment).days
        if ago < 0:
            return f"{moment.date().isoformat()} (in {(moment - now).days} days)"
        return f"{moment.date().isoformat()} ({ago} days ago)"
    return _show(actual)


def _default_reason(condition: Condition, actual: Any, parameters: Mapping[str, Any],
                    now: dt.datetime) -> str:
    """The value seen and the expectation, in words: "Versioning is "Suspended"; expected
    "Enabled"", "LastRotated is 2025-01-25 (400 days ago); expected a date within the last 90
    days"."""
    op = condition["op"]
    if op in DATE_OPERATORS:
        wanted = _resolve(condition["days"], parameters)
    else:
        wanted = _show(_resolve(condition.get("value"), parameters))
    return f"{condition['key']} is {_seen(actual, op, now)}; expected " \
           f"{_EXPECTATIONS[op](str(wanted))}"


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _describe(condition: Condition, parameters: Mapping[str, Any]) -> str:
    if "all" in condition or "any" in condition:
        joiner = " and " if "all" in condition else " or "
        return "(" + joiner.join(_describe(c, parameters) for c in
                                 condition.get("all") or condition.get("any") or []) + ")"
    if "not" in condition:
        return f"not {_describe(condition['not'], parameters)}"
    op = condition["op"]
    if op in DATE_OPERATORS:
        wanted = str(_resolve(condition["days"], parameters))
    else:
        wanted = _show(_resolve(condition.get("value"), parameters))
    return f"{condition['key']} is {_EXPECTATIONS[op](wanted)}"


def root_fields(condition: Condition) -> frozenset[str]:
    """Top-level resource attributes a condition reads ("@" when it reads the whole document).

    A check is ERROR when any of these attributes could not be collected.
    """
    if "all" in condition or "any" in condition:
        parts = condition.get("all") or condition.get("any") or []
        return frozenset().union(*(root_fields(c) for c in parts))
    if "not" in condition:
        return root_fields(condition["not"])
    return key_roots(condition["key"])


@lru_cache(maxsize=4096)
def key_roots(key: str) -> frozenset[str]:
    return frozenset(_roots(compile_key(key).parsed))


_LEFT_ONLY = {"subexpression", "index_expression", "projection", "value_projection",
              "filter_projection", "flatten", "pipe"}


def _roots(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        return {str(node["value"])}
    if kind in ("current", "identity"):
        return {WHOLE_DOCUMENT}
    if kind in ("literal", "index", "slice", "expref"):
        return set()
    if kind in _LEFT_ONLY:
        return _roots(children[0]) if children else set()
    found: set[str] = set()
    for child in children:
        found |= _roots(child)
    return found


def check_key(key: str) -> str | None:
    """None when ``key`` is valid JMESPath, else the parser's complaint."""
    try:
        compile_key(key)
    except jmespath.exceptions.JMESPathError as exc:
        return str(exc).splitlines()[0]
    return None

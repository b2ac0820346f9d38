"""Typed rule parameters: what a rule declares, and whether a value suits the declaration.

A rule declares each parameter with a type and, for numbers, the range that makes sense for
its control: a key age of -30 or 99,999,999,999 days is a typo, not a policy. Defaults, the
overrides in a rule's test cases and ``--param`` values are all checked with ``problem_with``.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard


class ParameterType(enum.Enum):
    INTEGER = "integer"
    NUMBER = "number"
    STRING = "string"
    BOOLEAN = "boolean"
    STRING_LIST = "string-list"


NUMERIC = frozenset({ParameterType.INTEGER, ParameterType.NUMBER})
TEXTUAL = frozenset({ParameterType.STRING, ParameterType.STRING_LIST})


class DeclarationError(ValueError):
    """A declaration whose parts disagree; ``field`` names the part to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, kw_only=True)
class Parameter:
    name: str
    type: ParameterType
    default: Any
    description: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()

    @property
    def expected(self) -> str:
        """What a value must be, in words."""
        if self.type in NUMERIC:
            kind = "a whole number" if self.type is ParameterType.INTEGER else "a number"
            return f"{kind} from {_show(self.minimum)} to {_show(self.maximum)}"
        if self.type is ParameterType.BOOLEAN:
            return "true or false"
        one_of = f"one of {', '.join(self.choices)}" if self.choices else ""
        if self.type is ParameterType.STRING:
            return one_of or "text"
        return f"a list of strings, each {one_of}" if one_of else "a list of strings"


def declare(name: str, declaration: Mapping[str, Any]) -> Parameter:
    """The parameter a rule file declares (already valid against the rule schema)."""
    kind = ParameterType(declaration["type"])
    minimum, maximum = _bounds(kind, declaration)
    choices = declaration.get("enum")
    if choices is not None and kind not in TEXTUAL:
        raise DeclarationError("enum", f"enum applies to string and string-list parameters, "
                               f"not to {kind.value}")
    parameter = Parameter(name=name, type=kind, default=declaration["default"],
                          description=str(declaration["description"]),
                          minimum=minimum, maximum=maximum, choices=tuple(choices or ()))
    problem = problem_with(parameter, parameter.default)
    if problem is not None:
        raise DeclarationError("default", problem)
    return parameter


def _bounds(kind: ParameterType, declaration: Mapping[str, Any]
            ) -> tuple[int | float | None, int | float | None]:
    """A number's inclusive range, which it must have; other types have none."""
    given = {f: declaration[f] for f in ("minimum", "maximum") if f in declaration}
    if kind not in NUMERIC:
        if given:
            raise DeclarationError(next(iter(given)), "minimum and maximum apply to integer "
                                   f"and number parameters, not to {kind.value}")
        return None, None
    whole = kind is ParameterType.INTEGER
    bounds: list[int | float] = []
    for field in ("minimum", "maximum"):
        bound = given.get(field)
        if bound is None:
            raise DeclarationError(field, f"a parameter of type {kind.value} needs a minimum "
                                   "and a maximum")
        if not _is_number(bound) or (whole and isinstance(bound, float) and
                                     not bound.is_integer()):
            wanted = "a whole number" if whole else "a finite number"
            raise DeclarationError(field, f"{field} must be {wanted}, not {_show(bound)}")
        bounds.append(int(bound) if whole else bound)
    minimum, maximum = bounds
    if minimum > maximum:
        raise DeclarationError("maximum", f"maximum {_show(maximum)} is below minimum "
                               f"{_show(minimum)}")
    return minimum, maximum


def problem_with(parameter: Parameter, value: object) -> str | None:
    """None when ``value`` suits ``parameter``; else what was expected and what came, e.g.
    "expected a whole number from 1 to 3650, got 'abc'"."""
    if not _suits(parameter, value):
        return f"expected {parameter.expected}, got {_show(value)}"
    return None


def _suits(parameter: Parameter, value: object) -> bool:
    kind = parameter.type
    if kind in NUMERIC:
        if not _is_number(value) or (kind is ParameterType.INTEGER and
                                     not isinstance(value, int)):
            return False
        low, high = parameter.minimum, parameter.maximum
        return low is not None and high is not None and low <= value <= high
    if kind is ParameterType.BOOLEAN:
        return isinstance(value, bool)
    if kind is ParameterType.STRING:
        return isinstance(value, str) and (not parameter.choices or value in parameter.choices)
    return isinstance(value, list) and all(
        isinstance(item, str) and (not parameter.choices or item in parameter.choices)
        for item in value)


def _is_number(value: object) -> TypeGuard[int | float]:
    """An int or a finite float; not a bool, which Python counts as an int."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _show(value: object) -> str:
    """A value the way a user would recognise it (text quoted, null, true), cut short."""
    if value is None or isinstance(value, bool):
        text = json.dumps(value)
    else:
        try:
            text = repr(value)
        except ValueError:  # holds an int too long to print
            text = f"a {type(value).__name__} too large to show"
    return text if len(text) <= 60 else text[:57] + "..."

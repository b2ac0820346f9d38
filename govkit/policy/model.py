"""A loaded rule: validated at the edge, then trusted."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.errors import UsageError
from govkit.policy.conditions import Condition, root_fields
from govkit.policy.parameters import Parameter, problem_with


class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity '{text}' (choose from {choices})") from None


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    area: str
    title: str
    resource_type: str
    severity: Severity
    assertion: Condition
    remediation: str
    controls: tuple[str, ...]
    description: str = ""
    scope_phi: bool = False
    scope_where: Condition | None = None
    declarations: Mapping[str, Parameter] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)  # name -> value in use
    tests: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""
    text: bytes = b""

    @property
    def reads(self) -> frozenset[str]:
        return root_fields(self.assertion)

    @property
    def scope_reads(self) -> frozenset[str]:
        return root_fields(self.scope_where) if self.scope_where else frozenset()

    def with_parameters(self, overrides: Mapping[str, Any]) -> Rule:
        """This rule with some parameters changed; each must be declared and suit its type."""
        for name, value in sorted(overrides.items()):
            if name not in self.declarations:
                known = ", ".join(sorted(self.declarations)) or "none"
                raise UsageError(f"rule '{self.id}' has no parameter '{name}' (its "
                                 f"parameters: {known})")
            problem = problem_with(self.declarations[name], value)
            if problem is not None:
                raise UsageError(f"rule '{self.id}' parameter '{name}': {problem}")
        return Rule(**{**self.__dict__, "parameters": {**self.parameters, **overrides}})

    def summary(self) -> dict[str, Any]:
        return {"title": self.title, "area": self.area, "severity": self.severity.label,
                "resource_type": self.resource_type, "controls": list(self.controls),
                "remediation": self.remediation.strip(),
                "parameters": dict(self.parameters)}

"""A loaded rule: validated at the edge, then trusted."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from govkit.errors import UsageError
from govkit.policy.conditions import Condition, key_roots, root_fields
from govkit.policy.parameters import Parameter, problem_with


class Require(enum.StrEnum):
    ALL = "all"  # every item must meet the assertion (no items: nothing to fail)
    ANY = "any"  # at least one item must (no items: FAIL)


@dataclass(frozen=True, kw_only=True)
class ForEach:
    """Judge each item of a list attribute; the finding names the failing items."""

    items: str  # JMESPath over the resource giving the list
    name: str | None = None  # template naming one item in a finding
    require: Require = Require.ALL
    empty_message: str | None = None  # template for a FAIL with no items (require: any)


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
    # only resources in accounts that hold a resource in PHI scope (the AWS BAA's question)
    scope_phi_account: bool = False
    scope_where: Condition | None = None
    for_each: ForEach | None = None
    declarations: Mapping[str, Parameter] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)  # name -> value in use
    tests: Mapping[str, Any] = field(default_factory=dict)
    check: str | None = None  # a built-in check kind (govkit/checks/<check>.py) judges
    path: str = ""
    text: bytes = b""

    @cached_property
    def reads(self) -> frozenset[str]:
        """Top-level attributes the rule judges: with for_each, the list it walks (the
        assertion's keys are relative to each item); for a check kind, what it declares."""
        if self.check is not None:
            from govkit.checks.interface import load_check
            return frozenset(load_check(self.check).READS)
        if self.for_each is not None:
            return key_roots(self.for_each.items)
        return root_fields(self.assertion)

    @cached_property
    def judged_fields(self) -> frozenset[str]:
        """Every attribute the rule reads to judge a resource: its scope's (the tags, for a
        PHI scope) and its assertion's."""
        tags = frozenset({"Tags"}) if self.scope_phi else frozenset()
        return self.reads | self.scope_reads | tags

    @cached_property
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
        return dataclasses.replace(self, parameters={**self.parameters, **overrides})

    def summary(self) -> dict[str, Any]:
        return {"title": self.title, "area": self.area, "severity": self.severity.label,
                "resource_type": self.resource_type, "controls": list(self.controls),
                **({"check": self.check} if self.check else {}),
                "remediation": self.remediation.strip(),
                "parameters": dict(self.parameters)}

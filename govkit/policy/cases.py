"""Run each rule's own pass and fail cases (``govkit policies test`` and the test suite)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govkit.inventory.model import ResourceBuilder
from govkit.policy.evaluate import Settings, judge
from govkit.policy.model import Rule
from govkit.results import Status

DEFAULT_CASE_TIME = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class CaseOutcome:
    rule_id: str
    case: str
    expected: Status
    actual: Status | None  # None: the case's resource was out of the rule's scope
    message: str
    missing: tuple[str, ...] = ()  # facts the case expects in the message that it lacks

    @property
    def ok(self) -> bool:
        return self.expected is self.actual and not self.missing


def case_resource(rule: Rule, name: str, attributes: Mapping[str, Any]) -> Any:
    builder = ResourceBuilder(id=str(attributes.get("Id", f"test:{rule.id}:{name}")),
                              type=rule.resource_type,
                              account=str(attributes.get("Account", "111122223333")),
                              region=str(attributes.get("Region", "us-east-1")),
                              name=str(attributes.get("Name", name)))
    tags = attributes.get("Tags") or {}
    builder.set_tags({str(k): str(v) for k, v in tags.items()}, "test")
    builder.update({k: v for k, v in attributes.items() if k != "Tags"}, "test")
    return builder.build()


def run_cases(rule: Rule, settings: Settings | None = None) -> list[CaseOutcome]:
    settings = settings or Settings()
    when = str(rule.tests.get("evaluated_at", DEFAULT_CASE_TIME))
    now = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    outcomes = []
    for kind, expected in (("pass", Status.PASS), ("fail", Status.FAIL)):
        for case in rule.tests.get(kind) or []:
            subject = rule.with_parameters(case.get("parameters") or {})
            resource = case_resource(rule, case["name"], case["resource"])
            result = judge(subject, resource, settings=settings, now=now)
            message = "resource is out of the rule's scope" if result is None else result.message
            missing = tuple(fact for fact in case.get("message_contains") or []
                            if fact not in message)
            outcomes.append(CaseOutcome(
                rule.id, case["name"], expected, None if result is None else result.status,
                message, missing))
    return outcomes


def run_all(rules: Sequence[Rule]) -> list[CaseOutcome]:
    return [o for rule in rules for o in run_cases(rule)]

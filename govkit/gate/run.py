"""Judge a plan with the scan's rules: the gate's verdict on what the plan would build."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from govkit.sources.terraform.context import UNKNOWN_CODES
from govkit.sources.terraform.inventory import NotEvaluated, PlanInventory
from govkit.sources.terraform.plan import CHANGING
from govkit.policy.evaluate import Settings, apply_exceptions, judge
from govkit.policy.exceptions import RiskException
from govkit.policy.model import Rule
from govkit.results import Evaluation, Result, Status, sorted_results

UNKNOWN_MODES = ("fail", "warn")


def is_unknown(result: Result) -> bool:
    """An ERROR because a value is known only after apply, or is decided outside the plan."""
    return result.status is Status.ERROR and bool(result.failure) and \
        (result.failure or {}).get("code") in UNKNOWN_CODES


@dataclass(frozen=True)
class Verdict:
    evaluation: Evaluation
    judged: int  # inventory resources judged
    not_evaluated: tuple[NotEvaluated, ...]
    rules: int  # rules that judge a resource type the plan holds


def gate(plan_inventory: PlanInventory, rules: Sequence[Rule], *, settings: Settings,
         now: dt.datetime, judge_all: bool = False,
         exceptions: Sequence[RiskException] = ()) -> Verdict:
    """The results of every rule on every planned resource of its type that the plan
    creates or changes (every planned resource with ``judge_all``)."""
    inventory = plan_inventory.inventory
    results: list[Result] = []
    judged: set[str] = set()
    used_rules = 0
    for rule in rules:
        resources = [r for r in inventory.of_type(rule.resource_type)
                     if judge_all or plan_inventory.changed(r)]
        if inventory.of_type(rule.resource_type):
            used_rules += 1
        for resource in resources:
            result = judge(rule, resource, settings=settings, now=now)
            if result is None:
                continue
            judged.add(resource.id)
            if result.resource_id.startswith("vdi:"):
                # a window is named by the Terraform address of the stack or portal it is
                result = dataclasses.replace(result, resource_id=result.resource_id[4:], id="")
            results.append(result)
    waived, expired, used = apply_exceptions(results, exceptions, now)
    reported = {r.rule_id for r in waived}
    evaluation = Evaluation(
        results=sorted_results(waived),
        expired_exceptions=tuple(e.to_json() for e in expired),
        unused_exceptions=tuple(e.to_json() for e in exceptions if e not in used),
        rules={r.id: r.summary() for r in rules if r.id in reported})
    skipped = tuple(n for n in plan_inventory.not_evaluated
                    if judge_all or n.actions in CHANGING)
    return Verdict(evaluation=evaluation, judged=len(judged), not_evaluated=skipped,
                   rules=used_rules)


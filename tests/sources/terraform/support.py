"""What the plan normaliser tests share: the fixtures folder, one evaluation time, and the
gate's results on a plan by (rule, Terraform address)."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from govkit.sources.terraform.inventory import PlanInventory
from govkit.gate.run import gate
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set
from govkit.policy.model import Rule
from govkit.results import Result

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


@functools.cache
def builtin_rules() -> tuple[Rule, ...]:
    return tuple(load_policy_set().rules)


def judged(planned: PlanInventory, *, judge_all: bool = False) -> dict[tuple[str, str], Result]:
    """Every result the gate gives on the plan, by (rule id, resource id)."""
    verdict = gate(planned, builtin_rules(), settings=Settings(), now=NOW, judge_all=judge_all)
    return {(r.rule_id, r.resource_id): r for r in verdict.evaluation.results}

"""The access-removal population at a glance, from the results alone: how many people left in
the period, how many had every account disabled within the SLA, how many late, how many could
not be measured, and how many still hold an active account or were signed in to after they
left. Auditors sample from this population (results.json ``facts``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from govkit.results import LISTING, Evaluation, Result, Status

LATENCY, STILL_ACTIVE, SIGN_IN = ("deprovisioning_latency", "terminated_person_active_account",
                                  "sign_in_after_termination")


@dataclass(frozen=True)
class AccessRemoval:
    leavers: int  # people who left in the period, judged by the latency rule
    on_time: int
    late: int
    unmeasured: int
    still_active: int  # leavers (any period) with an active account after the grace period
    signed_in_after: int

    def rows(self) -> list[tuple[str, int]]:
        return [("left in the period", self.leavers), ("removed within the SLA", self.on_time),
                ("removed late or not at all", self.late),
                ("removal not measurable (ERROR)", self.unmeasured),
                ("still holding an active account", self.still_active),
                ("signed in to after leaving", self.signed_in_after)]


def latency_rules(evaluation: Evaluation) -> list[str]:
    """The ids of the rules that measure access-removal latency, sorted."""
    return sorted(rule_id for rule_id, summary in evaluation.rules.items()
                  if summary.get("check") == LATENCY)


def judged_leavers(evaluation: Evaluation) -> list[Result]:
    """The latency rules' results for people (not rule-wide, not NOT_APPLICABLE), in run
    order: the population auditors sample from."""
    latency = set(latency_rules(evaluation))
    return [r for r in evaluation.results
            if r.rule_id in latency and r.resource_id != LISTING
            and r.status is not Status.NOT_APPLICABLE]


def access_removal(evaluation: Evaluation) -> AccessRemoval | None:
    """None when the run judged no leaver (no HR export or roster, or nobody left)."""
    kinds = {rule_id: summary.get("check") for rule_id, summary in evaluation.rules.items()}
    counts: Counter[tuple[str, Status]] = Counter()
    for result in evaluation.results:
        kind = kinds.get(result.rule_id)
        if kind in (LATENCY, STILL_ACTIVE, SIGN_IN) and result.resource_id != LISTING:
            counts[(str(kind), result.status)] += 1
    judged = sum(n for (kind, status), n in counts.items()
                 if kind == LATENCY and status is not Status.NOT_APPLICABLE)
    if not judged and not counts[(STILL_ACTIVE, Status.FAIL)]:
        return None
    return AccessRemoval(
        leavers=judged, on_time=counts[(LATENCY, Status.PASS)],
        late=counts[(LATENCY, Status.FAIL)] + counts[(LATENCY, Status.WAIVED)],
        unmeasured=counts[(LATENCY, Status.ERROR)],
        still_active=counts[(STILL_ACTIVE, Status.FAIL)],
        signed_in_after=counts[(SIGN_IN, Status.FAIL)])

"""What changed between two runs: findings new and resolved, results whose status or severity
changed, resources that appeared or went, rules added or removed.

Results are matched by their id, which is derived from the rule and the resource alone, so the
same finding in two quarters has the same id. A finding is a FAIL; a WAIVED result is a finding
someone accepted, so a FAIL that becomes WAIVED is a change, not a resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from govkit.policy.model import Severity
from govkit.results import LISTING, Result, Status


@dataclass(frozen=True)
class Change:
    before: Result | None
    after: Result | None

    @property
    def current(self) -> Result:
        found = self.after or self.before
        assert found is not None
        return found

    def to_json(self) -> dict[str, object]:
        result = self.current
        return {"id": result.id, "rule_id": result.rule_id, "resource_id": result.resource_id,
                "resource_name": result.resource_name, "account": result.account,
                "region": result.region,
                "before": None if self.before is None else
                {"status": self.before.status.value, "severity": self.before.severity.label,
                 "message": self.before.message},
                "after": None if self.after is None else
                {"status": self.after.status.value, "severity": self.after.severity.label,
                 "message": self.after.message}}


@dataclass(frozen=True)
class Diff:
    before_run: str
    after_run: str
    new: tuple[Change, ...]  # FAIL now; before: absent or not failing
    resolved: tuple[Change, ...]  # FAIL before; now PASS, or its resource is gone
    changed: tuple[Change, ...]  # any other change of status or severity
    appeared: tuple[tuple[str, str, str], ...]  # (resource type, account, resource id)
    gone: tuple[tuple[str, str, str], ...]
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]

    def new_at_or_above(self, threshold: Severity | None) -> list[Change]:
        if threshold is None:
            return []
        return [c for c in self.new if c.current.severity >= threshold]

    def to_json(self) -> dict[str, object]:
        return {"before": self.before_run, "after": self.after_run,
                "new": [c.to_json() for c in self.new],
                "resolved": [c.to_json() for c in self.resolved],
                "changed": [c.to_json() for c in self.changed],
                "resources_appeared": [list(r) for r in self.appeared],
                "resources_gone": [list(r) for r in self.gone],
                "rules_added": list(self.rules_added),
                "rules_removed": list(self.rules_removed)}


def _resources(results: Iterable[Result]) -> set[tuple[str, str, str]]:
    """The resources a run judged (not its per-account listing results, whose id is ``*`` or
    a listing key)."""
    return {(r.resource_type, r.account, r.resource_id) for r in results
            if r.resource_id != LISTING and r.status is not Status.NOT_APPLICABLE}


def _by_severity(changes: list[Change]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=lambda c: (-c.current.severity, c.current.rule_id,
                                                c.current.account, c.current.resource_id)))


def diff(before_run: str, before: Iterable[Result], before_rules: Mapping[str, object],
         after_run: str, after: Iterable[Result], after_rules: Mapping[str, object]) -> Diff:
    old = {r.id: r for r in before}
    now = {r.id: r for r in after}
    old_resources, now_resources = _resources(old.values()), _resources(now.values())
    new: list[Change] = []
    resolved: list[Change] = []
    changed: list[Change] = []
    for key in sorted(old.keys() | now.keys()):
        was, is_ = old.get(key), now.get(key)
        if is_ is not None and is_.status is Status.FAIL and \
                (was is None or was.status is not Status.FAIL):
            new.append(Change(was, is_))
        elif was is not None and was.status is Status.FAIL and \
                (is_ is None or is_.status is Status.PASS):
            if is_ is None and (was.resource_type, was.account, was.resource_id) in \
                    now_resources:
                changed.append(Change(was, is_))  # judged no more, though still there
            else:
                resolved.append(Change(was, is_))
        elif was is not None and is_ is not None and \
                (was.status is not is_.status or was.severity is not is_.severity):
            changed.append(Change(was, is_))
    return Diff(before_run=before_run, after_run=after_run, new=_by_severity(new),
                resolved=_by_severity(resolved), changed=_by_severity(changed),
                appeared=tuple(sorted(now_resources - old_resources)),
                gone=tuple(sorted(old_resources - now_resources)),
                rules_added=tuple(sorted(set(after_rules) - set(before_rules))),
                rules_removed=tuple(sorted(set(before_rules) - set(after_rules))))

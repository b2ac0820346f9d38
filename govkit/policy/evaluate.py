"""Evaluate rules over an inventory. Pure: the evaluation time and settings are inputs.

Fail closed: a rule whose data could not be collected is ERROR naming the call; "no resources"
is NOT_APPLICABLE only where the listing call succeeded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit.checks.interface import Period, load_check
from govkit.inventory.model import OWN_CODES, CallFailure, Coverage, Inventory, Resource
from govkit.people.join import ServiceAccount
from govkit.sources.aws.eligible import may_hold_data
from govkit.policy import templates
from govkit.policy.conditions import WHOLE_DOCUMENT, Outcome, evaluate, searcher
from govkit.policy.exceptions import RiskException
from govkit.policy.model import Require, Rule
from govkit.results import LISTING, Evaluation, RecordRef, Result, Status, sorted_results


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Evaluation settings recorded in the manifest, so a replay uses the same ones."""

    phi_tag_key: str = "data_classification"
    phi_tag_values: tuple[str, ...] = ("phi",)
    parameters: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    credential_report_max_age_hours: int = 4
    service_accounts: tuple[ServiceAccount, ...] = ()  # accounts no person owns, by design
    employee_id_tag: str = "employee_id"  # the IAM user tag holding the HR id
    # The profile whose parameters ``parameters`` already includes (govkit.policy.profiles);
    # recorded only when set, so runs made without one keep their manifest unchanged.
    profile: str | None = None
    # Where that profile was read from, for the copy the run keeps; not recorded (the run
    # holds the file itself) and not compared.
    profile_file: str | None = field(default=None, compare=False, repr=False)

    def is_phi(self, tags: Mapping[str, str]) -> bool:
        value = tags.get(self.phi_tag_key)
        return value is not None and value.strip().lower() in \
            {v.lower() for v in self.phi_tag_values}

    def to_json(self) -> dict[str, object]:
        return {"phi_tag_key": self.phi_tag_key, "phi_tag_values": list(self.phi_tag_values),
                "parameters": {k: dict(v) for k, v in sorted(self.parameters.items())},
                "credential_report_max_age_hours": self.credential_report_max_age_hours,
                "service_accounts": [s.to_json() for s in self.service_accounts],
                "employee_id_tag": self.employee_id_tag,
                **({"profile": self.profile} if self.profile is not None else {})}


@functools.cache
def _ordered(fields: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(fields))


def _failed_read(resource: Resource, fields: frozenset[str]) -> CallFailure | None:
    failures = resource.failures
    if not failures:
        return None
    if WHOLE_DOCUMENT in fields:
        return next(iter(sorted(failures.items())))[1]
    for name in _ordered(fields):
        failed = failures.get(name)
        if failed is not None:
            return failed
    return None


def _base(rule: Rule, resource: Resource,
          records: tuple[RecordRef, ...] | None = None) -> dict[str, object]:
    """A result's common fields; ``records`` default to those of every field the rule
    judges."""
    if records is None:
        records = _records(resource, rule.judged_fields)
    return {"rule_id": rule.id, "severity": rule.severity, "resource_id": resource.id,
            "resource_name": resource.name, "resource_type": resource.type,
            "account": resource.account, "region": resource.region,
            "controls": rule.controls, "evidence": resource.evidence_files,
            "records": records}


def _records(resource: Resource, fields: Collection[str]) -> tuple[RecordRef, ...]:
    # tuple.__new__ directly: RecordRef's own __new__ is a Python function, and every result
    # makes a few
    return tuple([_new_tuple(RecordRef, place) for place in resource.placed(fields)])


_new_tuple = tuple.__new__


def _failure_records(failure: CallFailure, attribute: str) -> tuple[RecordRef, ...]:
    """The failed call's record (none for a call that was never made)."""
    ref = failure.ref
    return () if ref is None else (RecordRef(attribute=attribute, file=ref.file,
                                             pointer=ref.pointer),)


def _error(rule: Rule, resource: Resource, failure: CallFailure, doing: str) -> Result:
    fields = rule.judged_fields
    attribute = next((name for name, failed in sorted(resource.failures.items())
                      if failed == failure and (name in fields or WHOLE_DOCUMENT in fields)),
                     "")
    base = _base(rule, resource) | {"records": _failure_records(failure, attribute)}
    return Result(**base, status=Status.ERROR,  # type: ignore[arg-type]
                  message=f"cannot {doing}: {failure.explain()}",
                  failure=failure.to_json())


def in_scope(rule: Rule, resource: Resource, settings: Settings,
             now: dt.datetime) -> bool | CallFailure:
    """True/False, or the failed call that keeps us from knowing."""
    if rule.scope_phi:
        if "Tags" in resource.failures:
            return resource.failures["Tags"]
        if not settings.is_phi(resource.tags):
            return False
    if rule.scope_where is None:
        return True
    failed = _failed_read(resource, rule.scope_reads)
    if failed is not None:
        return failed
    return evaluate(rule.scope_where, resource.document(), now=now,
                    parameters=rule.parameters).holds


def _admit(rule: Rule, resource: Resource, settings: Settings,
           now: dt.datetime) -> Result | bool:
    """Whether ``rule`` judges ``resource``: False out of scope, True to judge, or the ERROR
    when its scope or an attribute it reads could not be learnt."""
    if rule.scope_phi or rule.scope_where is not None:
        scoped = in_scope(rule, resource, settings, now)
        if isinstance(scoped, CallFailure):
            return _error(rule, resource, scoped, "tell whether the rule applies")
        if not scoped:
            return False
    failed = _failed_read(resource, rule.reads)
    return True if failed is None else _error(rule, resource, failed, "evaluate")


def judge(rule: Rule, resource: Resource, *, settings: Settings,
          now: dt.datetime, period: Period | None = None) -> Result | None:
    """The result of ``rule`` on one resource, or None when the resource is out of scope.
    ``period``: the audit period (default: the evaluation time's calendar quarter)."""
    if rule.check is not None:
        return _CheckJudge(rule, now, period or Period.quarter_of(now), settings)(resource)
    admitted = _admit(rule, resource, settings, now)
    if admitted is not True:
        return admitted or None
    outcome = outcome_of(rule, resource.document(), now)
    notes = resource.notes_on(rule.judged_fields) if resource.notes else []
    said = f" ({'; '.join(notes)})" if notes else ""
    if outcome.holds:
        return Result(**_base(rule, resource), status=Status.PASS,  # type: ignore[arg-type]
                      message=rule.title + said)
    return Result(**_base(rule, resource), status=Status.FAIL,  # type: ignore[arg-type]
                  message=("; ".join(outcome.reasons) or f"not met: {rule.title}") + said)


class _CheckJudge:
    """One check-kind rule, ready to judge resource after resource: the kind and its scope
    test are looked up once. A rule judged by a check kind is ERROR when an attribute it
    reads failed, else what the check kind says, with the records of the values it judged
    on; its ``scope`` (a PHI scope) applies first, as for any rule."""

    def __init__(self, rule: Rule, now: dt.datetime, period: Period,
                 settings: Settings) -> None:
        self.rule, self.now, self.period, self.settings = rule, now, period, settings
        self.kind = load_check(rule.check or "")
        self.applies = getattr(self.kind, "applies", None)
        read = getattr(self.kind, "SETTINGS", ())
        self.params = {**rule.parameters, **{name: getattr(settings, name) for name in read}} \
            if read else rule.parameters

    def covers(self, member: str) -> bool:
        """Whether a failed listing of ``member``, a type the rule's resource type groups,
        leaves the rule's judgement incomplete: only a kind that says which members it judges
        (``covers``) is told of them."""
        covers = getattr(self.kind, "covers", None)
        return covers is not None and bool(covers(member, self.params))

    def __call__(self, resource: Resource) -> Result | None:
        rule = self.rule
        if self.applies is not None and not self.applies(resource, self.params):
            return None
        admitted = _admit(rule, resource, self.settings, self.now)
        if admitted is not True:
            return admitted or None
        verdict = self.kind.judge(resource, now=self.now, period=self.period,
                                  params=self.params)
        if verdict is None:
            return None
        records = _records(resource, verdict.reads)
        base = _base(rule, resource, records)
        base["facts"] = dict(verdict.facts) or None
        if verdict.failure is not None:
            base["records"] = records + _failure_records(verdict.failure, verdict.reads[0]
                                                         if verdict.reads else "")
            return Result(**base, status=Status.ERROR,  # type: ignore[arg-type]
                          message=verdict.message, failure=verdict.failure.to_json())
        status = Status.PASS if verdict.passed else Status.FAIL
        return Result(**base, status=status, message=verdict.message)  # type: ignore[arg-type]


MAX_ITEMS_NAMED = 20


def outcome_of(rule: Rule, document: Mapping[str, Any], now: dt.datetime) -> Outcome:
    """Whether the rule's assertion holds for a resource document, and why not: for a rule
    that judges each item of a list, the failing items, each named."""
    if rule.for_each is None:
        return evaluate(rule.assertion, document, now=now, parameters=rule.parameters)
    each = rule.for_each
    items = searcher(each.items)(document)
    if not isinstance(items, list):
        return Outcome(False, (f"{each.items} is {'missing' if items is None else 'not a list'}"
                               "; expected a list",))
    failing: list[str] = []
    for position, item in enumerate(items):
        outcome = evaluate(rule.assertion, item, now=now, parameters=rule.parameters,
                           resource=document)
        if outcome.holds and each.require is Require.ANY:
            return Outcome(True)
        if not outcome.holds:
            name = (templates.render(templates.parse(each.name), document=item,
                                     resource=document, parameters=rule.parameters, now=now)
                    if each.name else f"{each.items}[{position}]")
            failing.append(f"{name}: {'; '.join(outcome.reasons)}")
    if not items and each.require is Require.ANY:
        reason = (templates.render(templates.parse(each.empty_message), document=document,
                                   resource=document, parameters=rule.parameters, now=now)
                  if each.empty_message else f"{each.items} is empty; expected at least one "
                                             "item that meets the rule")
        return Outcome(False, (reason,))
    if not failing:
        return Outcome(True)
    shown = failing[:MAX_ITEMS_NAMED]
    if len(failing) > len(shown):
        shown.append(f"and {len(failing) - len(shown)} more")
    return Outcome(False, tuple(shown))


# why an optional AWS resource type was not collected, for its rules' NOT_APPLICABLE result
NOT_ASKED_FOR = {"aws.identitystore.user": "no Identity Center region"}


def _unconfigured(resource_type: str, aws_scanned: bool) -> str:
    if resource_type.startswith("aws."):
        return "no AWS account" if not aws_scanned else \
            NOT_ASKED_FOR.get(resource_type, f"no collection of {resource_type}")
    return {"person": "no HR export or vendor roster",
            "identity.account": "no identity provider or account source",
            "vdi.window": "no VDI platform (an AWS scan, Azure Virtual Desktop or Citrix)"}.get(
        resource_type, f"no source of {resource_type}")


def _coverage_results(rule: Rule, coverage: Sequence[Coverage],
                      judged_accounts: set[str], aws_scanned: bool = True,
                      not_asked: frozenset[str] = frozenset()) -> Iterator[Result]:
    common = {"rule_id": rule.id, "severity": rule.severity,
              "resource_type": rule.resource_type, "controls": rule.controls}
    if not coverage and (not rule.resource_type.startswith("aws.") or not aws_scanned
                         or rule.resource_type in not_asked):
        # a source the run was not configured to read (no HR export, no identity provider):
        # nothing failed, the question was not asked
        yield Result(**common, status=Status.NOT_APPLICABLE,  # type: ignore[arg-type]
                     resource_id="*", account="*", region="*", evidence=("manifest.json",),
                     records=(RecordRef(LISTING, "manifest.json", "/sources"),),
                     message=f"not evaluated: {_unconfigured(rule.resource_type, aws_scanned)}"
                             " is configured in this run (the manifest lists the sources)")
        return
    if not coverage:
        yield Result(**common, status=Status.ERROR, resource_id="*",  # type: ignore[arg-type]
                     account="*", region="*",
                     message=f"no {rule.resource_type} data was collected in this run",
                     failure={"call": "none", "operation": "none", "code": "NotCollected",
                              "message": "the collector for this resource type did not run",
                              "file": ""})
        return
    for entry in coverage:
        if entry.failure is not None:
            listed = entry.member or rule.resource_type
            yield Result(**common, status=Status.ERROR,  # type: ignore[arg-type]
                         resource_id=f"{listed}:{entry.account}:{entry.region}",
                         account=entry.account, region=entry.region,
                         message=f"cannot list {listed}: {entry.failure.explain()}",
                         evidence=(entry.failure.file,), failure=entry.failure.to_json(),
                         records=_failure_records(entry.failure, LISTING))
    listed_ok = sorted({c.account for c in coverage if c.failure is None} - judged_accounts)
    for account in listed_ok:
        sources = tuple(sorted({c.source for c in coverage if c.account == account
                                and c.failure is None and c.source}))
        yield Result(**common, status=Status.NOT_APPLICABLE,  # type: ignore[arg-type]
                     resource_id=f"{rule.resource_type}:{account}", account=account,
                     region="*", evidence=sources,
                     records=tuple(RecordRef(attribute=LISTING, file=source,
                                             pointer="/response") for source in sources),
                     message=f"no {rule.resource_type} in scope in account {account}")


def phi_accounts(inventory: Inventory, settings: Settings
                 ) -> tuple[set[str], dict[str, CallFailure]]:
    """The AWS accounts that hold a resource in PHI scope (a place data is kept, not an IAM
    identity), and, for each other account with such a resource whose tags could not be
    read, that failure (whether it holds PHI is unknown)."""
    holding: set[str] = set()
    unknown: dict[str, CallFailure] = {}
    for resource in inventory.resources:
        if not may_hold_data(resource.type) or resource.account in holding:
            continue
        failed = resource.failures.get("Tags")
        if failed is not None:
            if failed.code != "NotCollected":
                unknown.setdefault(resource.account, failed)
        elif settings.is_phi(resource.tags):
            holding.add(resource.account)
    return holding, {a: f for a, f in unknown.items() if a not in holding}


def _in_phi_accounts(rule: Rule, resources: Sequence[Resource], inventory: Inventory,
                     settings: Settings) -> Iterator[Resource | Result]:
    """The resources of accounts that hold PHI; an ERROR for each resource of an account
    where that is unknown."""
    holding, unknown = phi_accounts(inventory, settings)
    for resource in resources:
        if resource.account in holding:
            yield resource
        elif resource.account in unknown:
            yield _error(rule, resource, unknown[resource.account],
                         f"tell whether account {resource.account} holds PHI")


def evaluate_rule(rule: Rule, inventory: Inventory, *, settings: Settings,
                  now: dt.datetime, period: Period | None = None,
                  aws_scanned: bool = True,
                  not_asked: frozenset[str] = frozenset()) -> Iterator[Result]:
    judged_accounts: set[str] = set()
    resources: Sequence[Resource] = inventory.of_type(rule.resource_type)
    judged: Iterable[Result | None]
    if rule.scope_phi_account:
        scoped = list(_in_phi_accounts(rule, resources, inventory, settings))
        for unknown in (r for r in scoped if isinstance(r, Result)):
            judged_accounts.add(unknown.account)
            yield unknown
        resources = [r for r in scoped if isinstance(r, Resource)]
    coverage = inventory.coverage_of(rule.resource_type)
    if rule.check is not None:
        judge_with = _CheckJudge(rule, now, period or Period.quarter_of(now), settings)
        judged = collapse_shared_failures(rule, map(judge_with, resources))
        coverage = [c for c in coverage if c.member is None or judge_with.covers(c.member)]
    else:
        judged = (judge(rule, resource, settings=settings, now=now, period=period)
                  for resource in resources)
        coverage = [c for c in coverage if c.member is None]
    for result in judged:
        if result is not None:
            judged_accounts.add(result.account)
            yield result
    yield from _coverage_results(rule, coverage, judged_accounts, aws_scanned, not_asked)


SHARED_FAILURE_MIN = 2


def collapse_shared_failures(rule: Rule, results: Iterable[Result | None]
                             ) -> Iterator[Result | None]:
    """A source that lacks some data for everyone (a tenant without the licence for sign-in
    activity, a token without the log-read scope) is one ERROR naming the failed call and
    how many it leaves unjudged, not one per person."""
    errors: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        if result is not None and result.status is Status.ERROR and result.failure and \
                result.failure.get("file"):
            errors.setdefault((result.failure["file"], result.failure["call"]),
                              []).append(result)
            continue
        yield result
    for (_file, call), group in sorted(errors.items()):
        if len(group) < SHARED_FAILURE_MIN:
            yield from group
            continue
        first = group[0]
        names = sorted({r.resource_name or r.resource_id for r in group})
        shown = ", ".join(names[:MAX_ITEMS_NAMED]) + \
            (f" and {len(names) - MAX_ITEMS_NAMED} more" if len(names) > MAX_ITEMS_NAMED else "")
        failure = first.failure or {}
        why = (f"{call}: {failure['message']}" if failure.get("code") in OWN_CODES
               and failure.get("message") else f"{call} failed with {failure.get('code')}"
               + (f": {failure['message']}" if failure.get("message") else ""))
        yield dataclasses.replace(
            first, resource_id=f"{failure.get('operation', call)}:{first.account}",
            resource_name=call, resource_type=rule.resource_type, id="", facts=None,
            message=f"cannot judge {len(group)} {rule.resource_type} resources ({shown}): {why}",
            records=first.records[-1:])


def apply_exceptions(results: Iterable[Result], exceptions: Sequence[RiskException],
                      now: dt.datetime) -> tuple[list[Result], list[RiskException],
                                                 set[RiskException]]:
    out: list[Result] = []
    expired: list[RiskException] = []
    used: set[RiskException] = set()
    for result in results:
        match = next((e for e in exceptions if e.matches(result.rule_id, result.resource_id)),
                     None)
        if match is None or result.status is not Status.FAIL:
            out.append(result)
            continue
        used.add(match)
        data = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)} | \
            {"exception": {**match.to_json(),
                           "state": "expired" if match.expired(now) else "active"}}
        if match.expired(now):
            if match not in expired:
                expired.append(match)
            data["message"] = (f"{result.message} (exception {match.ticket} expired on "
                               f"{match.expires.isoformat()})")
        else:
            data["status"] = Status.WAIVED
            data["message"] = (f"waived until {match.expires.isoformat()} by {match.owner} "
                               f"({match.ticket}): {result.message}")
        out.append(Result(**data))
    return out, expired, used


def evaluate_all(rules: Sequence[Rule], inventory: Inventory, *, now: dt.datetime,
                 settings: Settings, exceptions: Sequence[RiskException] = (),
                 failed_calls: Sequence[CallFailure] = (),
                 period: Period | None = None, aws_scanned: bool = True,
                 not_asked: frozenset[str] = frozenset()) -> Evaluation:
    """``aws_scanned`` False: the run read no AWS account, so the AWS rules are reported as
    not evaluated rather than as data that failed to arrive; likewise the rules on
    ``not_asked``, AWS resource types the scan was not asked to collect (Identity Center
    without its region)."""
    if now.tzinfo is None:
        raise ValueError("the evaluation time must be timezone-aware")
    results = [r for rule in rules for r in
               evaluate_rule(rule, inventory, settings=settings, now=now, period=period,
                             aws_scanned=aws_scanned, not_asked=not_asked)]
    results, expired, used = apply_exceptions(results, exceptions, now)
    unused = [e for e in exceptions if e not in used]
    return Evaluation(results=sorted_results(results),
                      expired_exceptions=tuple(e.to_json() for e in expired),
                      unused_exceptions=tuple(e.to_json() for e in unused),
                      rules={r.id: r.summary() for r in rules},
                      failed_calls=tuple(f.to_json() for f in failed_calls))

"""What a built-in check kind is.

Some questions cannot be written as one JMESPath assertion over one resource: a person HR
says has left, with an account still active in Okta; the hours between a termination and the
first disabling event, per system. Each such question is one module in this folder, a pure
function of one resource of the inventory (people and accounts carry what the join found),
the evaluation time and the rule's parameters. A rule file selects the module with
``check: <module name>`` and declares its parameters like any rule, so an organisation tunes
it from YAML and ``govkit policies test`` runs its own pass and fail cases.

A module defines:

``RESOURCE``     the resource type it judges (``person``, ``identity.account``, ...)
``PARAMETERS``   name → type of each parameter the rule must declare
``READS``        the top-level attributes it reads (a failure of any of them is ERROR)
``judge(resource, *, now, period, params) -> Verdict | None``   None: out of scope
``applies(resource, params) -> bool``   optional: whether the resource is in scope at all,
                 asked before its attributes are checked for failures (an account of a system
                 the rule does not judge is not an ERROR because that system lacks the data)
``covers(resource_type, params) -> bool``   optional, for a kind judging a type that groups
                 several (``aws.resource``): whether it judges that member type, so that a
                 failed listing of such a type is an ERROR of its (without ``covers``, failed
                 member listings are left to the rules on those types)
``SETTINGS``     optional: the evaluation settings it reads (``phi_tag_key``: the tag that
                 classifies data), passed in ``params`` under their own names, so a kind
                 follows the scan's configuration as the ``phi`` scope does

There is no registry: the rule names the module, and loading imports it.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol, cast

from govkit.inventory.model import CallFailure, Resource
from govkit.policy.parameters import ParameterType

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(kw_only=True, slots=True)
class Verdict:
    """One resource judged (a value, never changed once made; not frozen, for the reason
    govkit.results.Result gives). ``reads`` names the attributes (as keyed in the resource's
    sources, e.g. ``Accounts[2].DisabledAt``) whose records prove it; ``facts`` is data an
    auditor samples (termination time, latency, last sign-in), carried into the result."""

    passed: bool
    message: str
    reads: tuple[str, ...] = ()
    failure: CallFailure | None = None  # set: the verdict is ERROR, ``message`` says why
    facts: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def unknown(cls, failure: CallFailure, message: str, reads: tuple[str, ...] = (),
                facts: Mapping[str, Any] | None = None) -> Verdict:
        return cls(passed=False, message=message, reads=reads, failure=failure,
                   facts=facts or {})


@dataclass(frozen=True)
class Period:
    """The audit period: ``start`` inclusive, ``end`` exclusive (UTC)."""

    name: str
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def quarter_of(cls, moment: dt.datetime) -> Period:
        moment = moment.astimezone(dt.timezone.utc)
        return cls.parse(f"{moment.year}-Q{(moment.month - 1) // 3 + 1}")

    @classmethod
    def parse(cls, name: str) -> Period:
        start, end = period_bounds(name)
        return cls(name, start, end)

    def holds(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


_PERIOD = re.compile(r"^(\d{4})-(?:Q([1-4])|(\d{2}))$")


def period_bounds(name: str) -> tuple[dt.datetime, dt.datetime]:
    """``2026-Q3`` (a calendar quarter) or ``2026-07`` (a month): its start and end, UTC."""
    match = _PERIOD.match(name)
    if not match or (match.group(3) and not 1 <= int(match.group(3)) <= 12):
        raise ValueError(f"not an audit period: '{name}' (a quarter such as 2026-Q3, or a "
                         "month such as 2026-07)")
    year = int(match.group(1))
    first = (int(match.group(2)) - 1) * 3 + 1 if match.group(2) else int(match.group(3))
    months = 3 if match.group(2) else 1
    start = dt.datetime(year, first, 1, tzinfo=dt.timezone.utc)
    after = first + months
    end = dt.datetime(year + (after - 1) // 12, (after - 1) % 12 + 1, 1, tzinfo=dt.timezone.utc)
    return start, end


class CheckKind(Protocol):
    RESOURCE: str
    PARAMETERS: Mapping[str, ParameterType]
    READS: tuple[str, ...]

    def judge(self, resource: Resource, *, now: dt.datetime, period: Period,
              params: Mapping[str, Any]) -> Verdict | None: ...


class UnknownCheck(ValueError):
    pass


@functools.cache
def load_check(name: str) -> CheckKind:
    """The check kind ``govkit.checks.<name>``; UnknownCheck when there is none."""
    if not NAME.match(name) or name == "interface" or name.startswith("_"):
        raise UnknownCheck(f"'{name}' is not a check kind name")
    try:
        module: ModuleType = importlib.import_module(f"govkit.checks.{name}")
    except ModuleNotFoundError:
        raise UnknownCheck(f"no built-in check kind '{name}' (known: "
                           f"{', '.join(known_checks())})") from None
    for attribute in ("RESOURCE", "PARAMETERS", "READS", "judge"):
        if not hasattr(module, attribute):
            raise UnknownCheck(f"govkit.checks.{name} is not a check kind (no {attribute})")
    return cast(CheckKind, module)


def known_checks() -> list[str]:
    from importlib import resources
    return sorted(p.name[:-3] for p in resources.files(__package__).iterdir()
                  if p.name.endswith(".py") and not p.name.startswith("_")
                  and p.name != "interface.py")

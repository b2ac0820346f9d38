"""Which Citrix policies apply to a delivery group, and the value in force of each setting
govkit reads (pure).

Citrix's rules, as its documentation states them (quoted in docs/sources/citrix.md):

- a delivery group uses the policy set assigned to it ("When you assign a policy set to a
  delivery group, the delivery group uses only the policies in that set"); a group with no
  set assigned (``PolicySetGuid`` absent from Citrix's answer or the empty GUID) uses the
  site's policies, the set of type SitePolicies;
- a disabled policy does not apply;
- "If a policy has no enabled assignments, it applies to all objects in the site" (the
  built-in Unfiltered policy is one);
- a DesktopGroup assignment in mode Allow applies the policy to sessions on that delivery
  group; in mode Deny, "the policy applies to connections that don't match the assignment
  criteria"; among assignments of one type, Deny takes precedence over Allow;
- assignments of different types must all match: Citrix's example of a Client IP assignment
  (Allow) and a user assignment (Deny) "applies to users connecting from the specified IP
  range, except the user defined in Assignment B";
- "A lower number means a higher priority (1 is the highest). When conflicting settings exist
  across policies, the setting from the highest-priority policy takes effect."

govkit evaluates DesktopGroup assignments only. A policy whose DesktopGroup assignments let it
apply to the group but that also has enabled assignments of another type (user or group,
client IP or name, OU, tag, delivery group type, access control, SD-WAN, client platform)
applies to some sessions of the group and not to others: it is *conditional*, and what it
sets is a possible value for the group, next to the value in force without it. Windows are
judged on the most permissive possible value, so a conditional policy can make a channel
allowed but never blocked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from govkit.sources.citrix.catalogue import SettingSpec
from govkit.sources.citrix.model import (
    DELIVERY_GROUP_POLICIES, DESKTOP_GROUP, EMPTY_GUID, SITE_POLICIES, DeliveryGroup, Export,
    Policy, PolicySet, Setting)

APPLIES = "applies"
CONDITIONAL = "conditional"
NOT_ASSIGNED = "not-assigned"
EXCLUDED = "excluded"
DISABLED = "disabled"
# how Effective.text says no policy sets a setting (govkit.vdi.citrix reads it back)
NOT_SET = " not set by any policy applying to the group: "


class Unresolved(Exception):
    """The export does not say which policies a delivery group uses."""


def _named(policy: Policy) -> dict[str, Any]:
    return {"Policy": policy.name, "Priority": policy.priority}


@dataclass(frozen=True)
class Verdict:
    """Whether ``policy`` applies to one delivery group, and why."""

    policy: Policy
    status: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {**_named(self.policy), "Applies": self.status, "Reason": self.reason}


def policy_set_for(export: Export, group: DeliveryGroup) -> PolicySet:
    """The policy set whose policies apply to ``group``; Unresolved when the export cannot
    say (a set it names is not in the export, or it names none and the site's set is
    missing)."""
    assigned = group.policy_set
    if assigned is not None and assigned != EMPTY_GUID:
        found = [s for s in export.policy_sets if s.guid == assigned]
        if not found:
            raise Unresolved(f"delivery group '{group.name}' is assigned policy set "
                             f"{assigned}, which is not in the export")
        return found[0]
    site = [s for s in export.policy_sets if s.type == SITE_POLICIES]
    if not site:
        raise Unresolved(f"delivery group '{group.name}' uses the site's policies, and the "
                         "export has no policy set of type SitePolicies")
    if assigned is None and any(s.type == DELIVERY_GROUP_POLICIES for s in export.policy_sets):
        raise Unresolved(f"the export does not say which policy set delivery group "
                         f"'{group.name}' uses (it has no PolicySetGuid), and the site has "
                         "delivery group policy sets")
    return site[0]


def verdict(policy: Policy, group_id: str) -> Verdict:
    """Whether ``policy`` applies to sessions on delivery group ``group_id``."""
    if not policy.enabled:
        return Verdict(policy, DISABLED, "the policy is disabled")
    active = [f for f in policy.filters if f.enabled]
    if not active:
        return Verdict(policy, APPLIES, "no enabled assignments: it applies to all objects "
                                        "in the site")
    groups = [f for f in active if f.type == DESKTOP_GROUP]
    others = sorted({f.type for f in active if f.type != DESKTOP_GROUP})
    if any(not f.allowed and f.group_id == group_id for f in groups):
        return Verdict(policy, EXCLUDED, "a DesktopGroup assignment in mode Deny names this "
                                         "delivery group")
    allows = [f for f in groups if f.allowed]
    if allows and not any(f.group_id == group_id for f in allows):
        return Verdict(policy, NOT_ASSIGNED, "its DesktopGroup assignments allow other "
                                             "delivery groups only")
    if others:
        return Verdict(policy, CONDITIONAL, f"it also has {', '.join(others)} assignments, "
                                            "which govkit does not evaluate")
    if allows:
        return Verdict(policy, APPLIES, "a DesktopGroup assignment in mode Allow names this "
                                        "delivery group")
    return Verdict(policy, APPLIES, "its DesktopGroup assignments deny other delivery "
                                    "groups only")


@dataclass(frozen=True)
class Candidate:
    """A policy that sets the setting, and whether it surely applies."""

    policy: Policy
    setting: Setting
    status: str

    def to_json(self) -> dict[str, Any]:
        return {**_named(self.policy), "Value": self.setting.value}


@dataclass(frozen=True)
class Effective:
    """The value of one setting in force on a delivery group: the highest-priority applying
    policy's (``winner``), else Citrix's default. ``overridden``: applying policies of lower
    priority that set another value; ``conditional``: conditional policies of higher priority
    than the winner, whose value is in force for the sessions they select."""

    spec: SettingSpec
    winner: Candidate | None
    overridden: tuple[Candidate, ...]
    conditional: tuple[Candidate, ...]

    @property
    def value(self) -> Any:
        return self.spec.default if self.winner is None else self.winner.setting.value

    def text(self) -> str:
        """How a finding quotes it: "policy 'Meridian Agents' (priority 1):
        ClipboardRedirection = Prohibited"."""
        spec, winner = self.spec, self.winner
        if winner is None:
            text = f"{spec.name}{NOT_SET}{spec.default_words}"
        else:
            text = f"{winner.policy.label()}: {spec.name} = {spec.show(self.value)}"
            if winner.setting.use_default:
                text += " (the setting's default)"
        for loser in self.overridden:
            text += f", overriding {loser.policy.label()}: {spec.name} = " \
                    f"{spec.show(loser.setting.value)}"
        for maybe in self.conditional:
            text += f"; {maybe.policy.label()} sets {spec.name} = " \
                    f"{spec.show(maybe.setting.value)} for the sessions its other " \
                    "assignments select"
        return text

    def to_json(self) -> dict[str, Any]:
        winner = self.winner
        return {"Value": self.value, "Policy": None if winner is None else winner.policy.name,
                "Priority": None if winner is None else winner.policy.priority,
                "UseDefault": winner is None or winner.setting.use_default,
                "Text": self.text(),
                "Overridden": [c.to_json() for c in self.overridden],
                "Conditional": [c.to_json() for c in self.conditional]}


def effective(spec: SettingSpec, verdicts: Sequence[Verdict]) -> Effective:
    """The value of ``spec`` in force, from the verdicts on a set's policies (highest
    priority first)."""
    winner: Candidate | None = None
    overridden: list[Candidate] = []
    conditional: list[Candidate] = []
    for judged in verdicts:
        if judged.status not in (APPLIES, CONDITIONAL):
            continue
        setting = judged.policy.settings.get(spec.name)
        if setting is None:
            continue
        candidate = Candidate(judged.policy, setting, judged.status)
        if winner is None:
            if judged.status == CONDITIONAL:
                conditional.append(candidate)
            else:
                winner = candidate
        elif judged.status == APPLIES and setting.value != winner.setting.value:
            overridden.append(candidate)
    return Effective(spec, winner, tuple(overridden), tuple(conditional))

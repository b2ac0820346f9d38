"""A place where data is kept carries the data-classification tag.

Every PHI rule is scoped by that tag (the scan's ``--phi-tag`` key, ``data_classification``
by default): a bucket that received a patient export but was never classified is judged by
none of them. This kind asks that every resource of the configured types (buckets, tables,
databases, volumes, file systems) carries the tag with a value, whatever the value is; the
PHI rules then judge what it says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType
from govkit.sources.aws import eligible

RESOURCE = eligible.GROUP
PARAMETERS: Mapping[str, ParameterType] = {"types": ParameterType.STRING_LIST}
SETTINGS = ("phi_tag_key",)
READS = ("Tags",)


def _type(resource: Resource) -> str:
    """The resource's own type (the group lists resources of many types)."""
    if resource.type != eligible.GROUP:
        return resource.type
    facts = resource.attributes.get(eligible.KEY) or {}
    return str(facts.get("ResourceType") or resource.type)


def covers(resource_type: str, params: Mapping[str, Any]) -> bool:
    return resource_type in params["types"]


def applies(resource: Resource, params: Mapping[str, Any]) -> bool:
    return covers(_type(resource), params)


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    key = str(params["phi_tag_key"])
    kind = _type(resource).split(".", 1)[-1].replace(".", " ").replace("_", " ")
    what = f"{kind} {resource.name} in {resource.account}/{resource.region}"
    tags: Mapping[str, Any] = resource.attributes.get("Tags") or {}
    value = str(tags.get(key) or "").strip()
    if value:
        return Verdict(passed=True, reads=READS, facts={"classification": value},
                       message=f"{what} is classified: {key}={value}")
    others = ", ".join(sorted(tags)) or "none"
    found = "an empty" if key in tags else "no"
    return Verdict(passed=False, reads=READS, facts={"classification": None}, message=(
        f"{what} has {found} {key} tag (its tags: {others}): no PHI rule can tell whether it "
        "holds PHI, so none judges it"))

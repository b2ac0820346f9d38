"""Which CloudTrail trails record Amazon Bedrock API calls, read from their event selectors.

Bedrock's control-plane calls, and its model invocations (InvokeModel, Converse), reach a
trail as management events; agents, knowledge bases, flows, guardrails and prompts add data
events of their own resource types. A trail records Bedrock activity when one of its
selectors records management events (classic: IncludeManagementEvents with ReadWriteType All
or WriteOnly; advanced: eventCategory Management, not confined to read-only events or to
other event sources) or Bedrock data events (advanced: eventCategory Data with a Bedrock
resources.type). A trail with no selectors records every management event, as CloudTrail
does by default.

Each trail is described in a line (name, scope, what its selectors record) so a finding can
say why none counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Ref
from govkit.sources.aws.normalize.trails import Trail, TrailDirectory, with_organization

BEDROCK_RESOURCE_TYPES = frozenset({
    "AWS::Bedrock::AgentAlias", "AWS::Bedrock::FlowAlias", "AWS::Bedrock::Guardrail",
    "AWS::Bedrock::InlineAgent", "AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::Model",
    "AWS::Bedrock::Prompt"})
BEDROCK_SOURCES = frozenset({
    "bedrock.amazonaws.com", "bedrock-agent.amazonaws.com", "bedrock-runtime.amazonaws.com",
    "bedrock-agent-runtime.amazonaws.com", "bedrock-data-automation.amazonaws.com",
    "bedrock-data-automation-runtime.amazonaws.com"})


def _accepts(value: str, field: Mapping[str, Any]) -> bool:
    """Whether one advanced field selector lets ``value`` through (all its operators)."""
    def values(operator: str) -> list[str]:
        return [str(v) for v in field.get(operator) or []]
    checks = (("Equals", lambda v: value == v, any), ("StartsWith", value.startswith, any),
              ("EndsWith", value.endswith, any),
              ("NotEquals", lambda v: value != v, all),
              ("NotStartsWith", lambda v: not value.startswith(v), all),
              ("NotEndsWith", lambda v: not value.endswith(v), all))
    return all(combine(test(v) for v in values(op)) for op, test, combine in checks
               if op in field)


def _field_accepts(fields: list[Mapping[str, Any]], name: str, value: str) -> bool:
    """Whether every selector on field ``name`` lets ``value`` through (none: anything)."""
    return all(_accepts(value, f) for f in fields if f.get("Field") == name)


def _advanced(selector: Mapping[str, Any]) -> str | None:
    fields = [f for f in selector.get("FieldSelectors") or [] if isinstance(f, Mapping)]
    categories = [f for f in fields if f.get("Field") == "eventCategory"]
    if not categories:
        return None
    if _field_accepts(fields, "eventCategory", "Management"):
        writes = _field_accepts(fields, "readOnly", "false")
        sources = any(_field_accepts(fields, "eventSource", s) for s in BEDROCK_SOURCES)
        return "management events" if writes and sources else None
    if _field_accepts(fields, "eventCategory", "Data") and any(
            f.get("Field") == "resources.type" for f in fields):
        found = sorted(t for t in BEDROCK_RESOURCE_TYPES
                       if _field_accepts(fields, "resources.type", t))
        return f"Bedrock data events ({', '.join(found)})" if found else None
    return None


def _classic(selector: Mapping[str, Any]) -> str | None:
    if selector.get("IncludeManagementEvents", True) and \
            selector.get("ReadWriteType", "All") in ("All", "WriteOnly"):
        kind = "all" if selector.get("ReadWriteType", "All") == "All" else "write only"
        return f"management events ({kind})"
    return None


def records_bedrock(document: Mapping[str, Any]) -> str | None:
    """What of a trail's selectors records Bedrock API calls, or None."""
    classic = document.get("EventSelectors") or []
    advanced = document.get("AdvancedEventSelectors") or []
    if not classic and not advanced:
        return "management events (all, by default)"
    found: Iterable[str | None] = [*map(_classic, classic), *map(_advanced, advanced)]
    return next((how for how in found if how), None)


def _recorded(document: Mapping[str, Any]) -> str:
    """What a trail's selectors record, in a few words, for a finding."""
    types = sorted({str(v) for s in document.get("AdvancedEventSelectors") or []
                    for f in s.get("FieldSelectors") or [] if f.get("Field") == "resources.type"
                    for v in f.get("Equals") or []} |
                   {str(r.get("Type")) for s in document.get("EventSelectors") or []
                    for r in s.get("DataResources") or []})
    return f"data events of {', '.join(types)} only" if types else "no Bedrock events"


def bedrock_logging(directory: TrailDirectory, organization: Sequence[Trail] = ()
                    ) -> tuple[list[dict[str, Any]], CallFailure | None, list[Ref]]:
    """Every trail of the account (its own, and the ``organization`` trails that log it too)
    with whether (and how) it records Bedrock calls, and where that was read; or the call
    whose failure leaves it unknown."""
    listing_failed = directory.listing_failure()
    if listing_failed is not None:
        return [], listing_failed, []
    trails: list[dict[str, Any]] = []
    refs: list[Ref] = []
    for trail in with_organization(directory, organization):
        raw = trail.selectors_raw
        if isinstance(trail.logging, CallFailure):
            return [], trail.logging, []
        if isinstance(raw, CallFailure):
            return [], raw, []
        how = records_bedrock(raw)
        multi_region = bool(trail.details.get("IsMultiRegionTrail"))
        scope = ", ".join(("multi-region" if multi_region else "single-region",
                           "logging" if trail.logging else "not logging"))
        trails.append({"Trail": trail.name, "IsLogging": trail.logging,
                       "IsMultiRegionTrail": multi_region, "RecordsBedrock": how is not None,
                       "Summary": f"{trail.name} ({scope}) records {how or _recorded(raw)}"})
        refs += [r for r in (trail.listing, trail.logging_ref, trail.selectors_ref) if r]
    return trails, None, refs or directory.listing_refs()

"""Someone is alerted when CloudTrail records a given kind of security event.

CloudTrail delivers its events to a CloudWatch Logs log group; a metric filter on that group
counts the events that match its pattern, and an alarm on the filter's metric notifies
someone (an SNS topic, an incident tool). The kind asks that, in the account, a logging
multi-region trail's log group has a metric filter whose pattern mentions every one of the
rule's ``terms`` (event names, or fields and values such as ``Root``), and that an alarm with
an action, actions enabled, watches the filter's metric. A term counts as mentioned when it
appears as a whole word, so ``CreateVpc`` is not found in ``CreateVpcEndpoint``.

Single-region trails do not count: they miss the events of every other region. The pattern is
read as text, not evaluated: a filter that mentions the terms but negates them would pass,
which is why the finding quotes the filter for the auditor to read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from govkit.checks.interface import Period, Verdict
from govkit.inventory.model import Resource
from govkit.policy.parameters import ParameterType

RESOURCE = "aws.cloudtrail.monitoring"
PARAMETERS: Mapping[str, ParameterType] = {"activity": ParameterType.STRING,
                                           "terms": ParameterType.STRING_LIST}
READS = ("Trails", "TrailAlarms")


def _mentions(pattern: str, term: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(term)}(?![A-Za-z0-9_])", pattern) is not None


def _alerting(alarm: Mapping[str, Any]) -> bool:
    return bool(alarm.get("ActionsEnabled")) and bool(alarm.get("AlarmActions"))


def _alarm_text(alarm: Mapping[str, Any]) -> str:
    actions = alarm.get("AlarmActions") or []
    if not actions:
        return f"{alarm.get('AlarmName')} (no alarm actions)"
    state = "" if alarm.get("ActionsEnabled") else ", actions disabled"
    return f"{alarm.get('AlarmName')} (notifies {', '.join(map(str, actions))}{state})"


def _trail_text(trail: Mapping[str, Any]) -> str:
    what = ["multi-region" if trail.get("IsMultiRegionTrail") else "single-region",
            "logging" if trail.get("IsLogging") else "not logging",
            "log group " + str(trail["CloudWatchLogsLogGroupArn"]).split(":")[6]
            if trail.get("CloudWatchLogsLogGroupArn") else "no log group"]
    return f"{trail.get('Name')} ({', '.join(what)})"


def judge(resource: Resource, *, now: dt.datetime, period: Period,
          params: Mapping[str, Any]) -> Verdict | None:
    activity = str(params["activity"])
    terms: Sequence[str] = params["terms"]
    trails: Sequence[Mapping[str, Any]] = resource.attributes.get("Trails") or []
    entries = [e for e in resource.attributes.get("TrailAlarms") or []
               if e.get("IsMultiRegionTrail")]
    delivering = sorted({f"{e['Trail']} (log group {e['LogGroup']} in {e['Region']})"
                         for e in entries})
    if not entries:
        listed = "; ".join(_trail_text(t) for t in trails) or "none"
        return Verdict(passed=False, reads=READS, facts={"filter": None, "alarm": None},
                       message=(f"account {resource.account}: no metric filter on the log "
                                f"group of a logging multi-region trail, so nothing alarms on "
                                f"{activity} (trails: {listed})"))
    matching = [e for e in entries
                if all(_mentions(str(e.get("FilterPattern") or ""), t) for t in terms)]
    if not matching:
        names = ", ".join(sorted({str(e["FilterName"]) for e in entries}))
        return Verdict(passed=False, reads=READS, facts={"filter": None, "alarm": None},
                       message=(f"account {resource.account}: no metric filter on "
                                f"{'; '.join(delivering)} matches {activity}: none mentions "
                                f"all of {', '.join(terms)} (its filters: {names})"))
    for entry in matching:
        alarm = next((a for a in entry.get("Alarms") or [] if _alerting(a)), None)
        if alarm is not None:
            return Verdict(passed=True, reads=READS, facts={
                "filter": entry["FilterName"], "alarm": alarm["AlarmName"]}, message=(
                f"metric filter {entry['FilterName']} on log group {entry['LogGroup']} (trail "
                f"{entry['Trail']}) counts {activity} as {entry['MetricNamespace']}/"
                f"{entry['MetricName']}, and alarm {_alarm_text(alarm)}"))
    found = "; ".join(
        f"{e['FilterName']} on {e['LogGroup']} counts {e['MetricNamespace']}/{e['MetricName']}"
        f", alarms on it: {', '.join(_alarm_text(a) for a in e.get('Alarms') or []) or 'none'}"
        for e in matching)
    return Verdict(passed=False, reads=READS, facts={"filter": matching[0]["FilterName"],
                                                    "alarm": None}, message=(
        f"account {resource.account}: {activity} are counted but alert no one: no alarm with "
        f"an enabled action watches the metric ({found})"))

"""Counts over many runs, one row per audit period: the latest run of each period (a folder of
weekly scans gives one row per quarter), with its results by status, its failures by severity
and its failures by area. A compliance lead reads it as "is this getting better?"."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from govkit.policy.model import Severity
from govkit.results import Evaluation, Status

SEVERITIES = tuple(s.label for s in sorted(Severity, reverse=True))
STATUSES = tuple(s.value for s in Status)


@dataclass(frozen=True)
class Point:
    """One run, as the trend shows it."""

    period: str
    run_id: str
    evaluated_at: str
    by_status: dict[str, int]
    by_severity: dict[str, int]  # failures
    by_area: dict[str, int]  # failures
    runs_in_period: int = 1
    superseded: tuple[str, ...] = field(default=())  # earlier runs of the same period

    def to_json(self) -> dict[str, object]:
        return {"period": self.period, "run_id": self.run_id,
                "evaluated_at": self.evaluated_at, "runs_in_period": self.runs_in_period,
                "results_by_status": self.by_status, "failures_by_severity": self.by_severity,
                "failures_by_area": self.by_area}


def point(period: str, run_id: str, evaluated_at: str, evaluation: Evaluation) -> Point:
    areas = {rule_id: str(summary.get("area") or "custom")
             for rule_id, summary in evaluation.rules.items()}
    failed = [r for r in evaluation.results if r.status is Status.FAIL]
    return Point(period=period, run_id=run_id, evaluated_at=evaluated_at,
                 by_status=evaluation.counts(),
                 by_severity=evaluation.failures_by_severity(),
                 by_area=dict(sorted(Counter(areas.get(r.rule_id, "custom")
                                             for r in failed).items())))


def by_period(points: Iterable[Point]) -> list[Point]:
    """The latest run of each period, oldest period first."""
    grouped: dict[str, list[Point]] = {}
    for item in points:
        grouped.setdefault(item.period, []).append(item)
    rows = []
    for period in sorted(grouped):
        runs = sorted(grouped[period], key=lambda p: (p.evaluated_at, p.run_id))
        latest = runs[-1]
        rows.append(Point(period=period, run_id=latest.run_id,
                          evaluated_at=latest.evaluated_at, by_status=latest.by_status,
                          by_severity=latest.by_severity, by_area=latest.by_area,
                          runs_in_period=len(runs),
                          superseded=tuple(p.run_id for p in runs[:-1])))
    return rows


def areas_of(rows: Sequence[Point]) -> list[str]:
    return sorted({area for row in rows for area in row.by_area})


def to_csv(rows: Sequence[Point]) -> bytes:
    areas = areas_of(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["period", "run_id", "evaluated_at", "runs_in_period", *STATUSES,
                     *(f"fail_{s}" for s in SEVERITIES), *(f"fail_area_{a}" for a in areas)])
    for row in rows:
        writer.writerow([row.period, row.run_id, row.evaluated_at, row.runs_in_period,
                         *(row.by_status.get(s, 0) for s in STATUSES),
                         *(row.by_severity.get(s, 0) for s in SEVERITIES),
                         *(row.by_area.get(a, 0) for a in areas)])
    return buffer.getvalue().encode("utf-8")

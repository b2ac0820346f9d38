"""Counts over many runs, one row per audit period: the latest run of each period (a folder of
weekly scans gives one row per quarter), with its results by status, its failures by severity
and its failures by area. A compliance lead reads it as "is this getting better?"."""

from __future__ import annotations

import csv
import html
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
    # run ids and periods come from the runs read: never a spreadsheet formula
    from govkit.report.formats.csv import neutralise
    writer.writerow(["period", "run_id", "evaluated_at", "runs_in_period", *STATUSES,
                     *(f"fail_{s}" for s in SEVERITIES), *(f"fail_area_{a}" for a in areas)])
    for row in rows:
        writer.writerow([neutralise(row.period), neutralise(row.run_id),
                         neutralise(row.evaluated_at), row.runs_in_period,
                         *(row.by_status.get(s, 0) for s in STATUSES),
                         *(row.by_severity.get(s, 0) for s in SEVERITIES),
                         *(row.by_area.get(a, 0) for a in areas)])
    return buffer.getvalue().encode("utf-8")


_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'none'; img-src data:")
_STYLE = ("body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}"
          "table{border-collapse:collapse;margin-top:1rem}td,th{border:1px solid #ccd;"
          "padding:.3rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}"
          "svg text{font-size:12px}")
_COLOURS = {"critical": "#7a0a14", "high": "#c8202f", "medium": "#e07b00", "low": "#d9b300",
            "info": "#7f8c99"}


def _chart(rows: Sequence[Point]) -> str:
    """Failures by severity per period, as stacked bars (inline SVG; each bar labelled with
    its total, the severities named in the legend and the table below)."""
    width, height, left, bottom = max(520, 90 * len(rows) + 80), 260, 50, 40
    top = max([sum(r.by_severity.values()) for r in rows] + [1])
    scale = (height - bottom - 20) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" '
             f'role="img" aria-label="Failures by severity per audit period">']
    for index, row in enumerate(rows):
        x, y = left + index * 90, float(height - bottom)
        for severity in SEVERITIES:
            count = row.by_severity.get(severity, 0)
            if count:
                bar = count * scale
                y -= bar
                parts.append(f'<rect x="{x}" y="{y:.1f}" width="60" height="{bar:.1f}" '
                             f'fill="{_COLOURS[severity]}"><title>{html.escape(row.period)} '
                             f'{severity}: {count}</title></rect>')
        total = sum(row.by_severity.values())
        parts.append(f'<text x="{x + 30}" y="{y - 4:.1f}" text-anchor="middle">{total}</text>')
        parts.append(f'<text x="{x + 30}" y="{height - bottom + 16}" text-anchor="middle">'
                     f'{html.escape(row.period)}</text>')
    for index, severity in enumerate(SEVERITIES):
        x = left + index * 90
        parts.append(f'<rect x="{x}" y="{height + 6}" width="12" height="12" '
                     f'fill="{_COLOURS[severity]}"/><text x="{x + 16}" y="{height + 16}">'
                     f'{severity}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_html(rows: Sequence[Point]) -> bytes:
    """A self-contained page (no scripts, no requests): the chart and the table of counts."""
    areas = areas_of(rows)
    header = ["period", "run", *STATUSES, *(f"FAIL {s}" for s in SEVERITIES),
              *(f"FAIL {a}" for a in areas)]
    body = []
    for row in rows:
        cells = [row.period, f"{row.run_id} ({row.runs_in_period} run(s))",
                 *(str(row.by_status.get(s, 0)) for s in STATUSES),
                 *(str(row.by_severity.get(s, 0)) for s in SEVERITIES),
                 *(str(row.by_area.get(a, 0)) for a in areas)]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f"<title>govkit trend</title><style>{_STYLE}</style></head><body>"
            "<h1>Trend by audit period</h1><p>The latest run of each period: its failures by "
            "severity, then every count.</p>" + _chart(rows) +
            "<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) +
            "</tr></thead><tbody>" + "".join(body) + "</tbody></table></body></html>\n")
    return page.encode("utf-8")

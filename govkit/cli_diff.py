"""``govkit diff RUN_A RUN_B`` and ``govkit trend RUN...``: how the estate changed between runs.

Both read recorded results only (run directories or bundle archives); neither collects or
evaluates again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from govkit.bundle.archive import is_archive
from govkit.cli_common import out
from govkit.cli_common import fail_on as fail_on_threshold
from govkit.errors import EXIT_FAILURES, EXIT_OK, UsageError
from govkit.report.diff import Change, Diff, diff
from govkit.report.source import open_run
from govkit.report.trend import (
    SEVERITIES, STATUSES, Point, areas_of, by_period, point, to_csv, to_html)
from govkit.run import MANIFEST

SHOWN = 50  # changes listed per table; the JSON holds them all


def _changes(title: str, changes: tuple[Change, ...]) -> Table:
    table = Table(title=f"{title} ({len(changes)})", title_justify="left")
    for column in ("id", "severity", "rule", "resource", "account/region", "was", "now"):
        table.add_column(column, overflow="fold")
    for change in changes[:SHOWN]:
        result = change.current
        table.add_row(result.id, result.severity.label, result.rule_id,
                      result.resource_name or result.resource_id,
                      f"{result.account}/{result.region}",
                      change.before.status.value if change.before else "absent",
                      change.after.status.value if change.after else "absent")
    if len(changes) > SHOWN:
        table.caption = f"and {len(changes) - SHOWN} more (--format json lists them all)"
    return table


def _print_diff(found: Diff) -> None:
    console = out
    console.print(f"from run {found.before_run} to run {found.after_run}", highlight=False)
    for title, changes in (("New findings", found.new), ("Resolved", found.resolved),
                           ("Changed status or severity", found.changed)):
        console.print(_changes(title, changes))
    console.print(f"resources appeared: {len(found.appeared)}, gone: {len(found.gone)}; "
                  f"rules added: {', '.join(found.rules_added) or 'none'}; removed: "
                  f"{', '.join(found.rules_removed) or 'none'}", highlight=False)


def diff_command(
    before: Annotated[Path, typer.Argument(help="The earlier run (directory or archive).")],
    after: Annotated[Path, typer.Argument(help="The later run (directory or archive).")],
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    fail_on: Annotated[str, typer.Option(
        "--fail-on", help="Exit 1 when a new finding at or above this severity exists "
                          "(critical, high, medium, low, info, or none).")] = "low",
) -> None:
    """What changed between two runs: new and resolved findings, status and severity changes,
    resources that appeared or went, rules added or removed."""
    if output not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not '{output}'")
    threshold = fail_on_threshold(fail_on)
    with open_run(before) as old, open_run(after) as new:
        found = diff(old.run_id, old.evaluation.results, old.rules,
                     new.run_id, new.evaluation.results, new.rules)
    if output == "json":
        sys.stdout.write(json.dumps(found.to_json(), indent=2, sort_keys=True) + "\n")
    else:
        _print_diff(found)
    raise typer.Exit(EXIT_FAILURES if found.new_at_or_above(threshold) else EXIT_OK)


def _runs(paths: list[Path]) -> list[Path]:
    """Each path, or, for a folder that is not itself a run, the runs and archives in it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / MANIFEST).is_file():
            inside = sorted(p for p in path.iterdir() if not p.name.startswith(".") and (
                (p.is_dir() and not p.is_symlink() and (p / MANIFEST).is_file())
                or (p.is_file() and is_archive(p))))
            if not inside:
                raise UsageError(f"{path}: holds no run directory or bundle archive")
            found.extend(inside)
        else:
            found.append(path)
    return found


def trend_command(
    runs: Annotated[list[Path], typer.Argument(
        help="Runs (directories or archives), or folders holding them.")],
    output: Annotated[str, typer.Option("--format", help="table, csv, json or html.")]
    = "table",
) -> None:
    """Counts by audit period (the latest run of each): results by status, failures by
    severity and by area."""
    if output not in ("table", "csv", "json", "html"):
        raise UsageError(f"--format must be table, csv, json or html, not '{output}'")
    points: list[Point] = []
    for path in _runs(runs):
        with open_run(path) as report:
            points.append(point(report.period or "unknown", report.run_id,
                                report.evaluated_at, report.evaluation))
    rows = by_period(points)
    if output in ("csv", "html"):
        sys.stdout.buffer.write(to_csv(rows) if output == "csv" else to_html(rows))
    elif output == "json":
        sys.stdout.write(json.dumps([r.to_json() for r in rows], indent=2, sort_keys=True)
                         + "\n")
    else:
        table = Table(title="Trend by audit period (the latest run of each)",
                      title_justify="left")
        areas = areas_of(rows)
        for column in ("period", "run", *STATUSES, *SEVERITIES, *areas):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row.period, f"{row.run_id} ({row.runs_in_period} run(s))",
                          *(str(row.by_status.get(s, 0)) for s in STATUSES),
                          *(str(row.by_severity.get(s, 0)) for s in SEVERITIES),
                          *(str(row.by_area.get(a, 0)) for a in areas))
        out.print(table)
    raise typer.Exit(EXIT_OK)


def register(app: Any) -> None:
    app.command("diff")(diff_command)
    app.command("trend")(trend_command)

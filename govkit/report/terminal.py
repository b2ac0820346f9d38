"""The terminal summary: counts by status and severity, and the worst findings (with the ids
``govkit show RUN ID`` takes)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from govkit.report.access_removal import access_removal
from govkit.report.glass_windows import SHORT, glass_window_matrix
from govkit.results import Evaluation, Status
from govkit.vdi.window import CHANNELS

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "magenta",
                Status.WAIVED: "yellow", Status.NOT_APPLICABLE: "dim"}


def _styled(status: str) -> str:
    style = STATUS_STYLE[Status(status)] if status in Status.__members__ else "dim"
    return f"[{style}]{status}[/]"


def print_summary(console: Console, evaluation: Evaluation, *, run_dir: str,
                  worst: int = 10, failed_shown: int = 10) -> None:
    counts = evaluation.counts()
    status_table = Table(title="Results by status", title_justify="left")
    for status in Status:
        status_table.add_column(status.value, justify="right", style=STATUS_STYLE[status])
    status_table.add_row(*(str(counts[s.value]) for s in Status))
    console.print(status_table)

    severity_table = Table(title="Failures by severity", title_justify="left")
    by_severity = evaluation.failures_by_severity()
    for label in by_severity:
        severity_table.add_column(label, justify="right")
    severity_table.add_row(*(str(v) for v in by_severity.values()))
    console.print(severity_table)

    removal = access_removal(evaluation)
    if removal is not None:
        people = Table(title="Access removal", title_justify="left")
        people.add_column("leavers")
        people.add_column("people", justify="right")
        for label, number in removal.rows():
            people.add_row(label, str(number))
        console.print(people)

    matrix = glass_window_matrix(evaluation)
    if matrix:
        windows = Table(title="Glass windows by vendor", title_justify="left")
        for column in ("vendor", "BAA", "window"):
            windows.add_column(column, overflow="fold")
        for channel in CHANNELS:
            windows.add_column(SHORT[channel], justify="center")
        for row in matrix:
            windows.add_row(row.vendor, _styled(row.baa), row.window,
                            *(_styled(c) for c in row.controls))
        console.print(windows)

    failures = evaluation.worst_failures(worst)
    if failures:
        table = Table(title=f"Worst findings (top {len(failures)})", title_justify="left")
        table.add_column("id", no_wrap=True)
        for column in ("severity", "rule", "resource", "account/region", "why"):
            table.add_column(column, overflow="fold")
        for result in failures:
            table.add_row(result.id, result.severity.label, result.rule_id,
                          result.resource_name or result.resource_id,
                          f"{result.account}/{result.region}", result.message)
        console.print(table)
    errors = [r for r in evaluation.results if r.status is Status.ERROR]
    if errors:
        console.print(f"[magenta]{len(errors)} checks could not get their data[/magenta] "
                      "(evidence incomplete), e.g.:")
        for result in errors[:5]:
            console.print(f"  {result.id}  {result.rule_id} on "
                          f"{result.resource_name or result.resource_id}: {result.message}",
                          markup=False, highlight=False)
    if evaluation.failed_calls:
        count = len(evaluation.failed_calls)
        console.print(f"[magenta]{count} API call{'' if count == 1 else 's'} failed[/magenta] "
                      "(evidence incomplete):")
        for call in evaluation.failed_calls[:failed_shown]:
            console.print(f"  {call['call']}: {call['code']}", markup=False, highlight=False)
        if len(evaluation.failed_calls) > failed_shown:
            console.print(f"  ... and {len(evaluation.failed_calls) - failed_shown} more "
                          "(results/results.json lists them all)", highlight=False)
    for expired in evaluation.expired_exceptions:
        console.print(f"[yellow]expired exception[/yellow] {expired['ticket']} "
                      f"({expired['rule']} on {expired['resource']}, owner "
                      f"{expired['owner']}) expired {expired['expires']}")
    console.print(f"Run directory: {run_dir}", markup=False, highlight=False)
    if failures or errors:
        console.print(f"Follow a finding to its records: govkit show {run_dir} ID",
                      markup=False, highlight=False)

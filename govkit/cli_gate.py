"""``govkit gate PLAN.json``: judge a Terraform plan with the scan's rules before apply.

Exit codes: 0 the plan passes; 1 a FAIL at or above --fail-on (or, with ``--unknown fail``,
a rule that cannot be judged until apply); 2 usage or input error (not a plan, a bad
exceptions file); 3 a rule could not be judged for another reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from govkit import __version__, canonical
from govkit.cli_common import FailOnOpt, err, out
from govkit.cli_common import fail_on as fail_on_threshold
from govkit.errors import EXIT_FAILURES, EXIT_INCOMPLETE, EXIT_OK, UsageError
from govkit.policy.model import Severity
from govkit.results import Evaluation, Result, Status

FORMATS = ("table", "json", "sarif", "junit")
MAX_ROWS = 50  # findings the terminal summary shows


def register(app: typer.Typer) -> None:
    app.command("gate")(gate_command)


def gate_command(
    plan_files: Annotated[list[Path], typer.Argument(
        metavar="PLAN.json...", help="The output of 'terraform show -json PLANFILE' (or "
                                     "tofu); several for a summary of each.")],
    judge_all: Annotated[bool, typer.Option(
        "--all", help="Judge every resource in the planned state, not only those the plan "
                      "creates or changes.")] = False,
    unknown: Annotated[str, typer.Option(
        help="A rule that cannot be judged from the plan (a value known only after apply, "
             "or set outside the plan): 'fail' fails the gate, 'warn' reports it only.")]
    = "fail",
    exceptions: Annotated[Path | None, typer.Option(help="Exceptions file (YAML).")] = None,
    policies: Annotated[list[Path] | None, typer.Option(
        "--policies", help="Extra policy folder (<area>/<rule-id>.yaml); repeatable.")] = None,
    param: Annotated[list[str] | None, typer.Option(
        help="Override a rule parameter: RULE_ID.NAME=VALUE (YAML value); repeatable.")] = None,
    phi_tag: Annotated[str | None, typer.Option(
        help="Tag marking PHI resources: KEY=VALUE[,VALUE] (default data_classification=phi).")]
    = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="table (a summary), json (the results document of a scan), sarif "
                         "(GitHub code scanning) or junit.")] = "table",
    output: Annotated[Path | None, typer.Option(
        help="Write the json, sarif or junit output to this file (default: standard output, "
             "with the summary on standard error).")] = None,
    terraform_dir: Annotated[Path | None, typer.Option(
        help="The Terraform configuration the plan was made from: SARIF results are located "
             "at the .tf file and line that declares each resource.")] = None,
    evaluated_at: Annotated[str | None, typer.Option(
        help="Evaluation time (ISO-8601); default now.")] = None,
    hipaa_eligible_services: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="A refreshed copy of AWS's HIPAA eligible services "
        "list (default: the dated list govkit ships).")] = None,
    fail_on: FailOnOpt = "low",
) -> None:
    """Judge a Terraform plan with the same policies the scan uses."""
    from govkit.cli import _evaluated_at, _settings
    from govkit.sources.terraform.inventory import build
    from govkit.sources.terraform.plan import read_plan
    from govkit.gate.run import UNKNOWN_MODES, gate
    from govkit.policy import loader
    from govkit.policy.exceptions import load_exceptions
    from govkit.run import check_parameters

    if output_format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{output_format}'")
    if unknown not in UNKNOWN_MODES:
        raise UsageError(f"--unknown must be fail or warn, not '{unknown}'")
    if output is not None and output_format == "table":
        raise UsageError("--output needs --format json, sarif or junit")
    threshold = fail_on_threshold(fail_on)
    settings = _settings(param, phi_tag)
    policy_set = loader.load_policy_set(tuple(policies or ()))
    check_parameters(policy_set, settings)
    rules = [rule.with_parameters(settings.parameters.get(rule.id, {}))
             for rule in policy_set.rules]
    risk = load_exceptions(exceptions) if exceptions is not None else ()
    now = _evaluated_at(evaluated_at) or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    if len(plan_files) > 1 and output_format != "table":
        raise UsageError(f"--format {output_format} takes one plan; give the plans one at a time")
    codes = []
    for plan_file in plan_files:
        plan = read_plan(plan_file)
        planned = build(plan, str(plan_file), hipaa_eligible_services)
        verdict = gate(planned, rules, settings=settings, now=now, judge_all=judge_all,
                       exceptions=risk)
        evaluation = verdict.evaluation
        if output_format != "table":
            run_id = "gate-" + hashlib.sha256(plan_file.read_bytes()).hexdigest()[:12]
            stamp = now.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
            data = _render(output_format, plan, planned, evaluation, run_id, stamp,
                           terraform_dir, unknown, fail_on, policy_set.rules)
            if output is None:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                canonical.write_atomic(output, data)
        console = err if output_format != "table" and output is None else out
        _summary(console, plan_file, plan, verdict, unknown, judge_all)
        code = exit_code(evaluation, threshold, unknown)
        console.print(_VERDICT[code])
        codes.append(code)
    raise typer.Exit(EXIT_FAILURES if EXIT_FAILURES in codes else max(codes))


_VERDICT = {EXIT_OK: "[green]gate passed[/]", EXIT_FAILURES: "[red]gate failed[/]",
            EXIT_INCOMPLETE: "[yellow]gate incomplete: a rule could not be judged[/]"}


def exit_code(evaluation: Evaluation, threshold: Severity | None, unknown: str) -> int:
    """Exit 1 for a FAIL at or above the threshold (an UNKNOWN too with ``--unknown fail``),
    3 for another ERROR, else 0."""
    from govkit.gate.run import is_unknown
    failing = [r for r in evaluation.results if r.status is Status.FAIL or
               (unknown == "fail" and is_unknown(r))]
    if threshold is not None and any(r.severity >= threshold for r in failing):
        return EXIT_FAILURES
    if any(r.status is Status.ERROR and not is_unknown(r) for r in evaluation.results):
        return EXIT_INCOMPLETE
    return EXIT_OK


def _render(output_format: str, plan: Any, planned: Any, evaluation: Evaluation, run_id: str,
            stamp: str, terraform_dir: Path | None, unknown: str, fail_on: str,
            rules: Sequence[Any]) -> bytes:
    if output_format == "json":
        document = evaluation.to_json(run_id=run_id, evaluated_at=stamp)
        # one line: Python's C encoder only writes without indentation (10x faster)
        return (json.dumps(document, sort_keys=True) + "\n").encode()
    from govkit.gate.report import junit, sarif
    if output_format == "sarif":
        return sarif(plan, planned, evaluation, run_id=run_id, evaluated_at=stamp,
                     terraform_dir=terraform_dir, unknown=unknown, rules=rules)
    return junit(plan, evaluation, run_id=run_id, evaluated_at=stamp, fail_on=fail_on,
                 unknown=unknown, rules=rules)


def _summary(console: Any, plan_file: Path, plan: Any, verdict: Any, unknown: str,
             judge_all: bool) -> None:
    from govkit.gate.run import is_unknown
    evaluation: Evaluation = verdict.evaluation
    results = evaluation.results
    counts = Counter("UNKNOWN" if is_unknown(r) else r.status.value for r in results)
    scope = "every planned resource" if judge_all else "what the plan creates or changes"
    console.print(f"govkit {__version__} gate: {escape(str(plan_file))} (plan format "
                  f"{plan.format_version}, Terraform {plan.terraform_version or 'unknown'}); "
                  f"judged {scope}: {verdict.judged} resources, {verdict.rules} rules",
                  highlight=False)
    console.print("  " + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                                   ("PASS", "FAIL", "UNKNOWN", "ERROR", "WAIVED")),
                  highlight=False)
    findings = sorted((r for r in results
                       if r.status in (Status.FAIL, Status.ERROR, Status.WAIVED)), key=_order)
    shown = findings[:MAX_ROWS]
    if shown:
        table = Table(show_lines=False, pad_edge=False)
        for column in ("status", "severity", "rule", "resource", "finding"):
            table.add_column(column, overflow="fold")
        for result in shown:
            status = "UNKNOWN" if is_unknown(result) else result.status.value
            table.add_row(status, result.severity.label, result.rule_id,
                          escape(result.resource_id), escape(result.message))
        console.print(table)
        if len(findings) > len(shown):
            console.print(f"and {len(findings) - len(shown)} more findings (the most severe are "
                          "shown; --format json, sarif or junit lists them all)",
                          highlight=False)
    if verdict.not_evaluated:
        by_type: dict[str, list[str]] = {}
        for item in verdict.not_evaluated:
            by_type.setdefault(item.type, []).append(item.address)
        console.print(f"not evaluated ({len(verdict.not_evaluated)} resources of types govkit "
                      "has no rules for):", highlight=False)
        for type_, addresses in sorted(by_type.items()):
            listed = ", ".join(addresses[:5]) + (f" and {len(addresses) - 5} more"
                                                 if len(addresses) > 5 else "")
            console.print(f"  {type_}: {escape(listed)}", highlight=False)
    if counts.get("UNKNOWN") and unknown == "warn":
        console.print("unknown results are reported only (--unknown warn)", highlight=False)
    for expired in evaluation.expired_exceptions:
        console.print(f"exception {expired.get('ticket')} for {expired.get('rule')} on "
                      f"{escape(str(expired.get('resource')))} expired on "
                      f"{expired.get('expires')}", highlight=False)


def _order(result: Result) -> tuple[int, int, str, str]:
    rank = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2}
    return (rank.get(result.status, 3), -result.severity, result.rule_id, result.resource_id)

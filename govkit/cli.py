"""The ``govkit`` command: a thin layer over library calls.

Exit codes (all commands): 0 clean; 1 failures at or above --fail-on; 2 usage, configuration
or input error; 3 evidence incomplete (a check could not get its data).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govkit import __version__
from govkit.sources.aws.scan import ScanRequest
from govkit.bundle import keys
from govkit.bundle.verify import KeyVerifier, verify_run
from govkit.cli_bundle import (
    KmsOpt, PassEnvOpt, SignKeyOpt, SigstoreOpt, StagingOpt, make_signer, print_report,
    register)
from govkit.cli_common import FailOnOpt, err, out
from govkit.cli_common import fail_on as fail_on_threshold
from govkit.cli_controls import register as register_controls
from govkit.cli_diff import register as register_diff
from govkit.cli_gate import register as register_gate
from govkit.cli_merge import register as register_merge
from govkit.cli_report import register as register_report
from govkit.cli_show import register as register_show
from govkit.checks.interface import period_bounds
from govkit.config import AwsSection, load_config
from govkit.errors import EXIT_FAILURES, EXIT_INPUT, EXIT_OK, GovkitError, UsageError
from govkit.policy import cases, loader
from govkit.policy.evaluate import Settings
from govkit.policy.yamlfile import parse_value
from govkit.report.terminal import print_summary
from govkit.results import exit_code_for
from govkit.run import Run, RunOptions, results_document, scan

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Audit governed PHI access by outsourced support teams.")
policies_app = typer.Typer(no_args_is_help=True, help="List, validate and test policies.")
app.add_typer(policies_app, name="policies")
register_controls(policies_app)
register(app)
register_show(app)
register_report(app)
register_diff(app)
register_gate(app)
register_merge(app)



PoliciesOpt = Annotated[list[Path] | None, typer.Option(
    "--policies", help="Extra policy folder (<area>/<rule-id>.yaml); repeatable.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json (results on stdout).")]


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _settings(params: list[str] | None, phi_tag: str | None) -> Settings:
    """Settings from --param and --phi-tag; the values' types are checked against the rules
    (``run.check_parameters``) before a scan starts."""
    parameters: dict[str, dict[str, Any]] = {}
    for item in params or []:
        name, sep, raw = item.partition("=")
        rule_id, dot, param = name.partition(".")
        if not sep or not dot or not rule_id or not param:
            raise UsageError(f"--param expects RULE_ID.NAME=VALUE, got '{item}'")
        try:
            parameters.setdefault(rule_id, {})[param] = parse_value(raw)
        except ValueError as exc:
            raise UsageError(f"--param {name}: {exc}") from None
    if phi_tag is None:
        return Settings(parameters=parameters)
    key, sep, values = phi_tag.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--phi-tag expects KEY=VALUE[,VALUE], got '{phi_tag}'")
    if not _csv(values):
        raise UsageError(f"--phi-tag needs at least one value after '{key}=', got '{phi_tag}'")
    return Settings(phi_tag_key=key, phi_tag_values=_csv(values), parameters=parameters)


def _evaluated_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--evaluated-at is not an ISO-8601 time: {value}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _period(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        period_bounds(value)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None
    return value


def _progress() -> Progress:
    return Progress(TextColumn("[bold]collecting"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("tasks"), TimeElapsedColumn(), console=err, transient=True)


@contextlib.contextmanager
def _progress_callback() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr while collection runs; the callback moves it."""
    with _progress() as progress:
        task = progress.add_task("collect", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _html_report(run: Run) -> str:
    """Write the run's HTML report beside it (``<out>/reports/<run id>.html``, outside the
    signed run directory); where it went, or why it could not be written (the run itself
    is complete either way)."""
    from govkit import canonical
    from govkit.report import formats
    from govkit.report.source import open_run
    try:
        with open_run(run.path) as report:
            (artifact,) = formats.get("html").render(report, formats.Options())
        path = run.path.parent / "reports" / artifact.name
        canonical.write_atomic(path, artifact.data)
    except (GovkitError, OSError) as exc:
        return f"not written ({exc}); make it with: govkit report {run.path} --format html"
    return str(path)


def _report(run: Run, output: str, fail_on: str) -> int:
    threshold = fail_on_threshold(fail_on)
    console = err if output == "json" else out
    if output == "json":
        document = results_document(run.manifest, run.evaluation)
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print_summary(console, run.evaluation, run_dir=str(run.path))
    console.print(f"HTML report: {_html_report(run)}", highlight=False)
    return exit_code_for(run.evaluation, threshold)


def _check_format(output: str) -> None:
    if output not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not '{output}'")


@app.command("scan")
def scan_command(
    profile: Annotated[str | None, typer.Option(help="AWS profile (else the standard chain).")]
    = None,
    regions: Annotated[str | None, typer.Option(
        help="Comma-separated regions (default: the account's enabled regions).")] = None,
    home_region: Annotated[str | None, typer.Option(
        help="Region for global services (default us-east-1).")] = None,
    accounts: Annotated[str | None, typer.Option(
        help="Comma-separated account ids to assume --role-name into.")] = None,
    org: Annotated[bool | None, typer.Option(
        "--org/--no-org", help="Scan every active account of the organization.")] = None,
    role_name: Annotated[str | None, typer.Option(help="Read-only role in each account.")]
    = None,
    external_id: Annotated[str | None, typer.Option(help="ExternalId for --role-name.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where run directories go.")]
    = Path("govkit-runs"),
    policies: PoliciesOpt = None,
    exceptions: Annotated[Path | None, typer.Option(help="Exceptions file (YAML).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        help="Override a rule parameter: RULE_ID.NAME=VALUE (YAML value); repeatable.")] = None,
    policy_profile: Annotated[str | None, typer.Option(
        "--policy-profile", help="Apply a profile: the id of one govkit ships (hipaa-nprm-2025, "
        "the January 2025 proposed rule, not in force) or a profile file. Its rule parameters "
        "apply under any --param; its extra controls are stored with the run.")] = None,
    phi_tag: Annotated[str | None, typer.Option(
        help="Tag marking PHI resources: KEY=VALUE[,VALUE] (default data_classification=phi).")]
    = None,
    evaluated_at: Annotated[str | None, typer.Option(
        help="Evaluation time (ISO-8601); default: when collection ends.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Concurrent API workers (default 16).")] = None,
    max_attempts: Annotated[int | None, typer.Option(
        min=1, max=50, help="Attempts per API call, the first included (default: "
                            "AWS_MAX_ATTEMPTS or the profile's max_attempts, else 9).")] = None,
    credential_report_max_age: Annotated[int, typer.Option(
        min=1, max=8760, help="Hours before the scan starts beyond which a reused IAM "
                              "credential report is refused (its rules are ERROR).")] = 4,
    output: FormatOpt = "table",
    fail_on: FailOnOpt = "low",
    sign_key: SignKeyOpt = None,
    passphrase_env: PassEnvOpt = None,
    kms_key_id: KmsOpt = None,
    sigstore: SigstoreOpt = False,
    staging: StagingOpt = False,
    config: Annotated[Path | None, typer.Option(
        help="Scan configuration file (YAML): the sources to read; flags override it.")]
    = None,
    period: Annotated[str | None, typer.Option(
        help="Audit period, a quarter (2026-Q3) or a month (2026-07); default: the "
             "evaluation time's quarter. Audit logs are read from its start.")] = None,
    hipaa_eligible_services: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="A refreshed copy of AWS's HIPAA eligible services "
        "list (default: the dated list govkit ships).")] = None,
    shard: Annotated[str | None, typer.Option(
        help="Collect one partition of the scan: I/N (e.g. 2/8), or N with the index from "
             "JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or GOVKIT_SHARD_INDEX (0-based). "
             "Merge the N shard runs with 'govkit merge'.")] = None,
    via: Annotated[str, typer.Option(
        help="How AWS resources are read: 'api' (each service's own API) or 'aws-config' "
             "(what AWS Config records, from its configuration items; the rest from the "
             "APIs).")] = "api",
    aggregator: Annotated[str | None, typer.Option(
        help="With --via aws-config: the AWS Config aggregator to read every account and "
             "region from (in the caller's account and --home-region); default: each "
             "account's own Config, region by region.")] = None,
    max_config_age: Annotated[float, typer.Option(
        min=0.01, max=8760, help="With --via aws-config: hours before the scan starts beyond "
                                 "which a configuration item is too old and the resource "
                                 "is read from its API instead.")] = 24,
) -> None:
    """Scan AWS accounts and the configured identity, HR and roster sources, record every
    call, evaluate the policies, report (and sign)."""
    _check_format(output)
    fail_on_threshold(fail_on)
    config_options = _via(via, aggregator, max_config_age)
    from govkit.shard import Shard
    partition = Shard.parse(shard) if shard is not None else None
    configured = load_config(config) if config is not None else None
    from govkit.policy import profiles
    chosen: profiles.Profile | None = None
    reference, base = policy_profile, Path.cwd()  # the flag's path is from where govkit runs
    if reference is None and configured is not None and configured.policy_profile:
        reference, base = configured.policy_profile, configured.path.parent
    if reference is not None:  # checked against the rules before anything is collected
        chosen = profiles.load_profile(profiles.find_profile(reference, base=base),
                                       loader.load_policy_set(tuple(policies or ())))
        err.print(f"profile {chosen.id} ({chosen.title}): {chosen.status}", markup=False,
                  highlight=False)
    aws_flags = any(v is not None for v in (profile, regions, home_region, accounts, org,
                                            role_name))
    if configured is not None and configured.aws is None and not aws_flags and \
            not configured.sources:
        raise UsageError(f"{config}: the configuration names no source govkit can collect; "
                         "add a section such as 'aws', 'okta' or 'hr' (or give AWS flags "
                         "such as --regions)")
    if configured is not None and configured.identity_center_region and \
            configured.aws is None and not aws_flags:
        raise UsageError(f"{config}: 'identity_center' is collected in the AWS scan; add an "
                         "'aws' section (or AWS flags)")
    scan_aws = configured is None or configured.aws is not None or aws_flags
    aws = (configured.aws if configured is not None else None) or AwsSection()
    home = home_region or aws.home_region or "us-east-1"
    profile = profile or aws.profile
    signer = make_signer(key=sign_key, passphrase_env=passphrase_env, kms_key_id=kms_key_id,
                         sigstore=sigstore, staging=staging, profile=profile, region=home)
    request = ScanRequest(
        profile=profile, home_region=home, regions=_csv(regions) or aws.regions,
        accounts=_csv(accounts) or aws.accounts, org=bool(aws.org if org is None else org),
        role_name=role_name or aws.role_name, external_id=external_id or aws.external_id,
        workers=workers or aws.workers or 16, max_attempts=max_attempts or aws.max_attempts,
        identity_center_region=configured.identity_center_region if configured else None,
        hipaa_eligible_services=hipaa_eligible_services or aws.hipaa_eligible_services,
        config=config_options,
    ) if scan_aws else None
    settings = dataclasses.replace(
        _settings(param, phi_tag), credential_report_max_age_hours=credential_report_max_age,
        service_accounts=configured.service_accounts if configured else ())
    if chosen is not None:
        settings = profiles.apply(chosen, settings)  # explicit --param values win
    options = RunOptions(out=out_dir, policy_dirs=tuple(policies or ()), exceptions=exceptions,
                         settings=settings, evaluated_at=_evaluated_at(evaluated_at),
                         period=_period(period), signer=signer,
                         sources=configured.sources if configured else (), shard=partition)
    with _progress_callback() as advance:
        run = scan(request, options, advance)
    if partition is not None:
        raise typer.Exit(_shard_written(run, partition))
    raise typer.Exit(_report(run, output, fail_on))


def _via(via: str, aggregator: str | None, max_age_hours: float) -> Any:
    """The AWS Config path's options, or None for a scan of the services' own APIs."""
    from govkit.sources.aws.awsconfig.plan import VIA_CONFIG, ConfigOptions
    if via not in ("api", VIA_CONFIG):
        raise UsageError(f"--via: '{via}' is not one of: api, {VIA_CONFIG}")
    if via == "api":
        if aggregator is not None:
            raise UsageError("--aggregator needs --via aws-config")
        return None
    return ConfigOptions(aggregator=aggregator,
                         max_age=dt.timedelta(hours=max_age_hours))


def _shard_written(run: Run, partition: Any) -> int:
    """A shard run is a part of the evidence: its own results are partial (what the other
    shards collect is missing), so it succeeds once written; the merge gives the verdict."""
    source: dict[str, Any] = next((s for s in run.manifest["sources"]
                                   if s.get("type") == "aws"), {})
    out.print(f"shard {partition.label} written: {run.path} ({source.get('api_calls', 0)} API "
              f"calls in {len(run.manifest['accounts'])} accounts)", highlight=False)
    out.print(f"its results are partial; merge the {partition.count} shard runs with: "
              "govkit merge SHARD_RUN... --out DIR", highlight=False)
    return EXIT_OK


@app.command("demo")
def demo_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the run directory goes.")]
    = Path("govkit-demo"),
    scale: Annotated[int, typer.Option(min=1, max=1000, help="Multiply the estate's size.")]
    = 1,
    output: FormatOpt = "table",
) -> None:
    """Start a local AWS emulator, seed a hospital's estate, scan it and report."""
    from govkit.demo.run import run_demo
    _check_format(output)
    with _progress_callback() as advance:
        run = run_demo(out_dir, scale=scale, progress=advance)
    code = _report(run, output, "none")
    public = out_dir / "keys" / "govkit.pub"
    report = verify_run(run.path, KeyVerifier(keys.load_public(public)), replay=True)
    print_report(err if output == "json" else out, report, f"{run.path} with {public}")
    raise typer.Exit(code if report.ok else EXIT_FAILURES)


@policies_app.command("list")
def policies_list(policies: PoliciesOpt = None, output: FormatOpt = "table") -> None:
    """List the rules that would be evaluated."""
    _check_format(output)
    policy_set = loader.load_policy_set(tuple(policies or ()))
    if output == "json":
        rows = {r.id: r.summary() | {"path": r.path} for r in policy_set.rules}
        sys.stdout.write(json.dumps(rows, indent=2, sort_keys=True) + "\n")
        raise typer.Exit(EXIT_OK)
    table = Table(title=f"{len(policy_set.rules)} rules")
    for column in ("id", "area", "severity", "resource", "controls", "title"):
        table.add_column(column, overflow="fold")
    for rule in policy_set.rules:
        table.add_row(rule.id, rule.area, rule.severity.label, rule.resource_type,
                      ", ".join(rule.controls), rule.title)
    out.print(table)


@policies_app.command("validate")
def policies_validate(path: Annotated[Path, typer.Argument(
        help="A rule file, or a folder of <area>/<rule-id>.yaml files.")]) -> None:
    """Check rule files against the schema, their keys and their controls.

    A folder is checked as `scan --policies` would use it: together with the built-in rules.
    """
    if path.is_file():
        count = 1
        loader.load_rule(path, path.parent.name)
    elif path.resolve() == loader.builtin_dir("policies").resolve():
        count = len(loader.load_policy_set().rules)
    else:
        count = len(loader.load_folder(path))
        loader.load_policy_set([path])  # ids unique, controls known
    out.print(f"{count} rule(s) valid", highlight=False)


@policies_app.command("test")
def policies_test(path: Annotated[Path | None, typer.Argument(
        help="A rule file or folder; default: the built-in rules.")] = None) -> None:
    """Run every rule's own pass and fail cases."""
    if path is None:
        rules = list(loader.load_policy_set().rules)
    elif path.is_file():
        rules = [loader.load_rule(path, path.parent.name)]
    else:
        rules = loader.load_folder(path)
    outcomes = cases.run_all(rules)
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        actual = outcome.actual.value if outcome.actual else "out of scope"
        if outcome.expected is outcome.actual:
            lacking = "; ".join(repr(m) for m in outcome.missing)
            err.print(f"FAILED {outcome.rule_id} [{outcome.case}]: the message lacks "
                      f"{lacking}: {outcome.message}", markup=False, highlight=False)
            continue
        err.print(f"FAILED {outcome.rule_id} [{outcome.case}]: expected "
                  f"{outcome.expected.value}, got {actual}: {outcome.message}",
                  markup=False, highlight=False)
    out.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed "
              f"({len(rules)} rules)", highlight=False)
    raise typer.Exit(EXIT_FAILURES if failed else EXIT_OK)


@app.command("version")
def version_command() -> None:
    """Print govkit's version."""
    out.print(f"govkit {__version__}")


def _parse_errors() -> tuple[tuple[type[Exception], ...], tuple[type[BaseException], ...]]:
    """Option-parsing errors and aborts: newer typer vendors click, older typer uses click."""
    errors: list[type[Exception]] = []
    aborts: list[type[BaseException]] = [typer.Abort]
    base = getattr(getattr(typer, "exceptions", None), "TyperException", None)
    if isinstance(base, type) and issubclass(base, Exception):
        errors.append(base)
    try:
        import click
    except ImportError:
        pass
    else:
        errors.append(click.exceptions.ClickException)
        aborts.append(click.exceptions.Abort)
    return tuple(errors), tuple(aborts)


_PARSE_ERRORS, _ABORTS = _parse_errors()


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except _ABORTS:
        err.print("govkit: interrupted")
        code = 130
    except _PARSE_ERRORS as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"govkit: error: {exc}", markup=False, highlight=False)
        code = EXIT_INPUT
    except GovkitError as exc:
        err.print(f"govkit: error: {exc}", markup=False, highlight=False)
        code = exc.exit_code
    except KeyboardInterrupt:
        err.print("govkit: interrupted")
        code = 130
    sys.exit(code if isinstance(code, int) else EXIT_OK)


"""A run directory: the unit of evidence.

    manifest.json          tool, run id, period, times, sources, accounts, regions, settings
    snapshots/             every API call (see govkit.snapshot)
    policies/              the exact rules, controls and exceptions evaluated
    results/results.json   every result

A scan writes into a hidden partial directory and renames it into place only when complete,
so a failed or interrupted scan leaves nothing half-written behind. Evaluation reads only the
run directory, so re-running it later (replay) gives the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import rfc8785

from govkit import __version__, canonical, schemas
from govkit.sources.aws.scan import ScanRequest, ScanScope, check_request, plan_and_run
from govkit.sources.aws.tasks import Progress
from govkit.bundle.errors import SigningError
from govkit.bundle.sign import sign_run
from govkit.bundle.signers import Signer
from govkit.checks.interface import Period, period_bounds
from govkit.people.join import JoinSettings, ServiceAccount
from govkit.sources.interface import CollectWindow
from govkit.sources.registry import SourceKind
from govkit.errors import InputError, UsageError
from govkit.inventory.build import build_inventory
from govkit.inventory.model import CallFailure
from govkit.sources.aws.normalize import types_not_asked
from govkit.sources.aws.normalize.common import failed_calls
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.exceptions import RiskException, load_exceptions
from govkit.policy.loader import PolicySet, load_policy_set
from govkit.policy.model import Rule
from govkit.policy.parameters import problem_with
from govkit.results import Evaluation, validate_results
from govkit.shard import Shard
from govkit.snapshot import Snapshot, SnapshotWriter

MANIFEST = "manifest.json"
RESULTS = "results/results.json"
RULES_DIR = "policies/rules"
CONTROLS_DIR = "policies/controls"
EXCEPTIONS_FILE = "policies/exceptions.yaml"
MANIFEST_SCHEMA = "https://govkit.dev/schemas/manifest/v1"


def new_run_id(now: dt.datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def period_of(moment: dt.datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _source_entries(sources: Sequence[tuple[SourceKind, Any]], writer: SnapshotWriter,
                    window: CollectWindow) -> list[dict[str, Any]]:
    """Collect every configured source other than AWS into the snapshot; their manifest
    entries."""
    return [kind.module.collect(settings, writer, window) for kind, settings in sources]


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    out: Path
    policy_dirs: Sequence[Path] = ()
    exceptions: Path | None = None
    settings: Settings = field(default_factory=Settings)
    evaluated_at: dt.datetime | None = None
    period: str | None = None
    signer: Signer | None = None
    sources: tuple[tuple[SourceKind, Any], ...] = ()  # configured sources other than AWS
    shard: Shard | None = None  # one partition of the scan (govkit.shard); merged later


@dataclass(frozen=True)
class Run:
    path: Path
    manifest: dict[str, Any]
    evaluation: Evaluation


def check_parameters(policies: PolicySet, settings: Settings) -> None:
    """Each ``--param`` names a rule, one of its parameters, and a value its type allows."""
    rules = policies.by_id()
    for rule_id, values in sorted(settings.parameters.items()):
        if rule_id not in rules:
            raise UsageError(f"--param names unknown rule '{rule_id}'")
        declarations = rules[rule_id].declarations
        unknown = sorted(set(values) - set(declarations))
        if unknown:
            known = ", ".join(sorted(declarations)) or "none"
            raise UsageError(f"rule '{rule_id}' has no parameter {', '.join(unknown)} "
                             f"(its parameters: {known})")
        for name, value in sorted(values.items()):
            problem = problem_with(declarations[name], value)
            if problem is not None:
                raise UsageError(f"--param {rule_id}.{name}: {problem}")


def _copy_policies(run_dir: Path, policies: PolicySet, exceptions: Path | None,
                   settings: Settings) -> None:
    from govkit.policy import profiles
    for rule in policies.rules:
        canonical.write_atomic(run_dir / RULES_DIR / rule.area / f"{rule.id}.yaml", rule.text)
    catalogue = Path(policies.catalogue.path)
    canonical.write_atomic(run_dir / CONTROLS_DIR / catalogue.name, policies.catalogue.text)
    # A profile's file goes to policies/profiles/, not beside the catalogue: evaluation reads
    # the first catalogue there, and reports add the profile's controls (profiles.run_catalogue).
    profiles.store(run_dir, settings, policies)
    if exceptions is not None:
        canonical.write_atomic(run_dir / EXCEPTIONS_FILE, exceptions.read_bytes())


def _aws_entry(scope: ScanScope) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "aws", "caller_account": scope.caller_account,
        "services": list(scope.services), "role_name": scope.role_name,
        "organization_accounts": list(scope.organization_accounts),
        "skipped": [dict(s) for s in scope.skipped], "api_calls": scope.api_calls}
    if scope.identity_center_region is not None:
        entry["identity_center_region"] = scope.identity_center_region
    if scope.config is not None:
        entry["via"] = "aws-config"
        entry["aws_config"] = scope.config
    return entry


def _manifest(run_id: str, started: dt.datetime, finished: dt.datetime,
              evaluated_at: dt.datetime, period: str, scope: ScanScope | None,
              sources: list[dict[str, Any]], settings: Settings,
              policies: PolicySet, shard: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "schema": MANIFEST_SCHEMA,
        "tool": {"name": "govkit", "version": __version__},
        "run_id": run_id,
        "period": period,
        "started_at": canonical.iso_utc(started),
        "finished_at": canonical.iso_utc(finished),
        "evaluated_at": canonical.iso_utc(evaluated_at),
        "accounts": list(scope.accounts) if scope else [],
        "regions": list(scope.regions) if scope else [],
        "sources": ([_aws_entry(scope)] if scope else []) + sources,
        "settings": settings.to_json(),
        "policies": {"rules": len(policies.rules), "catalogue": policies.catalogue.id,
                     "dir": "policies"},
        **({"shard": shard} if shard is not None else {}),
    }


def scan(request: ScanRequest | None, options: RunOptions, progress: Progress | None = None,
         on_collected: Callable[[], None] | None = None) -> Run:
    """Collect (AWS when ``request`` is given, and every configured source), record,
    evaluate; returns the completed run directory."""
    policies = load_policy_set(options.policy_dirs)
    check_parameters(policies, options.settings)
    if options.exceptions is not None:
        load_exceptions(options.exceptions)  # fail on a bad file before scanning
    if request is not None:
        check_request(request)
        if options.shard is not None:
            request = dataclasses.replace(request, shard=options.shard)
    if request is None and not options.sources:
        raise UsageError("nothing to scan: give AWS options or a configuration file that "
                         "names a source")
    period = options.period or period_of(options.evaluated_at or dt.datetime.now(dt.timezone.utc))
    period_start, _ = period_bounds(period)
    if options.out.exists() and not options.out.is_dir():
        raise UsageError(f"--out {options.out} is a file, not a folder")
    started = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started)
    created = _make_folder(options.out)
    partial = options.out / f".{run_id}.partial"
    try:
        writer = SnapshotWriter(partial)
        window = CollectWindow(since=min(period_start, started), until=started)
        singletons = options.shard is None or options.shard.owns_singletons
        entries = _source_entries(options.sources if singletons else (), writer, window)
        scope = plan_and_run(request, writer, progress) if request is not None else None
        writer.write_index()
        if on_collected is not None:
            on_collected()
        finished = dt.datetime.now(dt.timezone.utc)
        evaluated_at = options.evaluated_at or finished
        _copy_policies(partial, policies, options.exceptions, options.settings)
        manifest = _manifest(run_id, started, finished, evaluated_at,
                             options.period or period_of(evaluated_at), scope, entries,
                             options.settings, policies,
                             None if options.shard is None else options.shard.to_json(
                                 scan_fingerprint(request, options, policies)))
        canonical.write_json(partial / MANIFEST, manifest)
        evaluation = write_results(partial)
        unsigned: SigningError | None = None
        if options.signer is not None:
            try:
                sign_run(partial, options.signer)
            except SigningError as exc:
                unsigned = exc  # the evidence is complete: keep it, unsigned
        final = options.out / run_id
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        for folder in created:  # what this scan created, and only while it is still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    _point_latest(options.out, run_id)
    if unsigned is not None:
        raise SigningError(f"{unsigned}. The run is complete but unsigned: {final}; sign it "
                           "with 'govkit bundle sign'")
    return Run(final, manifest, evaluation)


def scan_fingerprint(request: ScanRequest | None, options: RunOptions,
                     policies: PolicySet) -> str:
    """What every shard of one scan shares, as one digest: what is collected (not how: the
    workers, retries and credentials may differ per job), the evaluation settings, time and
    period, the policies and the exceptions. The merge refuses shards that disagree."""
    import hashlib
    asked: dict[str, Any] = {}
    if request is not None:
        asked = {"home_region": request.home_region, "regions": sorted(request.regions),
                 "accounts": sorted(request.accounts), "org": request.org,
                 "role_name": request.role_name, "services": [s.value for s in request.services],
                 "identity_center_region": request.identity_center_region}
    digest = hashlib.sha256()
    for rule in sorted(policies.rules, key=lambda r: r.id):
        digest.update(rule.id.encode() + b"\0" + rule.text + b"\0")
    digest.update(policies.catalogue.text)
    document: Any = {
        "aws": asked, "sources": sorted(kind.section for kind, _ in options.sources),
        "settings": options.settings.to_json(), "policies": digest.hexdigest(),
        "exceptions": hashlib.sha256(options.exceptions.read_bytes()).hexdigest()
        if options.exceptions is not None else None,
        "evaluated_at": canonical.iso_utc(options.evaluated_at)
        if options.evaluated_at is not None else None,
        "period": options.period}
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _point_latest(out: Path, run_id: str) -> None:
    """``<out>/latest`` names the newest complete run (a symlink, replaced atomically)."""
    link = out / "latest"
    temporary = out / f".latest.{run_id}"
    try:
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(run_id, target_is_directory=True)
        os.replace(temporary, link)
    except OSError:
        temporary.unlink(missing_ok=True)  # a filesystem without symlinks: no pointer


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The run's manifest, checked against its schema (a bad one names the field)."""
    if not run_dir.is_dir():
        raise InputError(str(run_dir), "not a run directory (a folder with manifest.json, "
                         "snapshots/, policies/ and results/)" if run_dir.exists()
                         else "no such run directory")
    path = run_dir / MANIFEST
    if not path.is_file():
        raise InputError(str(run_dir), "not a run directory: it has no manifest.json")
    manifest: dict[str, Any] = Snapshot.read_json(path)
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise InputError(str(path), "not a govkit run manifest")
    validator = jsonschema.Draft202012Validator(schemas.load("manifest"))
    error = jsonschema.exceptions.best_match(validator.iter_errors(manifest))
    if error is not None:
        raise InputError(str(path), error.message,
                         field=".".join(str(p) for p in error.absolute_path) or None)
    for key in ("started_at", "finished_at", "evaluated_at"):
        manifest_time(manifest, key, run_dir)
    return manifest


def settings_from(manifest: dict[str, Any]) -> Settings:
    stored = manifest.get("settings") or {}
    return Settings(phi_tag_key=stored.get("phi_tag_key", "data_classification"),
                    phi_tag_values=tuple(stored.get("phi_tag_values") or ("phi",)),
                    parameters=stored.get("parameters") or {},
                    credential_report_max_age_hours=int(
                        stored.get("credential_report_max_age_hours", 4)),
                    service_accounts=tuple(
                        ServiceAccount(pattern=s["pattern"], owner=s["owner"])
                        for s in stored.get("service_accounts") or []),
                    employee_id_tag=stored.get("employee_id_tag", "employee_id"),
                    profile=stored.get("profile"))  # absent in runs made without a profile


def evaluate_run(run_dir: Path) -> tuple[dict[str, Any], Evaluation]:
    """Evaluate a run directory from its own contents only (also what replay does)."""
    manifest = read_manifest(run_dir)
    catalogues = sorted((run_dir / CONTROLS_DIR).glob("*.yaml"))
    if not catalogues:
        raise InputError(str(run_dir / CONTROLS_DIR), "no control catalogue in the run")
    policies = load_policy_set([run_dir / RULES_DIR], include_builtin=False,
                               catalogue_path=catalogues[0])
    settings = settings_from(manifest)
    rules = [r.with_parameters(settings.parameters.get(r.id, {})) for r in policies.rules]
    exceptions: tuple[RiskException, ...] = ()
    if (run_dir / EXCEPTIONS_FILE).is_file():
        exceptions = load_exceptions(run_dir / EXCEPTIONS_FILE)
    source: dict[str, Any] = next((s for s in manifest.get("sources") or []
                                   if s.get("type") == "aws"), {})
    own = set(manifest.get("accounts") or []) | set(source.get("organization_accounts") or [])
    snapshot = Snapshot.open(run_dir)
    with without_cycle_collection():
        return manifest, _evaluate(run_dir, manifest, snapshot, rules, settings, exceptions,
                                   source, own)


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """The inventory and the results are hundreds of thousands of small objects without
    reference cycles; Python's cycle collector would walk them again and again as they are
    built (half the evaluation time at 100,000 people) and free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate(run_dir: Path, manifest: dict[str, Any], snapshot: Snapshot,
              rules: Sequence[Rule], settings: Settings, exceptions: Sequence[RiskException],
              source: Mapping[str, Any], own: set[str]) -> Evaluation:
    inventory = build_inventory(
        snapshot, own, source.get("skipped") or [], regions=manifest.get("regions") or (),
        collection_started=manifest_time(manifest, "started_at", run_dir),
        credential_report_max_age=dt.timedelta(hours=settings.credential_report_max_age_hours),
        people=JoinSettings(service_accounts=settings.service_accounts),
        employee_id_tag=settings.employee_id_tag)
    try:
        period = Period.parse(str(manifest.get("period")))
    except ValueError as exc:
        raise InputError(str(run_dir / MANIFEST), str(exc), field="period") from None
    evaluation = evaluate_all(rules, inventory,
                              now=manifest_time(manifest, "evaluated_at", run_dir),
                              period=period, settings=settings, exceptions=exceptions,
                              aws_scanned=bool(source),
                              not_asked=types_not_asked(source.get("services"))
                              if source else frozenset(),
                              failed_calls=[CallFailure.from_entry(e)
                                            for e in failed_calls(snapshot)])
    return evaluation


def manifest_time(manifest: dict[str, Any], key: str, run_dir: Path) -> dt.datetime:
    value = manifest.get(key)
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(str(run_dir / MANIFEST), f"not an ISO-8601 time: {value!r}",
                         field=key) from None
    if moment.tzinfo is None:
        raise InputError(str(run_dir / MANIFEST), f"time without a time zone: {value!r}",
                         field=key)
    return moment


def results_document(manifest: dict[str, Any], evaluation: Evaluation, *,
                     validate: bool = False) -> dict[str, Any]:
    """The results.json document. Its shape is fixed by typed code; the test suite checks it
    against the published schema (``validate=True``), which costs time linear in the results."""
    document = evaluation.to_json(run_id=manifest["run_id"],
                                  evaluated_at=manifest["evaluated_at"])
    if validate:
        validate_results(document)
    return document


def replay_results(run_dir: Path) -> bytes:
    """The results.json bytes a fresh evaluation of the run directory gives (nothing written)."""
    manifest, evaluation = evaluate_run(run_dir)
    data: bytes = rfc8785.dumps(results_document(manifest, evaluation))
    return data


def write_results(run_dir: Path) -> Evaluation:
    manifest, evaluation = evaluate_run(run_dir)
    canonical.write_json(run_dir / RESULTS, results_document(manifest, evaluation), plain=True)
    return evaluation

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

import datetime as dt
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785

from govkit import __version__, canonical
from govkit.aws.scan import ScanRequest, ScanScope, plan_and_run
from govkit.aws.tasks import Progress
from govkit.bundle.errors import SigningError
from govkit.bundle.sign import sign_run
from govkit.bundle.signers import Signer
from govkit.errors import InputError, UsageError
from govkit.inventory.build import build_inventory
from govkit.policy.evaluate import Settings, evaluate_all
from govkit.policy.exceptions import RiskException, load_exceptions
from govkit.policy.loader import PolicySet, load_policy_set
from govkit.results import Evaluation, validate_results
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


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    out: Path
    policy_dirs: Sequence[Path] = ()
    exceptions: Path | None = None
    settings: Settings = field(default_factory=Settings)
    evaluated_at: dt.datetime | None = None
    period: str | None = None
    signer: Signer | None = None


@dataclass(frozen=True)
class Run:
    path: Path
    manifest: dict[str, Any]
    evaluation: Evaluation


def check_parameters(policies: PolicySet, settings: Settings) -> None:
    rules = policies.by_id()
    for rule_id, values in settings.parameters.items():
        if rule_id not in rules:
            raise UsageError(f"--param names unknown rule '{rule_id}'")
        unknown = sorted(set(values) - set(rules[rule_id].parameters))
        if unknown:
            known = ", ".join(sorted(rules[rule_id].parameters)) or "none"
            raise UsageError(f"rule '{rule_id}' has no parameter {', '.join(unknown)} "
                             f"(its parameters: {known})")


def _copy_policies(run_dir: Path, policies: PolicySet, exceptions: Path | None) -> None:
    for rule in policies.rules:
        canonical.write_atomic(run_dir / RULES_DIR / rule.area / f"{rule.id}.yaml", rule.text)
    catalogue = Path(policies.catalogue.path)
    canonical.write_atomic(run_dir / CONTROLS_DIR / catalogue.name, policies.catalogue.text)
    if exceptions is not None:
        canonical.write_atomic(run_dir / EXCEPTIONS_FILE, exceptions.read_bytes())


def _manifest(run_id: str, started: dt.datetime, finished: dt.datetime,
              evaluated_at: dt.datetime, period: str, scope: ScanScope,
              settings: Settings, policies: PolicySet) -> dict[str, Any]:
    return {
        "schema": MANIFEST_SCHEMA,
        "tool": {"name": "govkit", "version": __version__},
        "run_id": run_id,
        "period": period,
        "started_at": canonical.iso_utc(started),
        "finished_at": canonical.iso_utc(finished),
        "evaluated_at": canonical.iso_utc(evaluated_at),
        "accounts": list(scope.accounts),
        "regions": list(scope.regions),
        "sources": [{
            "type": "aws", "caller_account": scope.caller_account,
            "services": list(scope.services), "role_name": scope.role_name,
            "organization_accounts": list(scope.organization_accounts),
            "skipped": [dict(s) for s in scope.skipped], "api_calls": scope.api_calls,
        }],
        "settings": settings.to_json(),
        "policies": {"rules": len(policies.rules), "catalogue": policies.catalogue.id,
                     "dir": "policies"},
    }


def scan(request: ScanRequest, options: RunOptions, progress: Progress | None = None,
         on_collected: Callable[[], None] | None = None) -> Run:
    """Collect, record, evaluate; returns the completed run directory."""
    policies = load_policy_set(options.policy_dirs)
    check_parameters(policies, options.settings)
    if options.exceptions is not None:
        load_exceptions(options.exceptions)  # fail on a bad file before scanning
    started = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started)
    options.out.mkdir(parents=True, exist_ok=True)
    partial = options.out / f".{run_id}.partial"
    try:
        writer = SnapshotWriter(partial)
        scope = plan_and_run(request, writer, progress)
        writer.write_index()
        if on_collected is not None:
            on_collected()
        finished = dt.datetime.now(dt.timezone.utc)
        evaluated_at = options.evaluated_at or finished
        _copy_policies(partial, policies, options.exceptions)
        manifest = _manifest(run_id, started, finished, evaluated_at,
                             options.period or period_of(evaluated_at), scope,
                             options.settings, policies)
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
        raise
    _point_latest(options.out, run_id)
    if unsigned is not None:
        raise SigningError(f"{unsigned}. The run is complete but unsigned: {final}; sign it "
                           "with 'govkit bundle sign'")
    return Run(final, manifest, evaluation)


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
    path = run_dir / MANIFEST
    manifest: dict[str, Any] = Snapshot.read_json(path)
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise InputError(str(path), "not a govkit run manifest")
    return manifest


def settings_from(manifest: dict[str, Any]) -> Settings:
    stored = manifest.get("settings") or {}
    return Settings(phi_tag_key=stored.get("phi_tag_key", "data_classification"),
                    phi_tag_values=tuple(stored.get("phi_tag_values") or ("phi",)),
                    parameters=stored.get("parameters") or {})


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
    source = (manifest.get("sources") or [{}])[0]
    own = set(manifest.get("accounts") or []) | set(source.get("organization_accounts") or [])
    inventory = build_inventory(Snapshot.open(run_dir), own, source.get("skipped") or [])
    evaluated_at = dt.datetime.fromisoformat(manifest["evaluated_at"].replace("Z", "+00:00"))
    evaluation = evaluate_all(rules, inventory, now=evaluated_at, settings=settings,
                              exceptions=exceptions)
    return manifest, evaluation


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

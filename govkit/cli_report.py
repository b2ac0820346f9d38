"""``govkit report RUN``: the run's results as people read them and tools ingest them.

RUN is a run directory or a bundle archive; nothing is collected again. ``table`` (the default)
and ``json`` re-evaluate the stored policies on the stored snapshot, as they always have; the
file formats (html, markdown, csv, oscal, sarif, junit, ocsf) render the results the run
recorded, so a report of a signed bundle shows exactly what was signed. ``--key`` (or
``--identity``/``--issuer``) verifies the run first and the report says so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from govkit import canonical
from govkit.cli_bundle import StagingOpt, verifier_from
from govkit.cli_common import FailOnOpt, err, out
from govkit.cli_common import fail_on as fail_on_threshold
from govkit.errors import EXIT_FAILURES, UsageError
from govkit.report import formats
from govkit.report.source import open_run
from govkit.report.terminal import print_summary
from govkit.results import exit_code_for
from govkit.run import evaluate_run, results_document

SUMMARIES = ("table", "json")


def _chosen(requested: list[str] | None) -> tuple[list[str], list[str]]:
    """(terminal summaries, file formats) asked for, each once, in the order given."""
    names = list(dict.fromkeys(requested or ["table"]))
    unknown = [n for n in names if n not in SUMMARIES and n not in formats.NAMES]
    if unknown:
        raise UsageError(f"--format {unknown[0]}: unknown (choose from "
                         f"{', '.join((*SUMMARIES, *formats.NAMES))})")
    if "table" in names and "json" in names:
        raise UsageError("--format table and json are two views of the same summary: "
                         "choose one")
    return [n for n in names if n in SUMMARIES], [n for n in names if n in formats.NAMES]


def _write(artifacts: list[formats.Artifact], output: Path | None,
           output_dir: Path | None) -> list[str]:
    """Write the artifacts; where each went (``-``: stdout)."""
    if output is not None and output_dir is not None:
        raise UsageError("give --output FILE or --output-dir DIR, not both")
    if output_dir is not None:
        if output_dir.exists() and not output_dir.is_dir():
            raise UsageError(f"--output-dir {output_dir} is a file, not a folder")
        names = [a.name for a in artifacts]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise UsageError(f"two formats would both write {repeated[0]}")
        for artifact in artifacts:
            canonical.write_atomic(output_dir / artifact.name, artifact.data)
        return [str(output_dir / a.name) for a in artifacts]
    if len(artifacts) != 1:
        made = ", ".join(a.name for a in artifacts)
        raise UsageError(f"this report makes {len(artifacts)} files ({made}): give "
                         "--output-dir DIR")
    (artifact,) = artifacts
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(artifact.data)
        sys.stdout.flush()
        return ["-"]
    canonical.write_atomic(output, artifact.data)
    return [str(output)]


def report_command(
    run: Annotated[Path, typer.Argument(help="A run directory or a bundle archive (.tar.gz).")],
    requested: Annotated[list[str] | None, typer.Option(
        "--format", help="table (default) or json: the summary, re-evaluated; html, "
                         "markdown, csv, oscal, sarif, junit, ocsf: files, from the recorded "
                         "results. Repeatable.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="The file to write one report to; '-' for stdout (the default).")]
    = None,
    output_dir: Annotated[Path | None, typer.Option(
        "--output-dir", help="The folder for several formats' files.")] = None,
    sample: Annotated[int | None, typer.Option(
        min=0, help="csv: also draw a sample of N people from the terminations.")] = None,
    seed: Annotated[str | None, typer.Option(
        help="csv: the seed of the sample (the same seed gives the same sample).")] = None,
    key: Annotated[Path | None, typer.Option(
        help="Verify the run with this public key (PEM) first.")] = None,
    identity: Annotated[str | None, typer.Option(
        help="Verify a Sigstore-signed run: the signer identity (SAN).")] = None,
    issuer: Annotated[str | None, typer.Option(
        help="Verify a Sigstore-signed run: the OIDC issuer URL.")] = None,
    staging: StagingOpt = False,
    fail_on: FailOnOpt = "low",
) -> None:
    """Report a run: the terminal summary, or files for auditors, CI and GRC tools."""
    summaries, files = _chosen(requested)
    threshold = fail_on_threshold(fail_on)
    if (sample is None) != (seed is None):
        raise UsageError("--sample and --seed go together: the seed is what makes the "
                         "sample reproducible")
    if sample is not None and "csv" not in files:
        raise UsageError("--sample draws from the terminations in the csv report: add "
                         "--format csv")
    verifier = verifier_from(key, identity, issuer, None, staging) \
        if key or identity or issuer else None
    options = formats.Options(sample=sample, seed=seed, fail_on=fail_on.lower())
    with open_run(run, verifier) as report:
        try:
            artifacts = [a for name in files for a in formats.get(name).render(report, options)]
        except ValueError as exc:  # a request the format cannot honour (a bad --seed)
            raise UsageError(str(exc)) from None
        written = _write(artifacts, output, output_dir) if artifacts else []
        evaluation = report.evaluation
        if summaries:
            manifest, evaluation = evaluate_run(report.run_dir)
            console = _console(stderr="-" in written)
            if summaries == ["json"]:
                if "-" in written:
                    raise UsageError("--format json prints to stdout, where another report "
                                     "goes: give that one --output FILE or --output-dir")
                document = results_document(manifest, evaluation)
                sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
                console = _console(stderr=True)
            print_summary(console, evaluation, run_dir=str(run))
        for where in written:
            if where != "-":
                _console(stderr=True).print(f"wrote {where}", highlight=False)
        if verifier is not None and report.provenance.verified:
            _console(stderr=True).print(f"[green]VERIFIED[/green] {run}: "
                                        f"{report.provenance.describe()}", highlight=False)
        if verifier is not None and not report.provenance.verified:
            for name, ok, detail in report.provenance.checks:
                if not ok:
                    _console(stderr=True).print(f"[red]FAIL[/red] {name}: {detail}",
                                                highlight=False)
            _console(stderr=True).print(f"[red]NOT VERIFIED[/red] {run}", highlight=False)
            raise typer.Exit(EXIT_FAILURES)
    raise typer.Exit(exit_code_for(evaluation, threshold))


def _console(stderr: bool) -> Any:
    return err if stderr else out


def register(app: Any) -> None:
    app.command("report")(report_command)

"""``govkit show RUN RESULT_ID``: one finding with the raw records it was judged on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from govkit.errors import EXIT_OK, UsageError
from govkit.report.show import load_finding, render_text
from govkit.report.source import open_run

FORMATS = ("text", "json")


def show_command(
    run_dir: Annotated[Path, typer.Argument(
        help="A run directory (e.g. runs/latest) or a bundle archive (.tar.gz).")],
    result_id: Annotated[str, typer.Argument(
        help="The result's id, or a unique prefix of at least 6 characters.")],
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Show one result: rule, resource, message, remediation, and each snapshot record it
    was judged on (file, JSON Pointer, the API call and the value found there)."""
    if output not in FORMATS:
        raise UsageError(f"--format must be {' or '.join(FORMATS)}, not '{output}'")
    with open_run(run_dir) as run:  # a bundle archive is read from a temporary copy
        finding = load_finding(run.run_dir, result_id)
        if output == "json":
            sys.stdout.write(json.dumps(finding.to_json(), indent=2, sort_keys=True) + "\n")
        else:
            sys.stdout.write(render_text(finding))
    raise typer.Exit(EXIT_OK)


def register(app: Any) -> None:
    app.command("show")(show_command)

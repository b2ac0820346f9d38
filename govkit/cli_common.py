"""What every govkit command shares: the consoles it prints to and the --fail-on threshold."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from govkit.errors import UsageError
from govkit.policy.model import Severity


def console(stderr: bool) -> Console:
    """Rich console; when output is piped or captured, wide enough for the findings table."""
    made = Console(stderr=stderr)
    return made if made.is_terminal else Console(stderr=stderr, width=160)


out = console(stderr=False)
err = console(stderr=True)

FailOnOpt = Annotated[str, typer.Option(
    "--fail-on", help="Exit 1 when a FAIL at or above this severity exists "
                      "(critical, high, medium, low, info, or none).")]


def fail_on(value: str) -> Severity | None:
    """The --fail-on threshold; None for ``none``."""
    if value.lower() == "none":
        return None
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None

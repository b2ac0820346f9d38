"""Report formats: each renders one run (govkit.report.source.ReportInput) into files.

A format module defines ``FORMAT``, a ``Format``: its name (what ``--format`` takes), a one-line
description, and ``render(report, options) -> list[Artifact]``, the files it makes, the main one
first. Rendering is pure: the same run and options give the same bytes, on any machine (no
clock, no randomness but the seeded sample, sorted output).

There is no discovery: ``NAMES`` lists the modules, and ``get`` imports one on demand, so a
run that asks for SARIF does not import the HTML templates.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govkit import __version__
from govkit.results import Status

if TYPE_CHECKING:
    from govkit.report.source import ReportInput


@dataclass(frozen=True)
class Artifact:
    """One file a format makes: its file name (no folder) and its bytes."""

    name: str
    data: bytes | bytearray
    media_type: str = "text/plain"


@dataclass(frozen=True)
class Options:
    """What the user asked of a report beyond the run itself."""

    sample: int | None = None  # --sample N: a seeded random sample of the terminations
    seed: str | None = None  # --seed S (required with --sample)
    fail_on: str = "low"  # the severity a CI-facing format marks as failing


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    render: Callable[[ReportInput, Options], list[Artifact]]


# the formats this build offers, in --help order
NAMES: tuple[str, ...] = ("html", "markdown", "csv", "oscal", "sarif", "junit", "ocsf")


# the statuses a report lists as findings, in the order it shows them
FINDING_STATUSES: tuple[Status, ...] = (Status.FAIL, Status.ERROR, Status.WAIVED)


def tool_version(report: ReportInput) -> str:
    """The version of govkit that made the run (the manifest's tool), so that a report of the
    same run is the same file whichever govkit renders it; this build's when it is not
    recorded."""
    tool = report.manifest.get("tool")
    version = tool.get("version") if isinstance(tool, Mapping) else None
    return str(version) if version else __version__


class UnknownFormat(ValueError):
    pass


def get(name: str) -> Format:
    if name not in NAMES:
        raise UnknownFormat(f"unknown report format '{name}' (formats: {', '.join(NAMES)})")
    module = importlib.import_module(f"govkit.report.formats.{name}")
    found: Format = module.FORMAT
    return found

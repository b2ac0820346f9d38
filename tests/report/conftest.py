"""One full demo run (AWS, identity providers, HR and rosters, vendors, VDI) per test process,
for the report formats to render, and the stored signed bundle for archives.

The demo runs in a child process (tests.support.scripts.govkit_demo says why)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.report.formats import Artifact, Format, Options
from govkit.report.source import ReportInput, open_run
from tests.support.scripts import govkit_demo

STORED_BUNDLE = Path(__file__).resolve().parents[1] / "data" / "bundles" / "demo-2026-q4.tar.gz"
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "schemas"


@pytest.fixture(scope="session")
def demo_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    process, run = govkit_demo(tmp_path_factory.mktemp("report-demo"))
    assert process.returncode == 0, process.stdout + process.stderr
    return run


@pytest.fixture(scope="session")
def demo_report(demo_run_dir: Path) -> Iterator[ReportInput]:
    with open_run(demo_run_dir) as report:
        yield report


def render_one(format_: Format, report: ReportInput, options: Options | None = None,
               *, name: str | None = None, media_type: str | None = None) -> Artifact:
    """The one file a single-file format makes of the run, checked for its name and media type
    when given."""
    artifacts = format_.render(report, options or Options())
    assert len(artifacts) == 1
    artifact = artifacts[0]
    if name is not None:
        assert artifact.name == name
    if media_type is not None:
        assert artifact.media_type == media_type
    return artifact

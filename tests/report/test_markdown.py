"""The Markdown report: the run's story for a pull request or a ticket, with every table cell
escaped so a pipe, a newline or markup in the run cannot break a table."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.report.formats import Artifact, Options
from govkit.report.formats.markdown import FORMAT, MESSAGE_CHARS, WORST, code, text
from govkit.report.glass_windows import glass_window_matrix
from govkit.report.source import ReportInput, open_run
from tests.report.conftest import render_one

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture(scope="module")
def artifact(demo_report: ReportInput) -> Artifact:
    return render_one(FORMAT, demo_report)


@pytest.fixture(scope="module")
def markdown(artifact: Artifact) -> str:
    return artifact.data.decode("utf-8")


def tables(document: str) -> list[list[str]]:
    """Each table of the document: its consecutive lines that start with a pipe."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in document.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def test_named_after_the_run(artifact: Artifact, demo_report: ReportInput) -> None:
    assert artifact.name == f"{demo_report.run_id}.md"
    assert artifact.media_type == "text/markdown"


def test_tells_the_run_and_its_counts(markdown: str, demo_report: ReportInput) -> None:
    assert markdown.startswith(f"# HIPAA evidence report: run `{demo_report.run_id}`\n")
    assert text(demo_report.provenance.describe()) in markdown
    counts = demo_report.evaluation.counts()
    assert "| " + " | ".join(counts) + " |" in markdown
    assert "| " + " | ".join(f"{n:,}" for n in counts.values()) + " |" in markdown
    severities = demo_report.evaluation.failures_by_severity()
    assert "| " + " | ".join(f"{n:,}" for n in severities.values()) + " |" in markdown
    assert "## Control coverage" in markdown and "## Access removal" in markdown


def test_lists_the_worst_findings_then_says_how_many_more(markdown: str,
                                                          demo_report: ReportInput) -> None:
    worst = demo_report.evaluation.worst_failures(WORST)
    assert text(worst[0].message, MESSAGE_CHARS) in markdown
    first = worst[0].records[0]
    assert f"`{first.file}#{first.pointer}`" in markdown
    rows = [line for line in markdown.splitlines() if re.match(r"\| \d+ \| (critical|high|"
                                                                r"medium|low|info) \|", line)]
    assert len(rows) == len(worst)
    failed = demo_report.evaluation.counts()["FAIL"]
    assert failed > WORST, "the demo has more failures than the table lists"
    assert f"and {failed - WORST:,} more failures" in markdown


def test_glass_windows_and_controls(markdown: str, demo_report: ReportInput) -> None:
    matrix = glass_window_matrix(demo_report.evaluation)
    assert matrix
    for row in matrix:
        assert text(row.window) in markdown
    assert demo_report.catalogue is not None
    for control in demo_report.catalogue.controls:
        assert f"| {text(control.citation)} | {text(control.title)}" in markdown


def test_every_table_row_has_its_header_width(markdown: str) -> None:
    for table in tables(markdown):
        widths = {len(UNESCAPED_PIPE.findall(line)) for line in table}
        assert len(widths) == 1, table[0]


def test_same_run_same_bytes(artifact: Artifact, demo_report: ReportInput) -> None:
    assert FORMAT.render(demo_report, Options())[0].data == artifact.data


@pytest.fixture(scope="module")
def hostile_run(demo_run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        ReportInput]:
    """A copy of the demo run whose worst failure's message holds pipes, newlines, markup."""
    copy = tmp_path_factory.mktemp("hostile-md") / "run"
    shutil.copytree(demo_run_dir, copy)
    path = copy / "results" / "results.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    with open_run(demo_run_dir) as original:
        worst = original.evaluation.worst_failures(1)[0].id
    for result in document["results"]:
        if result["id"] == worst:
            result["message"] = "a | b\nc <script>x</script> **bold** [link](http://x) &amp;"
            result["resource_name"] = "name|with`tick"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with open_run(copy) as report:
        yield report


def test_pipes_newlines_and_markup_are_escaped(hostile_run: ReportInput) -> None:
    document = FORMAT.render(hostile_run, Options())[0].data.decode("utf-8")
    assert ("a \\| b<br>c \\<script\\>x\\</script\\> \\*\\*bold\\*\\* \\[link\\](http://x) "
            "&amp;amp;") in document
    assert "name\\|with\\`tick" in document
    assert "<script>" not in document
    for table in tables(document):
        widths = {len(UNESCAPED_PIPE.findall(line)) for line in table}
        assert len(widths) == 1, table[0]


def test_code_spans() -> None:
    assert code("plain") == "`plain`"
    assert code("a|b") == "`a\\|b`"
    assert code("has `tick`") == "`` has `tick` ``"
    assert code("two\nlines") == "`two lines`"
    assert code("") == ""
    assert text("x" * 10, 4) == "xxxx ..."


def test_control_coverage_names_the_crosswalk_ids(markdown: str) -> None:
    [line] = [line for line in markdown.splitlines()
              if line.startswith("| 45 CFR 164.308(a)(3)(ii)(C) |")]
    assert "NIST 800-53r5: " in line and "PS-4" in line and "SOC 2: CC6.2" in line

"""The HTML report: one self-contained file that shows the demo run in a real browser with no
network request and no script error, filters its findings, and keeps hostile text inert."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govkit.bundle import keys
from govkit.bundle.verify import KeyVerifier
from govkit.report.formats import Artifact, Options
from govkit.report.formats.html import FORMAT
from govkit.report.glass_windows import glass_window_matrix
from govkit.report.show import resolve_pointer, resolve_record
from govkit.report.source import ReportInput, open_run
from govkit.report.view import RECORDS_PER_FINDING, build_view
from govkit.results import Status
from tests.report.conftest import STORED_BUNDLE, render_one

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:")
ISLAND = re.compile(r'<script type="application/json" id="findings">(.*?)</script>', re.S)
HOSTILE = 'owned </script><script>alert("x")</script> <!-- <b>bold</b> & a | pipe\nnext line'
SHOWN = ("FAIL", "ERROR", "WAIVED")


@pytest.fixture(scope="module")
def artifact(demo_report: ReportInput) -> Artifact:
    return render_one(FORMAT, demo_report)


@pytest.fixture(scope="module")
def page_text(artifact: Artifact) -> str:
    return artifact.data.decode("utf-8")


def island(text: str) -> dict[str, Any]:
    found = ISLAND.findall(text)
    assert len(found) == 1, "one findings data island"
    data: dict[str, Any] = json.loads(found[0])
    return data


def expected(report: ReportInput, **wanted: str) -> int:
    """How many FAIL, ERROR and WAIVED results match the filters, counted from the results."""
    count = 0
    for result in report.evaluation.results:
        if result.status.value not in SHOWN:
            continue
        if "status" in wanted and result.status.value != wanted["status"]:
            continue
        if "severity" in wanted and result.severity.label != wanted["severity"]:
            continue
        if "control" in wanted and wanted["control"] not in result.controls:
            continue
        count += 1
    return count


def test_one_html_file_named_after_the_run(artifact: Artifact, demo_report: ReportInput) -> None:
    assert artifact.name == f"{demo_report.run_id}.html"
    assert artifact.media_type == "text/html"
    assert artifact.data.startswith(b"<!DOCTYPE html>")


def test_same_run_same_bytes(artifact: Artifact, demo_report: ReportInput) -> None:
    assert FORMAT.render(demo_report, Options())[0].data == artifact.data


def test_self_contained_with_a_strict_policy(page_text: str) -> None:
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page_text
    markup = ISLAND.sub("", page_text)  # the island is data (evidence may quote URLs)
    assert not re.search(r"\bsrc\s*=", markup), "nothing is loaded from anywhere"
    for target in re.findall(r'\bhref="([^"]*)"', markup):
        assert target.startswith("#"), f"link leaves the file: {target}"
    for needle in ("url(", "@import", "<link", "<img", "<iframe", "<object", "<embed"):
        assert needle not in markup, needle


def test_data_island_holds_every_finding_and_no_pass(page_text: str,
                                                     demo_report: ReportInput) -> None:
    data = island(page_text)
    results = {r.id: r for r in demo_report.evaluation.results}
    wanted = {r.id for r in results.values() if r.status.value in SHOWN}
    ids = [f["id"] for f in data["findings"]]
    assert len(ids) == len(set(ids)) == len(wanted)
    assert set(ids) == wanted
    severities = [results[i].severity for i in ids]
    assert severities == sorted(severities, reverse=True), "worst first"
    for finding in data["findings"]:
        assert finding["rule"] in data["rules"]
        assert 0 < len(finding["records"]) <= RECORDS_PER_FINDING or not results[
            finding["id"]].records
        for names, position in finding["records"]:
            assert names
            record = data["records"][position]
            assert "value" in record, record.get("problem")


def _location(file: str, pointer: str, row: int | None) -> str:
    return f"{file}#{pointer}" + ("" if row is None else f" (row {row})")


def test_records_are_resolved_to_the_value_they_point_at(page_text: str,
                                                          demo_report: ReportInput) -> None:
    data = island(page_text)
    results = {r.id: r for r in demo_report.evaluation.results}
    checked = 0
    for finding in data["findings"][:40]:
        for names, position in finding["records"]:
            shown = data["records"][position]
            here = [r for r in results[finding["id"]].records
                    if shown["location"] == _location(r.file, r.pointer, r.row)]
            assert names.split(", ") == list(dict.fromkeys(r.attribute for r in here))
            ref = here[0]
            if ref.row is not None and not ref.pointer.endswith("/Content"):
                # a cell of a parsed export, with the line of the file it came from
                cell = resolve_pointer(json.loads(demo_report.record(ref.file).read_bytes()),
                                       ref.pointer)
                assert json.dumps(cell, ensure_ascii=False) in shown["value"]
                assert f"line {ref.row}" in shown["value"]
                checked += 1
                continue
            resolved = resolve_record(demo_report.run_dir, ref._asdict())
            assert shown["location"] == resolved.location
            if resolved.csv_row is not None:
                assert resolved.csv_row.row_text in shown["value"]
            elif not isinstance(resolved.value, str):
                first = json.dumps(resolved.value, indent=2, ensure_ascii=False).splitlines()[0]
                assert shown["value"].splitlines()[0] == first
            assert shown["call"].startswith(f"{resolved.call.service}:{resolved.call.operation}")
            checked += 1
    assert checked > 40


@pytest.fixture(scope="module")
def hostile_run(demo_run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[ReportInput, str]]:
    """A copy of the demo run whose worst failure's message is markup and a pipe."""
    copy = tmp_path_factory.mktemp("hostile") / "run"
    shutil.copytree(demo_run_dir, copy)
    path = copy / "results" / "results.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    with open_run(demo_run_dir) as original:
        worst = original.evaluation.worst_failures(1)[0].id
    for result in document["results"]:
        if result["id"] == worst:
            result["message"] = HOSTILE
            result["resource_name"] = "<img src=x onerror=alert(1)>"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with open_run(copy) as report:
        yield report, worst


def test_markup_in_a_finding_stays_text(hostile_run: tuple[ReportInput, str]) -> None:
    report, worst = hostile_run
    text = FORMAT.render(report, Options())[0].data.decode("utf-8")
    assert text.count("<script") == 2 and text.count("</script>") == 2, "no script injected"
    assert "<img" not in text and "<!-- <b>" not in text
    assert 'alert("x")' not in text  # the quote inside is JSON-escaped, the < escaped too
    data = island(text)
    finding = next(f for f in data["findings"] if f["id"] == worst)
    assert finding["message"] == HOSTILE
    assert finding["name"] == "<img src=x onerror=alert(1)>"
    # the noscript list is escaped by the template
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "owned &lt;/script&gt;&lt;script&gt;" in text


def test_view_matches_the_evaluation(demo_report: ReportInput) -> None:
    view = build_view(demo_report)
    counts = demo_report.evaluation.counts()
    assert view.counts == counts
    assert len(view.findings) == sum(counts[s] for s in SHOWN)
    assert len(view.matrix) == len(glass_window_matrix(demo_report.evaluation))
    assert demo_report.catalogue is not None
    assert [row.id for row in view.coverage] == [c.id for c in demo_report.catalogue.controls]
    per_control: Counter[str] = Counter()
    for result in demo_report.evaluation.results:
        if result.status is Status.FAIL:
            per_control.update(result.controls)
    assert {row.id: row.counts["FAIL"] for row in view.coverage} == {
        c.id: per_control[c.id] for c in demo_report.catalogue.controls}
    vendors = {v for f in view.findings for v in f.vendors}
    assert "Meridian Contact Services" in vendors
    assert any(f.result.resource_type == "vdi.window" and f.vendors for f in view.findings)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium to open "
                    "the report in (install Debian's chromium package)")
def test_in_a_real_browser(artifact: Artifact, demo_report: ReportInput,
                           tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    path = tmp_path / artifact.name
    path.write_bytes(artifact.data)
    url = path.as_uri()
    counts = demo_report.evaluation.counts()
    total = sum(counts[s] for s in SHOWN)
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            count = page.locator("#shown-count")

            def shown() -> int:
                return int(count.inner_text())

            # the findings: all of them, the FAIL count stated, one page drawn
            assert shown() == total
            lead = page.locator("#findings-section .lead").inner_text()
            assert f"{counts['FAIL']:,} FAIL" in lead
            assert page.locator("#finding-list > li").count() == min(total, 100)

            page.select_option("#filter-status", "FAIL")
            assert shown() == counts["FAIL"]
            page.select_option("#filter-severity", "critical")
            assert shown() == expected(demo_report, status="FAIL", severity="critical") > 0
            assert page.locator("#finding-list > li").count() == shown()
            page.click("#filters button[type=reset]")
            expect(count).to_have_text(str(total))
            control = "164.308(b)(3)"
            page.select_option("#filter-control", control)
            assert shown() == expected(demo_report, control=control) > 0
            page.select_option("#filter-control", "")
            page.select_option("#filter-vendor", "Meridian Contact Services")
            assert 0 < shown() < total
            page.select_option("#filter-vendor", "")

            # free text finds one result by its id
            worst = demo_report.evaluation.worst_failures(1)[0]
            page.fill("#filter-q", worst.id)
            expect(count).to_have_text("1")
            first = page.locator("#finding-list > li").first
            assert worst.message in first.inner_text()
            details = first.locator(".evidence details").first
            details.locator("summary").click()
            assert details.locator("pre").inner_text().strip()
            page.fill("#filter-q", "")
            expect(count).to_have_text(str(total))

            # pages of 100
            if total > 100:
                page.locator("[data-page='next']").first.click()
                assert page.locator("#shown-range").inner_text() == \
                    f"101 to {min(total, 200)}"
                page.locator("[data-page='prev']").first.click()

            # the other sections
            matrix = glass_window_matrix(demo_report.evaluation)
            assert page.locator("#glass-windows table.matrix tbody tr").count() == len(matrix)
            assert page.locator("#glass-windows td.st-FAIL").first.inner_text() == "FAIL"
            assert demo_report.catalogue is not None
            assert page.locator("#coverage table.coverage tbody tr").count() == \
                len(demo_report.catalogue.controls)
            assert page.locator("#latency-chart").is_visible()
            assert page.locator("#severity-chart").is_visible()
            assert page.locator("#access-removal table.leavers tbody").count() > 0

            shot = tmp_path / "govkit-report.png"
            page.screenshot(path=str(shot), full_page=True)
            extra = os.environ.get("GOVKIT_SCREENSHOT_DIR")
            if extra:
                Path(extra).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(extra) / shot.name)
            page.emulate_media(media="print")
            assert not page.locator("#filters").is_visible()
        finally:
            browser.close()
    assert (tmp_path / "govkit-report.png").stat().st_size > 10_000
    assert problems == []
    assert requests == [url], "the report made a network request"


def test_a_verified_bundle_says_so(tmp_path: Path) -> None:
    verifier = KeyVerifier(keys.load_public(STORED_BUNDLE.with_suffix("").with_suffix(".pub")))
    with open_run(STORED_BUNDLE, verifier) as report:
        text = FORMAT.render(report, Options())[0].data.decode("utf-8")
        assert report.provenance.verified is True
        assert "Signature verified" in text and "prov-verified" in text
        assert text.count('class="st st-PASS">passed</td>') == len(report.provenance.checks)


def test_evidence_incomplete_and_no_catalogue(demo_run_dir: Path, tmp_path: Path) -> None:
    """A run with ERROR results and failed calls, and no control catalogue kept."""
    copy = tmp_path / "run"
    shutil.copytree(demo_run_dir, copy)
    shutil.rmtree(copy / "policies" / "controls")
    path = copy / "results" / "results.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    passed = [r for r in document["results"] if r["status"] == "PASS"][:2]
    for result in passed:
        result["status"] = "ERROR"
        result["failure"] = {"call": "s3:GetBucketPolicy", "operation": "GetBucketPolicy",
                             "code": "AccessDenied"}
    document["failed_calls"] = [{"call": f"s3:GetBucketPolicy b{i}", "code": "AccessDenied",
                                 "operation": "GetBucketPolicy"} for i in range(60)]
    path.write_text(json.dumps(document), encoding="utf-8")
    with open_run(copy) as report:
        assert report.catalogue is None
        text = FORMAT.render(report, Options())[0].data.decode("utf-8")
    assert "Evidence incomplete" in text and "Failed calls (60)" in text
    assert "and 10 more (results/results.json lists them all)" in text
    data = island(text)
    errors = [f for f in data["findings"] if f["status"] == "ERROR"]
    assert {f["id"] for f in errors} == {r["id"] for r in passed}
    assert all(f["failure"]["code"] == "AccessDenied" for f in errors)
    assert "none kept with the run" in text


def test_control_coverage_shows_each_controls_crosswalk_ids(page_text: str) -> None:
    start = page_text.index('<section id="coverage"')
    coverage = page_text[start:page_text.index("</section>", start)]
    row = coverage[coverage.index("164.308(a)(3)(ii)(C)"):]
    row = row[:row.index("</tr>")]
    assert "NIST 800-53r5: " in row and "PS-4" in row and "SOC 2: " in row

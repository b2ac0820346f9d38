"""``html``: the whole run in one self-contained file, for a browser, from a USB stick.

The file makes no network request: its style sheet and script are inlined, its charts are SVG
drawn here, and a Content-Security-Policy forbids anything else. The findings travel as one
JSON data island the page's script filters and pages through, a hundred at a time, so a run of
100,000 results does not become 100,000 table rows; the rest (summary, coverage, glass windows,
access removal) is plain HTML that reads and prints without the script.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from govkit.report.formats import Artifact, Format, Options
from govkit.report.source import ReportInput
from govkit.report.view import (
    CHANNEL_LABELS, SEVERITIES, View, asset, build_view, environment, file_stem)

TEMPLATE = "report.html.j2"
NOSCRIPT_FINDINGS = 50  # the worst findings listed for a browser that runs no script
FAILED_CALLS_SHOWN = 50


def render(report: ReportInput, options: Options) -> list[Artifact]:
    view = build_view(report)
    template = environment(html=True).get_template(TEMPLATE)
    page = template.render(
        view=view, island=Markup(data_island(view)), css=Markup(asset("report.css")),
        script=Markup(asset("report.js")), channels=CHANNEL_LABELS, severities=SEVERITIES,
        noscript_findings=view.worst(NOSCRIPT_FINDINGS), failed_calls_shown=FAILED_CALLS_SHOWN,
        control_titles={row.id: row.title for row in view.coverage})
    return [Artifact(f"{file_stem(view.run_id)}.html", page.encode("utf-8"), "text/html")]


def data_island(view: View) -> str:
    """The findings, their rules and their resolved records as JSON that is safe inside a
    ``<script>`` element: no "<", ">" or "&" appears in it as such (each is written as a
    \\u escape, which JSON.parse reads back), so no value can close the element."""
    rules: dict[str, dict[str, str]] = {}
    findings: list[dict[str, Any]] = []
    for finding in view.findings:
        result = finding.result
        if result.rule_id not in rules:
            rules[result.rule_id] = {"title": finding.title, "area": finding.area,
                                     "remediation": finding.remediation}
        item: dict[str, Any] = {
            "id": result.id, "rule": result.rule_id, "status": result.status.value,
            "severity": result.severity.label, "resource": result.resource_id,
            "type": result.resource_type, "account": result.account, "region": result.region,
            "message": result.message, "controls": list(result.controls),
            "records": [[names, position] for names, position in finding.evidence]}
        if result.resource_name and result.resource_name != result.resource_id:
            item["name"] = result.resource_name
        if finding.vendors:
            item["vendors"] = list(finding.vendors)
        if finding.more_records:
            item["more"] = finding.more_records
        if result.exception is not None:
            item["exception"] = {k: str(v) for k, v in sorted(result.exception.items())}
        if result.failure is not None:
            item["failure"] = {k: str(v) for k, v in sorted(result.failure.items())}
        findings.append(item)
    records = []
    for evidence in view.evidence:
        record = {"location": evidence.location}
        if evidence.resolved:
            record.update(call=evidence.call, value=evidence.value)
        else:
            record["problem"] = evidence.problem
        records.append(record)
    document = {"run_id": view.run_id, "rules": rules, "records": records,
                "findings": findings}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


FORMAT = Format("html", "one self-contained HTML file: summary, filterable findings with "
                "their evidence, control coverage, glass windows and access removal", render)

"""The gate's SARIF and JUnit: the report formats of a scan, located in the configuration.

A scan's SARIF places each result at the snapshot record that proves it; a pull request is
annotated where the code is, so the gate places each result at the ``resource`` block that
declares it (``--terraform-dir``), else at the plan file, and names the record inside the plan
(a JSON Pointer) in the result's properties.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govkit import __version__
from govkit.sources.terraform.context import UNKNOWN_CODES
from govkit.sources.terraform.inventory import PlanInventory
from govkit.gate.locate import Locator, relative
from govkit.sources.terraform.plan import Plan
from govkit.gate.run import is_unknown
from govkit.policy.model import Rule
from govkit.report.formats import junit as junit_format
from govkit.report.formats import sarif as sarif_format
from govkit.report.source import Provenance, ReportInput
from govkit.results import Evaluation, Result


def _input(plan: Plan, evaluation: Evaluation, run_id: str, evaluated_at: str,
           rules: Sequence[Rule]) -> ReportInput:
    from govkit.policy.loader import builtin_dir, load_catalogue
    catalogue = load_catalogue(builtin_dir("controls") / "hipaa-security-rule.yaml")
    return ReportInput(
        source=Path(plan.path), run_dir=Path(plan.path).parent,
        manifest={"run_id": run_id, "evaluated_at": evaluated_at,
                  "tool": {"name": "govkit", "version": __version__}},
        document={"evaluated_at": evaluated_at}, evaluation=evaluation, catalogue=catalogue,
        provenance=Provenance(signed=False, signer=None, verified=None),
        rule_descriptions={r.id: " ".join(r.description.split()) for r in rules})


def sarif(plan: Plan, planned: PlanInventory, evaluation: Evaluation, *, run_id: str,
          evaluated_at: str, terraform_dir: Path | None, unknown: str,
          rules: Sequence[Rule]) -> bytes:
    document = sarif_format.sarif_document(_input(plan, evaluation, run_id, evaluated_at,
                                                  rules))
    (run,) = document["runs"]
    run["automationDetails"] = {"id": f"govkit-gate/{run_id}"}
    run.pop("originalUriBaseIds", None)
    locator = Locator(plan, terraform_dir) if terraform_dir is not None else None
    by_id = {r.id: r for r in evaluation.results}
    plan_uri = relative(Path(plan.path))
    for entry in run["results"]:
        result = by_id[entry["fingerprints"][sarif_format.FINGERPRINT]]
        entry["locations"][0]["physicalLocation"] = _where(result, planned, locator, plan_uri)
        if is_unknown(result):
            entry["level"] = "error" if unknown == "fail" else "warning"
            entry["properties"]["unknown"] = True
    for notification in run["invocations"][0].get("toolExecutionNotifications", ()):
        for location in notification.get("locations", ()):
            location["physicalLocation"] = {"artifactLocation": {"uri": plan_uri}}
    # one line: Python's C encoder only writes without indentation, and a plan can hold
    # thousands of findings
    text = json.dumps(document, sort_keys=True, ensure_ascii=False) + "\n"
    return text.encode("utf-8")


def _where(result: Result, planned: PlanInventory, locator: Locator | None,
           plan_uri: str) -> dict[str, Any]:
    resource = planned.context.by_address.get(result.resource_id)
    if locator is not None and resource is not None:
        found = locator.locate(resource)
        if found is not None:
            return {"artifactLocation": {"uri": relative(found.file)},
                    "region": {"startLine": found.line, "endLine": found.end_line}}
    return {"artifactLocation": {"uri": plan_uri}}


def junit(plan: Plan, evaluation: Evaluation, *, run_id: str, evaluated_at: str,
          fail_on: str, unknown: str, rules: Sequence[Rule]) -> bytes:
    report = _input(plan, evaluation, run_id, evaluated_at, rules)
    root = junit_format.junit_tree(report, junit_format.fail_threshold(fail_on))
    if unknown == "warn":
        _unknown_as_skipped(root)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data + b"\n"


def _unknown_as_skipped(root: ET.Element) -> None:
    """With ``--unknown warn`` a rule that cannot be judged from the plan is a skipped test
    (reported, not failing the build) rather than an error."""
    for suite in root.iter("testsuite"):
        moved = 0
        for case in suite.iter("testcase"):
            error = case.find("error")
            if error is None or error.get("type") not in UNKNOWN_CODES:
                continue
            case.remove(error)
            skipped = ET.SubElement(case, "skipped", {"message": error.get("message", "")})
            skipped.text = error.text
            moved += 1
        if moved:
            suite.set("errors", str(int(suite.get("errors", "0")) - moved))
            suite.set("skipped", str(int(suite.get("skipped", "0")) + moved))
    root.set("errors", str(sum(int(s.get("errors", "0")) for s in root.iter("testsuite"))))

"""Crosswalks to NIST SP 800-53 Rev. 5 and SOC 2: every key is a control id of the catalogue,
every value has the framework's form, every control is mapped or says why not, each file says
where its data came from, and ``govkit policies controls`` lists the ids."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from govkit.cli_controls import register
from govkit.errors import InputError
from govkit.policy import crosswalks
from govkit.policy.loader import Catalogue, builtin_dir, load_catalogue

FOLDER = builtin_dir("controls") / "crosswalks"
FORMS = {"nist-800-53r5": re.compile(r"^[A-Z]{2}-\d+(\(\d+\))?$"),
         "soc2-tsc-2017": re.compile(r"^(CC\d\.\d+|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$")}
FILES = {"nist-800-53r5": "hipaa-to-nist-800-53r5.yaml", "soc2-tsc-2017": "hipaa-to-soc2.yaml"}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(builtin_dir("controls") / "hipaa-security-rule.yaml")


@pytest.mark.parametrize("framework", sorted(FILES))
def test_keys_are_catalogue_ids_and_values_are_well_formed(catalogue: Catalogue,
                                                           framework: str) -> None:
    """Read as plain YAML, so the data is checked, not only the loader."""
    data = yaml.safe_load((FOLDER / FILES[framework]).read_text("utf-8"))
    assert data["framework"] == framework and data["catalogue"] == catalogue.id
    ids = catalogue.control_ids()
    mapped = data["mappings"]
    assert set(mapped) <= ids
    assert set(data.get("unmapped") or {}) <= ids
    # every control is either mapped or listed as unmapped with a reason, never both
    assert set(mapped) | set(data.get("unmapped") or {}) == ids
    assert not set(mapped) & set(data.get("unmapped") or {})
    for control_id, entry in mapped.items():
        values = entry["ids"] if isinstance(entry, dict) else entry
        assert values, control_id
        assert len(values) == len(set(values)), control_id
        assert all(FORMS[framework].fullmatch(v) for v in values), (control_id, values)


@pytest.mark.parametrize("framework", sorted(FILES))
def test_each_file_says_where_its_data_came_from_and_when(catalogue: Catalogue,
                                                          framework: str) -> None:
    crosswalk = crosswalks.load_crosswalk(FOLDER / FILES[framework], catalogue)
    assert crosswalk.source["publisher"] and crosswalk.source["title"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", crosswalk.source["date"])
    assert crosswalk.basis


def test_the_nist_mapping_is_cprts_with_its_element_noted(catalogue: Catalogue) -> None:
    crosswalk = crosswalks.load_crosswalk(FOLDER / FILES["nist-800-53r5"], catalogue)
    assert "CPRT" in crosswalk.source["title"] and "5.1.1" in crosswalk.source["version"]
    assert crosswalk.mappings["164.308(a)(3)(ii)(C)"] == ("PS-1", "PS-4", "PS-5")
    assert crosswalk.mappings["164.312(d)"] == ("IA-2", "IA-3", "IA-4", "IA-8", "IA-9")
    assert crosswalk.mappings["164.308(a)(7)(ii)(A)"] == ("CP-6", "CP-9", "CP-9(1)")
    # where the catalogue cites a standard differently from CPRT, the entry says so
    assert "CPRT element 164.308(b)(4)" in crosswalk.bases["164.308(b)(3)"]
    assert "164.308(b)(2)" in crosswalk.unmapped


def test_every_soc2_entry_says_whether_it_is_the_table_or_a_judgement(
        catalogue: Catalogue) -> None:
    crosswalk = crosswalks.load_crosswalk(FOLDER / FILES["soc2-tsc-2017"], catalogue)
    assert set(crosswalk.bases) == set(crosswalk.mappings)
    assert all(b.startswith(("table", "judgement")) for b in crosswalk.bases.values())
    assert crosswalk.mappings["164.308(a)(3)(ii)(C)"] == ("CC6.2", "CC6.3")
    assert crosswalk.mappings["164.312(d)"] == ("CC6.1", "CC6.6")
    assert crosswalk.mappings["164.308(b)(1)"] == ("CC9.2",)


def test_crosswalk_ids_for_one_control() -> None:
    assert crosswalks.crosswalk_ids("164.308(a)(3)(ii)(C)") == {
        "nist-800-53r5": ("PS-1", "PS-4", "PS-5"), "soc2-tsc-2017": ("CC6.2", "CC6.3")}
    assert crosswalks.crosswalk_ids("164.314(b)(2)")["soc2-tsc-2017"] == ()


def line_of(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "at", "field", "words"), [
    ('  "164.312(e)(1)": [SC-8]', '  "164.312(e)(9)": [SC-8]', "[SC-8]\n",
     "mappings.164.312(e)(9)", "'164.312(e)(9)' is not a control id of the catalogue"),
    ('  "164.312(e)(1)": [SC-8]', '  "164.312(e)(1)": [SC-08]', "[SC-08]",
     "mappings.164.312(e)(1).0", "'SC-08' is not a NIST SP 800-53 Rev. 5"),
    ("    ids: [RA-1]", "    ids: [RA-1, ra-2]", "ids: [RA-1, ra-2]",
     "mappings.164.308(a)(1)(i).ids.1", "'ra-2' is not"),
    ("framework: nist-800-53r5", "framework: iso-27001", "framework: iso-27001", "framework",
     "is not one of"),
])
def test_a_mistake_names_the_file_line_and_field(
        tmp_path: Path, catalogue: Catalogue, old: str, new: str, at: str, field: str,
        words: str) -> None:
    text = (FOLDER / FILES["nist-800-53r5"]).read_text("utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / FILES["nist-800-53r5"]
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as caught:
        crosswalks.load_crosswalk(path, catalogue)
    error = caught.value
    assert (error.line, error.field) == (line_of(text, at), field), str(error)
    assert words in str(error)


def controls_json(*args: str) -> dict[str, Any]:
    """``govkit policies controls --format json`` through the command's own registration."""
    app = typer.Typer()
    policies_app = typer.Typer()
    app.add_typer(policies_app, name="policies")
    register(policies_app)
    result = CliRunner().invoke(app, ["policies", "controls", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_policies_controls_lists_requirements_rules_and_crosswalk_ids(
        catalogue: Catalogue) -> None:
    document = controls_json()
    assert document["profile"] is None
    assert [c["id"] for c in document["controls"]] == [c.id for c in catalogue.controls]
    assert {w["framework"] for w in document["crosswalks"]} == set(FILES)
    rows = {row["id"]: row for row in document["controls"]}
    termination = rows["164.308(a)(3)(ii)(C)"]
    assert termination["requirement"] == "addressable"
    assert "offboarding-deprovisioning-latency" in termination["rules"]
    assert termination["crosswalks"] == {"nist-800-53r5": ["PS-1", "PS-4", "PS-5"],
                                         "soc2-tsc-2017": ["CC6.2", "CC6.3"]}
    risk = rows["164.308(a)(1)(ii)(A)"]
    assert risk["rules"] == ["config-recorder-recording", "data-classification-tagged",
                             "guardduty-enabled"]
    assert "risk analysis" in risk["manual_evidence"]  # the rules cover a part of it
    assert risk["crosswalks"]["nist-800-53r5"] == ["RA-2", "RA-3"]
    sanctions = rows["164.308(a)(1)(ii)(C)"]
    assert sanctions["rules"] == [] and "sanction policy" in sanctions["manual_evidence"]


def test_policies_controls_with_the_profile_adds_its_controls() -> None:
    document = controls_json("--profile", "hipaa-nprm-2025")
    assert document["profile"]["id"] == "hipaa-nprm-2025"
    assert "not in force" in document["profile"]["status"].lower()
    rows = {row["id"]: row for row in document["controls"]}
    notice = rows["hipaa-nprm-2025:164.308(a)(9)(ii)(D)"]
    assert notice["rules"] == ["offboarding-vendor-notice-within-24-hours"]
    assert notice["from"] == "hipaa-nprm-2025"
    assert notice["crosswalks"] == {"nist-800-53r5": [], "soc2-tsc-2017": []}
    assert rows["164.312(d)"]["from"] == "hipaa-security-rule"

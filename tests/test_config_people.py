"""The identity side of the configuration file: the README's example loads as written, each
source's mistakes name the file, line and key, and a scan of people alone (no AWS) runs as a
user runs it, against an identity provider on loopback."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from govkit.config import load_config
from govkit.demo.idp.google import new_service_account
from govkit.demo.idp.okta import OktaDirectory, OktaServer, OktaUser
from govkit.demo.people import ROLE_MATRIX
from govkit.errors import InputError
from tests.test_cli import govkit

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
WORKDAY_HEADER = ("Employee_ID,Primary_Work_Email,Worker_Status,Hire_Date,Termination_Date,"
                  "Last_Day_of_Work,Job_Code,Worker_Type,Manager_ID\n")
ROSTER_HEADER = "agent_id,work_email,status,start_date,end_ts,notified_at,role\n"
ENV = {"OKTA_API_TOKEN": "00okta-token", "ENTRA_CLIENT_SECRET": "entra-secret"}


def readme_people_config() -> str:
    match = re.search(r"```yaml\n(# a scan of AWS and the people who reach it\n.*?)```",
                      README, re.S)
    assert match, "the README's people configuration example is missing"
    return match.group(1)


def files_for(folder: Path) -> None:
    (folder / "exports").mkdir()
    (folder / "exports" / "workday.csv").write_text(
        WORKDAY_HEADER + "NB-2001,priya.shah@northbridge-health.example,Active,2019-04-01,,,"
        "IT_ADMIN,Employee,NB-1000\n")
    (folder / "rosters").mkdir()
    (folder / "rosters" / "meridian.csv").write_text(
        ROSTER_HEADER + "M-1001,maria.santos@meridian-cs.example,active,2025-03-03,,,"
        "PATIENT_SCHEDULER\n")
    (folder / "roles.yaml").write_text(ROLE_MATRIX)
    (folder / "reviews").mkdir()
    (folder / "reviews" / "2026-Q4.csv").write_text(
        "reviewer,account,grant,decision,decided_at\n"
        "ops.lead@meridian-cs.example,maria.santos@meridian-cs.example,Meridian-Agents,accept,"
        "2026-10-20\n")
    new_service_account().write(folder / "google-sa.json")


def test_the_readme_example_loads_every_section(tmp_path: Path) -> None:
    files_for(tmp_path)
    path = tmp_path / "govkit.yaml"
    path.write_text(readme_people_config())
    config = load_config(path, ENV)
    assert [kind.section for kind, _ in config.sources] == [
        "okta", "entra", "google", "hr", "vendors", "role_matrix", "access_reviews"]
    assert config.identity_center_region == "us-east-1"
    assert [s.owner for s in config.service_accounts] == ["it-ops@northbridge-health.example"]
    assert "00okta-token" not in repr(config) and "entra-secret" not in repr(config)


@pytest.mark.parametrize(("change", "line", "field", "words"), [
    (("token_env: OKTA_API_TOKEN", "token_env: UNSET_TOKEN"), 6, "okta.token_env", "UNSET_TOKEN"),
    (("token_env: OKTA_API_TOKEN", "token: 00abc"), 6, "okta.token", "token_env: VARIABLE"),
    (("path: exports/workday.csv", "path: exports/missing.csv"), 13, "hr.0.path",
     "missing.csv"),
    (("timezone: Asia/Manila", "timezone: Asia/Nowhere"), 18, "vendors.0.timezone",
     "Asia/Nowhere"),
    (("role_matrix: roles.yaml", "role_matrix: nope.yaml"), 23, "role_matrix", "nope.yaml"),
])
def test_mistakes_in_a_source_section_name_its_line_and_key(
        tmp_path: Path, change: tuple[str, str], line: int, field: str, words: str) -> None:
    files_for(tmp_path)
    path = tmp_path / "govkit.yaml"
    path.write_text(readme_people_config().replace(*change))
    with pytest.raises(InputError) as caught:
        load_config(path, ENV)
    assert (caught.value.line, caught.value.field) == (line, field), str(caught.value)
    assert words in str(caught.value)


def test_a_scan_of_people_alone_reads_okta_and_hr_and_judges_the_leaver(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    left = now - dt.timedelta(days=3)
    directory = OktaDirectory(users=[
        OktaUser(id="00u000000000000000a1", login="maria.santos@meridian-cs.example",
                 employee_number="M-1001", last_login=now - dt.timedelta(days=1)),
        OktaUser(id="00u000000000000000a7", login="daniel.reyes@meridian-cs.example",
                 employee_number="M-1007", last_login=left + dt.timedelta(days=1))])
    roster = tmp_path / "meridian.csv"
    roster.write_text(ROSTER_HEADER
                      + "M-1001,maria.santos@meridian-cs.example,active,2025-03-03,,,AGENT\n"
                      + f"M-1007,daniel.reyes@meridian-cs.example,terminated,2025-03-03,"
                        f"{left.isoformat()},{left.isoformat()},AGENT\n")
    with OktaServer(directory, token="00loopback-token") as okta:
        (tmp_path / "govkit.yaml").write_text(
            f"timezone: UTC\nokta: {{org_url: {okta.url}, tenant: northbridge.okta.com, "
            "token_env: OKTA_API_TOKEN}\n"
            "vendors:\n  - name: Meridian Contact Services\n    path: meridian.csv\n"
            "    columns: {person_id: agent_id, email: work_email, status: status, "
            "hired_at: start_date, terminated_at: end_ts, notified_at: notified_at, "
            "job: role}\n")
        process = govkit("scan", "--config", "govkit.yaml", "--out", "runs", "--format", "json",
                         "--fail-on", "none", endpoint_url="http://127.0.0.1:9", cwd=tmp_path,
                         extra_env={"OKTA_API_TOKEN": "00loopback-token"})
    assert process.returncode == 0, process.stderr
    document = json.loads(process.stdout)
    run = next((tmp_path / "runs").glob("2*"))
    manifest = json.loads((run / "manifest.json").read_bytes())
    assert [s["type"] for s in manifest["sources"]] == ["okta", "vendors"]
    assert manifest["accounts"] == []
    still = next(r for r in document["results"]
                 if r["rule_id"] == "offboarding-leaver-accounts-disabled")
    assert still["status"] == "FAIL"
    assert "okta user daniel.reyes@meridian-cs.example (northbridge.okta.com)" in \
        still["message"]
    signed_in = next(r for r in document["results"]
                     if r["rule_id"] == "offboarding-no-sign-in-after-termination")
    assert signed_in["status"] == "FAIL" and "24 hours after" in signed_in["message"]
    # no AWS was configured: the AWS rules say so (not ERROR), and the token is nowhere
    aws_rules = [r for r in document["results"] if r["resource_type"].startswith("aws.")]
    assert aws_rules and {r["status"] for r in aws_rules} == {"NOT_APPLICABLE"}
    assert aws_rules[0]["message"] == ("not evaluated: no AWS account is configured in this "
                                       "run (the manifest lists the sources)")
    assert not [r for r in document["results"] if r["status"] == "ERROR"]
    assert all(b"00loopback-token" not in p.read_bytes() for p in run.rglob("*") if p.is_file())


@pytest.mark.parametrize(("row", "words"), [
    ("NB-2001,priya.shah@northbridge-health.example,Active,04/31/2019,,,IT_ADMIN,Employee,NB-1000\n",
     "Hire_Date"),
    ("NB-2001,priya.shah@northbridge-health.example,Active,2019-04-01,,,IT_ADMIN,Employee\n",
     "8 cells"),
])
def test_a_bad_hr_export_stops_the_scan_naming_file_and_row_and_writes_nothing(
        tmp_path: Path, row: str, words: str) -> None:
    (tmp_path / "workday.csv").write_text(WORKDAY_HEADER + row)
    (tmp_path / "govkit.yaml").write_text(
        "timezone: America/Chicago\nhr:\n  - {path: workday.csv, preset: workday}\n")
    process = govkit("scan", "--config", "govkit.yaml", "--out", "runs",
                     endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert process.returncode == 2, process.stderr
    assert "workday.csv:2" in process.stderr and words in process.stderr
    assert "Traceback" not in process.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_windows_1252_roster_is_refused_with_the_line_to_re_export(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_bytes(
        ROSTER_HEADER.encode() + "M-1001,jos\u00e9.cruz@meridian-cs.example,active,2025-03-03,,,"
        "AGENT\n".encode("cp1252"))
    (tmp_path / "govkit.yaml").write_text(
        "timezone: Asia/Manila\nvendors:\n  - name: Meridian Contact Services\n"
        "    path: roster.csv\n    columns: {person_id: agent_id, email: work_email, "
        "status: status, hired_at: start_date, terminated_at: end_ts}\n")
    process = govkit("scan", "--config", "govkit.yaml", "--out", "runs",
                     endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert process.returncode == 2, process.stderr
    assert "roster.csv:2" in process.stderr and "UTF-8" in process.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())

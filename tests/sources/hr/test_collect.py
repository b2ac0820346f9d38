"""The hr section and collection: settings refused with the key at fault; every file checked
before any is recorded; a bad file named with its row and column, and nothing written."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import EXIT_INPUT, InputError
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import hr
from govkit.sources.interface import ConfigProblem
from tests.sources.hr import CHICAGO, DATA, WORKDAY, hr_settings, written

WORKDAY_HEADER = ("Employee_ID,Worker,Primary_Work_Email,Worker_Status,Worker_Type,Hire_Date,"
                  "Termination_Date,Last_Day_of_Work,Job_Code,Manager_ID")


def test_presets_give_each_hris_its_columns_and_status_words() -> None:
    workday, bamboo, rippling = hr_settings([
        WORKDAY, {"path": "bamboohr.csv", "preset": "bamboohr"},
        {"path": "rippling.csv", "preset": "rippling", "timezone": "America/New_York"}])
    assert workday.columns["person_id"] == "Employee_ID"
    assert workday.columns["name"] == "Worker"  # the configuration adds to the preset
    assert workday.statuses["on leave"] == "leave"
    assert bamboo.columns["person_id"] == "employeeNumber"
    assert bamboo.statuses["inactive"] == "terminated"
    assert rippling.statuses["hired"] == "active"
    assert rippling.timezone is not None and rippling.timezone.key == "America/New_York"
    assert workday.timezone == CHICAGO and workday.source == "workday.csv"
    assert workday.path == (DATA / "hr" / "workday.csv").resolve()


def test_columns_override_a_preset_and_are_then_required(tmp_path: Path) -> None:
    (settings,) = hr_settings([{**WORKDAY, "columns": {"person_id": "Worker_ID"}}])
    assert settings.columns["person_id"] == "Worker_ID"
    with pytest.raises(InputError) as caught:
        hr.collect([settings], SnapshotWriter(tmp_path / "run"), None)
    assert "column 'Worker_ID' (mapped to person_id) is not in the header" in str(caught.value)
    assert "Employee_ID, Worker, Primary_Work_Email" in str(caught.value)
    assert caught.value.line == 1 and caught.value.field == "Worker_ID"


@pytest.mark.parametrize(("section", "key", "words"), [
    ([{"path": "missing.csv", "preset": "workday"}], "0.path", "no such file"),
    ([WORKDAY, {"path": "bamboohr.csv", "preset": "bamboohr", "timezone": "Central"}],
     "1.timezone", "unknown time zone 'Central'"),
    ([{"path": "workday.csv", "preset": "adp"}], "0.preset", "adp"),
    ([{"path": "workday.csv", "columns": {"status": "Worker_Status",
                                          "terminated_at": "Termination_Date"}}],
     "0.columns", "person_id"),
    ([{"path": "workday.csv", "columns": {"person_id": "Employee_ID",
                                          "status": "Worker_Status"}}], "0.columns",
     "'terminated_at' is a required property"),
    ([{"path": "workday.csv"}], "0", "columns"),
    ([{**WORKDAY, "sheet": "Workers"}], "0.sheet", "unknown key 'sheet'"),
    ([{**WORKDAY, "status_values": {"Gone": "fired"}}], "0.status_values.Gone", "fired"),
    ([WORKDAY, WORKDAY], "1.path", "two HR files are both named workday.csv"),
])
def test_a_section_that_cannot_be_used_names_its_key(section: list[dict[str, Any]], key: str,
                                                     words: str) -> None:
    with pytest.raises(ConfigProblem) as caught:
        hr_settings(section)
    assert caught.value.key == key
    assert words in caught.value.message


def test_a_preset_with_no_time_zone_anywhere_asks_for_one() -> None:
    with pytest.raises(ConfigProblem) as caught:
        hr_settings([WORKDAY], timezone=None)
    assert caught.value.key == "0.timezone" and "set `timezone`" in caught.value.message


def test_each_file_is_recorded_whole_with_what_normalising_needs(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path / "run")
    manifest = hr.collect(hr_settings([WORKDAY, {"path": "bamboohr.csv",
                                                 "preset": "bamboohr"}]), writer, None)
    assert manifest["type"] == "hr" and manifest["records"] == 15 + 4
    assert [f["file"] for f in manifest["files"]] == ["workday.csv", "bamboohr.csv"]
    writer.write_index()
    snapshot = Snapshot.open(tmp_path / "run")
    entries = list(snapshot.select("hr", "ReadExport"))
    assert {(e.account, e.region) for e in entries} == {("hr", "global")}
    record = Snapshot.read_json(tmp_path / "run" / manifest["files"][0]["record"])
    params = record["params"]
    raw = (DATA / "hr" / "workday.csv").read_bytes()
    assert params["file"] == "workday.csv" and params["source"] == "workday.csv"
    assert str(DATA) not in json.dumps(record)  # no folder of the user's machine
    assert params["sha256"] == hashlib.sha256(raw).hexdigest()
    assert params["timezone"] == "America/Chicago" and params["preset"] == "workday"
    assert params["columns"]["terminated_at"] == "Termination_Date"
    assert params["status_values"]["on leave"] == "leave"
    response = record["response"]
    assert response["header"][:3] == ["Employee_ID", "Worker", "Primary_Work_Email"]
    assert response["rows"][1][2] == "Marcus.Oyelaran@NorthBay-Health.example"  # as exported
    assert response["rows"][1][10] == "Revenue Cycle, Billing"
    assert response["lines"][0] == 2 and len(response["rows"]) == 15


def test_preset_columns_a_report_leaves_out_are_not_required(tmp_path: Path) -> None:
    source = tmp_path / "workday-short.csv"
    source.write_text("Employee_ID,Worker_Status,Hire_Date,Termination_Date\n"
                      "E1,Active,2020-01-06,\nE2,Terminated,2020-01-06,2026-01-16\n")
    writer = SnapshotWriter(tmp_path / "run")
    manifest = hr.collect(hr_settings([{"path": source.name, "preset": "workday"}],
                                      tmp_path), writer, None)
    record = Snapshot.read_json(tmp_path / "run" / manifest["files"][0]["record"])
    assert set(record["params"]["columns"]) == {"person_id", "status", "hired_at",
                                                "terminated_at"}


def refused(tmp_path: Path, text: str | bytes, section: Sequence[Mapping[str, Any]] | None = None,
            name: str = "export.csv") -> InputError:
    """Collect ``text`` as an HR file: it must be refused, with nothing written."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    section = section or [{"path": name, "preset": "workday"}]
    run_dir = tmp_path / "run"
    with pytest.raises(InputError) as caught:
        hr.collect(hr_settings(section, tmp_path), SnapshotWriter(run_dir), None)
    assert written(run_dir) == []
    assert caught.value.exit_code == EXIT_INPUT
    assert str(path) in str(caught.value)
    return caught.value


def rows(*lines: str) -> str:
    return "\n".join((WORKDAY_HEADER, *lines)) + "\n"


def test_a_windows_1252_export_is_refused_at_the_line_with_advice(tmp_path: Path) -> None:
    text = rows("E1001,Dana Whitfield,d@x.example,Active,Employee,2019-04-01,,,RN,E0042",
                "E1004,Tomás Herrera,t@x.example,Active,Employee,2018-09-10,,,RN,E0042")
    error = refused(tmp_path, text.encode("cp1252"))
    assert error.line == 3
    assert "not UTF-8" in str(error) and "re-export it as UTF-8" in str(error)


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + rows(
        "E1,Dana,d@x.example,Active,Employee,2019-04-01,,,RN,E0042").encode())
    manifest = hr.collect(hr_settings([{"path": path.name, "preset": "workday"}], tmp_path),
                          SnapshotWriter(tmp_path / "run"), None)
    assert manifest["records"] == 1


@pytest.mark.parametrize(("line", "field", "words"), [
    ("E1,Dana,d@x.example,Active,Employee,2019-04-31,,,RN,E0042",
     "Hire_Date", "'2019-04-31' is not a valid date"),
    ("E1,Dana,d@x.example,Terminated,Employee,2019-04-01,27/02/2026,,RN,E0042",
     "Termination_Date", "'27/02/2026' is not a month/day/year date"),
    ("E1,Dana,d@x.example,Gone,Employee,2019-04-01,2026-02-27,,RN,E0042",
     "Worker_Status", "unknown status 'Gone'"),
    (",Dana,d@x.example,Active,Employee,2019-04-01,,,RN,E0042",
     "Employee_ID", "person_id column 'Employee_ID' is empty"),
    ("E1,Dana,d@x.example,,Employee,2019-04-01,,,RN,E0042",
     "Worker_Status", "status column 'Worker_Status' is empty"),
    ("E1,Dana,d@x.example,Terminated,Employee,2019-04-01,,,RN,E0042",
     "Termination_Date", "terminated with no termination date"),
])
def test_a_bad_row_is_named_by_file_row_and_column(tmp_path: Path, line: str, field: str,
                                                   words: str) -> None:
    good = "E0,Ana,a@x.example,Active,Employee,2019-04-01,,,RN,E0042"
    error = refused(tmp_path, rows(good, line))
    assert error.line == 3 and error.field == field
    assert words in str(error)
    assert ":3: " in str(error) and f"'{field}'" in str(error)


def test_an_unknown_status_reads_once_status_values_maps_it(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(rows("E1,Dana,d@x.example,Gone,Employee,2019-04-01,2026-02-27,,RN,E0"))
    section = [{"path": path.name, "preset": "workday", "status_values": {"gone": "terminated"}}]
    manifest = hr.collect(hr_settings(section, tmp_path), SnapshotWriter(tmp_path / "r"), None)
    assert manifest["records"] == 1


def test_rows_that_contradict_each_other_are_refused_naming_both(tmp_path: Path) -> None:
    error = refused(tmp_path, rows(
        "E1,Dana,d@x.example,Active,Employee,2019-04-01,,,RN,E0042",
        "E2,Ana,a@x.example,Active,Employee,2019-04-01,,,RN,E0042",
        "E1,Dana,d@x.example,Terminated,Employee,2019-04-01,2026-02-27,,RN,E0042"))
    assert error.line == 4 and error.field == "Employee_ID"
    assert "rows 2 and 4 both describe person 'E1'" in str(error)
    assert "Worker_Status, Termination_Date" in str(error)


def test_a_second_spell_that_starts_before_the_first_ended_is_a_contradiction(
        tmp_path: Path) -> None:
    error = refused(tmp_path, rows(
        "E1,Dana,d@x.example,Terminated,Employee,2019-04-01,2024-08-30,,RN,E0042",
        "E1,Dana,d@x.example,Active,Employee,2024-08-30,,,RN,E0042"))
    assert "rows 2 and 3 both describe person 'E1'" in str(error)


def test_a_mapped_column_missing_from_the_header_is_named_with_the_header(
        tmp_path: Path) -> None:
    error = refused(tmp_path, "Employee_ID,Worker_Status,Hire_Date\nE1,Active,2020-01-06\n")
    assert error.line == 1 and error.field == "Termination_Date"
    assert "the header has: Employee_ID, Worker_Status, Hire_Date" in str(error)


def test_dates_without_a_time_zone_are_refused_when_none_is_set(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,state,ended\nE1,Terminated,2026-02-27\n")
    section = [{"path": path.name, "columns": {"person_id": "id", "status": "state",
                                               "terminated_at": "ended"}}]
    run_dir = tmp_path / "run"
    with pytest.raises(InputError) as caught:
        hr.collect(hr_settings(section, tmp_path, timezone=None), SnapshotWriter(run_dir), None)
    assert caught.value.line == 2 and caught.value.field == "ended"
    assert "set `timezone`" in str(caught.value) and written(run_dir) == []


def test_one_bad_file_means_no_file_is_recorded(tmp_path: Path) -> None:
    shutil.copy(DATA / "hr" / "workday.csv", tmp_path / "workday.csv")
    (tmp_path / "bad.csv").write_text(rows(
        "E1,Dana,d@x.example,Active,Employee,2019-02-29,,,RN,E0042"))
    run_dir = tmp_path / "run"
    with pytest.raises(InputError, match="bad.csv:2: '2019-02-29' is not a valid date"):
        hr.collect(hr_settings([WORKDAY, {"path": "bad.csv", "preset": "workday"}], tmp_path),
                   SnapshotWriter(run_dir), None)
    assert written(run_dir) == []

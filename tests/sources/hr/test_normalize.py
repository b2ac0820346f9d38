"""HR people from the recorded exports: every edge case of a termination, each value pointing
at the cell it came from, and the same people from the records alone, every time."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError
from govkit.inventory.model import Resource
from govkit.canonical import write_json
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import hr
from tests.sources.hr import (
    CTX, DATA, WORKDAY, at_pointer, check_sources, collect_hr, hr_settings, snapshot_of,
    split)

PERSON_FIELDS = {"PersonId", "Name", "Emails", "Status", "StatusRaw", "HiredAt", "TerminatedAt",
                 "TerminationDateOnly", "LastDayOfWork", "NotifiedAt", "Job", "WorkerType",
                 "Manager", "Vendor", "Source", "Timezone", "Rehired", "PreviousTerminatedAt",
                 "Rows"}
COMMON = {"Id", "Name", "Account", "Region"}
ALL_FILES: list[dict[str, Any]] = [WORKDAY, {"path": "bamboohr.csv", "preset": "bamboohr"},
             {"path": "rippling.csv", "preset": "rippling"}]


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Resource]:
    resources, _ = collect_hr(tmp_path_factory.mktemp("hr"), ALL_FILES)
    return resources


def person(people: dict[str, Resource], pid: str,
           source: str = "workday.csv") -> dict[str, object]:
    return dict(people[f"hr:{source}:{pid}"].attributes)


def test_one_person_per_id_per_file_with_every_attribute(people: dict[str, Resource]) -> None:
    assert len([r for r in people.values() if r.attributes["Source"] == "workday.csv"]) == 13
    for resource in people.values():
        assert resource.type == "hr.person" and resource.account == "hr"
        assert resource.region == "global" and resource.name == resource.attributes["PersonId"]
        assert set(resource.attributes) == PERSON_FIELDS | COMMON
        assert set(resource.failures) == {"Tags"}  # HR rows have no tags
    dana = person(people, "E1001")
    assert dana["Name"] == "Dana Whitfield" and dana["Job"] == "RN-220"
    assert dana["WorkerType"] == "Employee" and dana["Manager"] == "E0042"
    assert dana["Status"] == "active" and dana["TerminatedAt"] is None
    assert dana["HiredAt"] == "2019-04-01T05:00:00Z" and dana["Timezone"] == "America/Chicago"


def test_a_date_only_termination_ends_at_local_end_of_day_dst_correct(
        people: dict[str, Resource]) -> None:
    marcus = person(people, "E1002")  # 13 March 2026: Chicago is on CDT (UTC-5)
    assert marcus["Status"] == "terminated" and marcus["StatusRaw"] == "Terminated"
    assert marcus["TerminatedAt"] == "2026-03-14T04:59:59Z"
    assert marcus["TerminationDateOnly"] is True and marcus["LastDayOfWork"] == "2026-03-13"
    assert marcus["Emails"] == ["marcus.oyelaran@northbay-health.example"]
    priya = person(people, "E1003")  # 16 January 2026: CST (UTC-6)
    assert priya["TerminatedAt"] == "2026-01-17T05:59:59Z"
    assert priya["LastDayOfWork"] == "2026-01-15"


def test_a_termination_date_time_keeps_its_instant(people: dict[str, Resource]) -> None:
    leah = person(people, "E1009")
    assert leah["TerminatedAt"] == "2026-02-27T23:00:00Z"
    assert leah["TerminationDateOnly"] is False


def test_us_dates_read_month_first(people: dict[str, Resource]) -> None:
    omar = person(people, "E1010")
    assert omar["TerminatedAt"] == "2026-03-03T05:59:59Z"
    assert omar["HiredAt"] == "2024-03-11T05:00:00Z"


def test_a_future_dated_termination_is_kept_as_given(people: dict[str, Resource]) -> None:
    tomas = person(people, "E1004")  # still Active; leaves on 29 January 2027
    assert tomas["Status"] == "active"
    assert tomas["TerminatedAt"] == "2027-01-30T05:59:59Z"
    rita = person(people, "C2001")  # already marked Terminated for the end of March
    assert rita["Status"] == "terminated" and rita["TerminatedAt"] == "2026-04-01T04:59:59Z"
    assert rita["WorkerType"] == "Contingent Worker"


def test_a_rehire_on_the_same_row_is_active_with_the_old_termination_kept(
        people: dict[str, Resource]) -> None:
    grace = person(people, "E1005")  # hired 2025-11-03 after a termination on 2025-06-30
    assert grace["Status"] == "active" and grace["TerminatedAt"] is None
    assert grace["Rehired"] is True
    assert grace["PreviousTerminatedAt"] == "2025-07-01T04:59:59Z"


def test_a_rehire_on_a_later_row_is_one_person_in_the_current_spell(
        people: dict[str, Resource]) -> None:
    ines = person(people, "E1011")
    assert ines["Status"] == "active" and ines["TerminatedAt"] is None
    assert ines["Rehired"] is True and ines["Rows"] == [12, 13]
    assert ines["PreviousTerminatedAt"] == "2024-08-31T04:59:59Z"
    assert ines["HiredAt"] == "2025-10-06T05:00:00Z" and ines["Job"] == "BILL-120"
    resource = people["hr:workday.csv:E1011"]
    assert resource.sources["PreviousTerminatedAt"][0].row == 12
    assert resource.sources["HiredAt"][0].row == 13


def test_a_rescinded_termination_is_not_a_termination(people: dict[str, Resource]) -> None:
    samuel = person(people, "E1006")
    assert samuel["Status"] == "rescinded" and samuel["TerminatedAt"] is None
    assert samuel["StatusRaw"] == "Termination Rescinded" and samuel["Rehired"] is False


def test_leave_is_not_a_termination(people: dict[str, Resource]) -> None:
    hannah = person(people, "E1007")
    assert hannah["Status"] == "leave" and hannah["TerminatedAt"] is None


def test_terminated_without_a_termination_date_ends_on_the_last_day_of_work(
        people: dict[str, Resource]) -> None:
    victor = person(people, "E1008")
    assert victor["TerminatedAt"] == "2026-02-14T05:59:59Z"
    assert people["hr:workday.csv:E1008"].sources["TerminatedAt"][0].pointer.endswith("/7")


def test_identical_rows_are_one_person(people: dict[str, Resource]) -> None:
    assert person(people, "E1012")["Rows"] == [14, 15]


def test_bamboohr_and_rippling_words(people: dict[str, Resource]) -> None:
    ben = person(people, "10451", "bamboohr.csv")
    assert ben["Status"] == "terminated" and ben["StatusRaw"] == "Inactive"
    assert ben["TerminatedAt"] == "2026-02-21T05:59:59Z"
    alicia = person(people, "10442", "bamboohr.csv")  # terminationDate 0000-00-00: none
    assert alicia["Status"] == "active" and alicia["TerminatedAt"] is None
    mei = person(people, "64f1c2a9e4b0a1d2c3e4f5c8", "rippling.csv")  # offer accepted
    assert mei["Status"] == "active" and mei["StatusRaw"] == "HIRED"
    assert mei["WorkerType"] == "CONTRACTOR"


def test_every_value_points_at_its_cell_in_the_record(tmp_path: Path) -> None:
    resources, coverage = collect_hr(tmp_path, [WORKDAY])
    for resource in resources.values():
        check_sources(resource, tmp_path)
    marcus = resources["hr:workday.csv:E1002"]
    (ref, *_) = marcus.sources["TerminatedAt"]
    assert ref.row == 3 and ref.pointer == "/response/rows/1/6"
    record = Snapshot.read_json(tmp_path / ref.file)
    assert at_pointer(record, ref.pointer) == "2026-03-13"
    assert coverage == [coverage[0]] and coverage[0].type == "hr.person"
    assert coverage[0].account == "hr" and coverage[0].source == ref.file
    assert coverage[0].failure is None


def test_a_person_rehired_and_terminated_again_is_terminated(tmp_path: Path) -> None:
    (tmp_path / "again.csv").write_text(
        "Employee_ID,Worker_Status,Hire_Date,Termination_Date\n"
        "E7,Terminated,2025-01-06,2026-02-06\n"  # the second spell, listed first
        "E7,Terminated,2019-03-04,2024-08-30\n")
    resources, _ = collect_hr(tmp_path / "run", [{"path": "again.csv", "preset": "workday"}],
                              tmp_path)
    again = dict(resources["hr:again.csv:E7"].attributes)
    assert again["Status"] == "terminated" and again["TerminatedAt"] == "2026-02-07T05:59:59Z"
    assert again["Rehired"] is True and again["PreviousTerminatedAt"] == "2024-08-31T04:59:59Z"


def normalized(run_dir: Path) -> list[tuple[str, object, object]]:
    resources, coverage = split(hr.normalize(Snapshot.open(run_dir), CTX))
    return [(r.id, dict(r.attributes), dict(r.sources)) for r in resources.values()] + \
        [("coverage", c, None) for c in coverage]


def test_normalising_twice_and_from_the_records_alone_gives_the_same_people(
        tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(DATA / "hr", folder)
    writer = SnapshotWriter(tmp_path / "run")
    hr.collect(hr_settings(ALL_FILES, folder), writer, None)
    snapshot_of(writer)
    first = normalized(tmp_path / "run")
    shutil.rmtree(folder)  # the exports are gone: the records are the evidence
    assert normalized(tmp_path / "run") == first
    again = SnapshotWriter(tmp_path / "again")
    hr.collect(hr_settings(ALL_FILES), again, None)
    snapshot_of(again)
    assert normalized(tmp_path / "again") == first


def test_a_record_that_no_longer_reads_names_the_snapshot_file(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path / "run")
    manifest = hr.collect(hr_settings([WORKDAY]), writer, None)
    snapshot = snapshot_of(writer)
    path = tmp_path / "run" / manifest["files"][0]["record"]
    record = Snapshot.read_json(path)
    record["response"]["rows"][1][6] = "13/03/2026"
    write_json(path, record)
    with pytest.raises(InputError) as caught:
        list(hr.normalize(snapshot, CTX))
    assert manifest["files"][0]["record"] in str(caught.value)
    assert "line 3 of workday.csv" in str(caught.value)
    assert caught.value.field == "Termination_Date"

"""Vendor-agent rosters (CSV and YAML): settings, recording, agents with their notification
times, and bad rosters refused by file, line and column with nothing written."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError
from govkit.inventory.model import Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources import vendors
from govkit.sources.interface import ConfigProblem
from tests.sources.hr import (
    CTX, DATA, at_pointer, check_sources, resolver, snapshot_of, split, written)

MANILA = zoneinfo.ZoneInfo("Asia/Manila")
COLUMNS = {"person_id": "agent_id", "email": "work_email", "status": "status",
           "hired_at": "start_date", "terminated_at": "end_ts", "notified_at": "notified_at",
           "job": "role", "name": "full_name"}
MERIDIAN = {"name": "Meridian Contact Services", "path": "meridian.csv",
            "timezone": "Asia/Manila", "columns": COLUMNS}
AGENT = "vendor:meridian-contact-services:"


def settings(section: Sequence[Mapping[str, Any]], folder: Path = DATA / "vendors",
             timezone: zoneinfo.ZoneInfo | None = None) -> tuple[Any, ...]:
    return vendors.settings_from(section, resolve=resolver(folder), environ={},
                                 default_timezone=timezone)


def collect(run_dir: Path, section: Sequence[Mapping[str, Any]],
            folder: Path = DATA / "vendors") -> tuple[dict[str, Resource], dict[str, Any]]:
    writer = SnapshotWriter(run_dir)
    manifest = vendors.collect(settings(section, folder), writer, None)
    resources, coverage = split(vendors.normalize(snapshot_of(writer), CTX))
    assert [c.type for c in coverage] == ["vendor.agent"] * len(section)
    return resources, manifest


@pytest.fixture(scope="module")
def agents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Resource]:
    return collect(tmp_path_factory.mktemp("vendors"), [MERIDIAN])[0]


def test_the_vendor_name_labels_records_and_agents(tmp_path: Path) -> None:
    (roster,) = settings([MERIDIAN])
    assert roster.account == "meridian-contact-services"
    assert roster.source == "Meridian Contact Services" and roster.format == "csv"
    assert vendors.slug("Café Llamadas S.A. de C.V.") == "cafe-llamadas-s-a-de-c-v"
    resources, manifest = collect(tmp_path, [MERIDIAN])
    assert manifest["type"] == "vendors" and manifest["records"] == 5
    record = Snapshot.read_json(tmp_path / manifest["files"][0]["record"])
    assert record["account"] == "meridian-contact-services" and record["service"] == "vendors"
    assert record["params"]["source"] == "Meridian Contact Services"
    assert record["params"]["file"] == "meridian.csv"
    assert record["params"]["timezone"] == "Asia/Manila"
    for resource in resources.values():
        check_sources(resource, tmp_path)
        assert resource.type == "vendor.agent"
        assert resource.account == "meridian-contact-services"
        assert resource.attributes["Vendor"] == "Meridian Contact Services"


def test_terminations_and_notifications_keep_their_offsets(
        agents: dict[str, Resource]) -> None:
    aileen = dict(agents[AGENT + "MCS-0187"].attributes)
    assert aileen["Status"] == "terminated"
    assert aileen["TerminatedAt"] == "2026-02-27T10:00:00Z"
    assert aileen["NotifiedAt"] == "2026-02-28T01:15:00Z"  # 15 h 15 min later
    assert aileen["TerminationDateOnly"] is False and aileen["Job"] == "billing"
    assert aileen["Name"] == "Aileen Cruz"
    assert aileen["Emails"] == ["aileen.cruz@meridian-cs.example"]
    paolo = dict(agents[AGENT + "MCS-0203"].attributes)
    assert paolo["NotifiedAt"] == "2026-03-09T02:00:00Z"


def test_a_date_only_end_is_the_end_of_that_day_in_manila(agents: dict[str, Resource]) -> None:
    kristine = dict(agents[AGENT + "MCS-0219"].attributes)
    assert kristine["TerminatedAt"] == "2026-03-13T15:59:59Z"
    assert kristine["TerminationDateOnly"] is True and kristine["NotifiedAt"] is None


def test_active_and_leave_agents_are_not_terminated(agents: dict[str, Resource]) -> None:
    assert agents[AGENT + "MCS-0141"].attributes["TerminatedAt"] is None
    mark = agents[AGENT + "MCS-0225"].attributes
    assert mark["Status"] == "leave" and mark["StatusRaw"] == "on leave"


def test_a_yaml_roster_reads_like_the_csv_and_points_at_its_lines(
        tmp_path: Path, agents: dict[str, Resource]) -> None:
    section = [{**MERIDIAN, "path": "meridian.yaml"}]
    resources, manifest = collect(tmp_path, section)
    assert sorted(resources) == [AGENT + "MCS-0141", AGENT + "MCS-0187", AGENT + "MCS-0219"]
    for key, resource in resources.items():
        check_sources(resource, tmp_path)
        for name in ("Status", "TerminatedAt", "NotifiedAt", "HiredAt", "Emails", "Job"):
            assert resource.attributes[name] == agents[key].attributes[name], name
    assert [resources[AGENT + pid].attributes["Rows"] for pid in
            ("MCS-0141", "MCS-0187", "MCS-0219")] == [[2], [8], [16]]
    record = Snapshot.read_json(tmp_path / manifest["files"][0]["record"])
    assert record["params"]["format"] == "yaml"
    (ref, *_) = resources[AGENT + "MCS-0187"].sources["NotifiedAt"]
    assert at_pointer(record, ref.pointer) == "2026-02-28T09:15:00+08:00"


def test_yaml_values_are_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / "roster.yml").write_text(
        "- agent_id: 00123\n  status: Terminated\n  start_date: 2024-02-05\n"
        "  end_ts: 2026-02-27 18:00:00 +08:00\n  notified_at: ~\n  role: yes\n")
    resources, _ = collect(tmp_path / "run", [{**MERIDIAN, "path": "roster.yml"}], tmp_path)
    agent = dict(resources[AGENT + "00123"].attributes)  # not the octal number 83
    assert agent["TerminatedAt"] == "2026-02-27T10:00:00Z" and agent["NotifiedAt"] is None
    assert agent["Job"] == "yes" and agent["StatusRaw"] == "Terminated"


def test_normalising_twice_gives_the_same_agents(tmp_path: Path) -> None:
    collect(tmp_path, [MERIDIAN, {**MERIDIAN, "name": "Meridian (YAML copy)",
                                  "path": "meridian.yaml"}])
    def once() -> list[tuple[str, object, object]]:
        resources, coverage = split(vendors.normalize(Snapshot.open(tmp_path), CTX))
        return [(r.id, dict(r.attributes), dict(r.sources)) for r in resources.values()] + \
            [("coverage", c, None) for c in coverage]
    assert once() == once()
    assert len(once()) == 5 + 3 + 2


@pytest.mark.parametrize(("section", "key", "words"), [
    ([{**MERIDIAN, "path": "missing.csv"}], "0.path", "no such file"),
    ([{**MERIDIAN, "path": "meridian.csv", "timezone": "PHT"}], "0.timezone", "'PHT'"),
    ([MERIDIAN, {**MERIDIAN, "name": "MERIDIAN contact-services"}], "1.name",
     "two vendors are both labelled 'meridian-contact-services'"),
    ([{**MERIDIAN, "name": "株式会社"}], "0.name", "no letter or digit"),
    ([{k: v for k, v in MERIDIAN.items() if k != "columns"}], "0", "'columns' is a required"),
    ([{**MERIDIAN, "columns": {"person_id": "agent_id", "hired_at": "start_date"}}],
     "0.columns", "'status' is a required property"),
    ([{**MERIDIAN, "preset": "workday"}], "0.preset", "unknown key 'preset'"),
])
def test_a_section_that_cannot_be_used_names_its_key(section: list[dict[str, Any]], key: str,
                                                     words: str) -> None:
    with pytest.raises(ConfigProblem) as caught:
        settings(section)
    assert caught.value.key == key and words in caught.value.message


def test_a_roster_that_is_neither_csv_nor_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "roster.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ConfigProblem) as caught:
        settings([{**MERIDIAN, "path": "roster.xlsx"}], tmp_path)
    assert caught.value.key == "0.path" and "format: csv|yaml" in caught.value.message
    (roster,) = settings([{**MERIDIAN, "path": "roster.xlsx", "format": "yaml"}], tmp_path)
    assert roster.format == "yaml"


def refused(tmp_path: Path, name: str, content: str | bytes,
            timezone: str | None = "Asia/Manila") -> InputError:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    entry: dict[str, Any] = {**MERIDIAN, "path": name}
    if timezone is None:
        entry.pop("timezone")
    run_dir = tmp_path / "run"
    with pytest.raises(InputError) as caught:
        vendors.collect(settings([entry], tmp_path), SnapshotWriter(run_dir), None)
    assert written(run_dir) == []
    assert str(path) in str(caught.value)
    return caught.value


YAML_AGENT = "- agent_id: MCS-0141\n  status: active\n  start_date: 2024-02-05\n"


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("agent_id: MCS-0141\n", 1, None, "a YAML roster is a list of people"),
    (YAML_AGENT + "- MCS-0187\n", 4, None, "each entry of a roster is a mapping"),
    (YAML_AGENT + "- agent_id: MCS-0187\n  status: [terminated]\n", 5, "status",
     "not a list or mapping"),
    (YAML_AGENT + "- agent_id: MCS-0187\n  status: fired\n  start_date: 2024-02-05\n", 4,
     "status", "unknown status 'fired'"),
    (YAML_AGENT + "- agent_id: MCS-0187\n  status: terminated\n  start_date: 2024-02-05\n", 4,
     "end_ts", "terminated with no termination date"),
    (YAML_AGENT + "- agent_id: MCS-0187\n  status: terminated\n  end_ts: 2026-13-01\n", 6,
     None, "invalid YAML"),
])
def test_a_bad_yaml_roster_is_named_by_line_and_key(tmp_path: Path, text: str,
                                                    line: int, field: str | None,
                                                    words: str) -> None:
    error = refused(tmp_path, "roster.yaml", text)
    assert error.line == line and error.field == field and words in str(error)


def test_a_csv_roster_with_a_bad_notification_time_is_refused(tmp_path: Path) -> None:
    text = (DATA / "vendors" / "meridian.csv").read_text().replace(
        "2026-02-28T09:15:00+08:00", "28 Feb 2026 09:15")
    error = refused(tmp_path, "meridian.csv", text)
    assert error.line == 3 and error.field == "notified_at"
    assert "'28 Feb 2026 09:15' is not a date" in str(error)


def test_a_yaml_roster_not_in_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    text = YAML_AGENT + "- agent_id: MCS-0188\n  full_name: Jos\u00e9 Ba\u00f1ez\n"
    error = refused(tmp_path, "roster.yaml", text.encode("cp1252"))
    assert error.line == 5 and "UTF-8" in str(error)


def test_date_only_values_with_no_time_zone_anywhere_are_refused(tmp_path: Path) -> None:
    text = (DATA / "vendors" / "meridian.csv").read_text()
    error = refused(tmp_path, "meridian.csv", text, timezone=None)
    assert error.line == 2 and error.field == "start_date"
    assert "set `timezone`" in str(error)

"""Column maps and status words of the HRIS exports govkit knows by name.

A preset names the columns of a typical export and the status words that system writes; a
``columns`` map in the configuration overrides any entry, and ``status_values`` adds or
overrides status words. Preset columns other than ``person_id``, ``status`` and
``terminated_at`` are taken only when the export has them: a report without ``Job_Code`` still
reads. A column the configuration names itself must be in the file.

Every preset's exports carry calendar dates, so a file read with a preset needs a time zone.

``workday`` — a Workday custom report (RaaS) exported as CSV:

    person_id Employee_ID, email Primary_Work_Email, status Worker_Status,
    hired_at Hire_Date, terminated_at Termination_Date, last_day Last_Day_of_Work,
    job Job_Code, worker_type Worker_Type, manager Manager_ID
    status words: Active, Terminated, Retired (terminated), On Leave and Leave of Absence (leave)

    Contingent workers carry ``Contingent_Worker_ID`` instead of ``Employee_ID`` in some
    tenants' reports: map ``person_id`` to the column the report has.

``bamboohr`` — BambooHR employee fields (a custom report or the API's field names):

    person_id employeeNumber, email workEmail, status status, hired_at hireDate,
    terminated_at terminationDate, job jobTitle, worker_type employmentHistoryStatus,
    manager supervisorEId
    status words: Active, Inactive (terminated: BambooHR's only word for a person who left)

    ``employeeNumber`` is the company-assigned number identity providers usually hold; map
    ``person_id: id`` for BambooHR's own record id.

``rippling`` — Rippling workers (REST ``/workers`` fields):

    person_id id, email work_email, status status, hired_at start_date,
    terminated_at end_date, worker_type employment_type, manager manager_id, job title
    status words: ACTIVE, TERMINATED; INIT, HIRED and ACCEPTED (an offer made or accepted,
    not started yet) count as active: the person is not terminated

    Map ``person_id: number`` for the company-assigned employee number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Preset:
    name: str
    columns: Mapping[str, str]  # canonical column -> the export's header
    statuses: Mapping[str, str]  # the export's status word (case-insensitive) -> canonical


def _preset(name: str, columns: dict[str, str], statuses: dict[str, str]) -> Preset:
    return Preset(name, MappingProxyType(columns),
                  MappingProxyType({k.casefold(): v for k, v in statuses.items()}))


PRESETS: Mapping[str, Preset] = MappingProxyType({
    "workday": _preset("workday", {
        "person_id": "Employee_ID", "email": "Primary_Work_Email", "status": "Worker_Status",
        "hired_at": "Hire_Date", "terminated_at": "Termination_Date",
        "last_day": "Last_Day_of_Work", "job": "Job_Code", "worker_type": "Worker_Type",
        "manager": "Manager_ID",
    }, {"Active": "active", "Terminated": "terminated", "Retired": "terminated",
        "On Leave": "leave", "Leave of Absence": "leave"}),
    "bamboohr": _preset("bamboohr", {
        "person_id": "employeeNumber", "email": "workEmail", "status": "status",
        "hired_at": "hireDate", "terminated_at": "terminationDate", "job": "jobTitle",
        "worker_type": "employmentHistoryStatus", "manager": "supervisorEId",
    }, {"Active": "active", "Inactive": "terminated"}),
    "rippling": _preset("rippling", {
        "person_id": "id", "email": "work_email", "status": "status",
        "hired_at": "start_date", "terminated_at": "end_date",
        "worker_type": "employment_type", "manager": "manager_id", "job": "title",
    }, {"ACTIVE": "active", "TERMINATED": "terminated", "INIT": "active", "HIRED": "active",
        "ACCEPTED": "active"}),
})
"""Preset name -> its columns and status words."""

PRESET_REQUIRED = frozenset({"person_id", "status", "terminated_at"})
"""Preset columns that must be in the export; the preset's other columns are used when there."""

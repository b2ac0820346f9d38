"""Reading exports: dates (with DST-correct end of day), status words, text and CSV shape."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from govkit.sources.hr.presets import PRESETS
from govkit.sources.hr.read import (
    RowProblem, canonical_status, decode, end_of_day, parse_csv, parse_when, start_of_day,
    status_table)

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
MANILA = zoneinfo.ZoneInfo("Asia/Manila")
UTC = dt.timezone.utc


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-01-16", "2026-01-17T05:59:59Z"),  # CST, UTC-6
    ("2026-03-07", "2026-03-08T05:59:59Z"),  # the day before clocks go forward
    ("2026-03-08", "2026-03-09T04:59:59Z"),  # clocks went forward at 02:00: ends in CDT
    ("2026-07-04", "2026-07-05T04:59:59Z"),  # CDT, UTC-5
    ("2026-11-01", "2026-11-02T05:59:59Z"),  # clocks went back at 02:00: ends in CST
])
def test_a_date_only_termination_ends_at_the_last_second_of_that_day_local(
        day: str, expected: str) -> None:
    when = parse_when(day, CHICAGO, end_of_day=True)
    assert when.instant == utc(expected)
    assert when.date_only and when.day == dt.date.fromisoformat(day)
    assert when.instant.astimezone(CHICAGO).time() == dt.time(23, 59, 59)


def test_a_day_that_ends_twice_ends_at_the_later_23_59_59() -> None:
    # Santiago turns 24:00 on 4 April 2026 back to 23:00: the hour before midnight repeats
    santiago = zoneinfo.ZoneInfo("America/Santiago")
    assert end_of_day(dt.date(2026, 4, 4), santiago) == utc("2026-04-05T03:59:59Z")


def test_a_day_a_clock_change_skipped_cannot_be_a_termination_date() -> None:
    with pytest.raises(ValueError, match="never happened in Pacific/Apia"):
        end_of_day(dt.date(2011, 12, 30), zoneinfo.ZoneInfo("Pacific/Apia"))


def test_a_hire_date_starts_at_local_midnight() -> None:
    when = parse_when("2025-10-06", CHICAGO, end_of_day=False)
    assert when.instant == utc("2025-10-06T05:00:00Z")
    # Havana skips 00:00-01:00 on 8 March 2026: the day starts at the change itself
    havana = zoneinfo.ZoneInfo("America/Havana")
    assert start_of_day(dt.date(2026, 3, 8), havana).astimezone(havana).hour == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-02-27T17:00:00-06:00", "2026-02-27T23:00:00Z"),
    ("2026-02-27T18:00:00+08:00", "2026-02-27T10:00:00Z"),
    ("2026-02-27T23:00:00Z", "2026-02-27T23:00:00Z"),
    ("2026-02-27 17:00:00.250-0600", "2026-02-27T23:00:00.25Z"),
    ("2026-02-27T17:00", "2026-02-27T23:00:00Z"),  # wall-clock time in the file's zone
    ("2026-02-27 18:00:00 +08:00", "2026-02-27T10:00:00Z"),  # YAML's timestamp form
    ("02/27/2026 17:00", "2026-02-27T23:00:00Z"),
])
def test_date_times_keep_their_instant(text: str, expected: str) -> None:
    when = parse_when(text, CHICAGO, end_of_day=True)
    assert when.instant == utc(expected) and not when.date_only
    assert when.day == dt.date(2026, 2, 27)


@pytest.mark.parametrize("text", ["03/02/2026", "3/2/2026"])
def test_us_dates_are_month_first(text: str) -> None:
    when = parse_when(text, CHICAGO, end_of_day=True)
    assert when.day == dt.date(2026, 3, 2) and when.date_only


def test_a_day_first_date_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="13 is not a month.*YYYY-MM-DD"):
        parse_when("13/02/2026", CHICAGO, end_of_day=True)


@pytest.mark.parametrize("text", ["Feb 27, 2026", "2026/02/27", "27.02.2026", "20260227",
                                  "2026-02-30", "02/30/2026", "2026-W09-5", "yesterday"])
def test_other_forms_are_refused_naming_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        parse_when(text, CHICAGO, end_of_day=True)


@pytest.mark.parametrize("text", ["2026-02-27", "2026-02-27T17:00:00", "02/27/2026"])
def test_a_date_or_wall_clock_time_without_a_zone_needs_timezone_set(text: str) -> None:
    with pytest.raises(ValueError, match="set `timezone`"):
        parse_when(text, None, end_of_day=True)
    assert parse_when("2026-02-27T18:00:00+08:00", None, end_of_day=True).day == \
        dt.date(2026, 2, 27)


ZONES = sorted(zoneinfo.available_timezones())


@settings(deadline=None)  # the first use of a zone reads its file
@given(day=st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2100, 12, 31)),
       zone=st.sampled_from(ZONES))
def test_date_only_terminations_fall_on_the_given_local_date(day: dt.date, zone: str) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    try:
        when = parse_when(day.isoformat(), tz, end_of_day=True)
    except ValueError:  # a day the zone skipped (Pacific/Apia, 2011-12-30)
        assume(False)
        raise
    assert when.instant.tzinfo == UTC
    assert when.instant.astimezone(tz).date() == day
    assert (when.instant + dt.timedelta(seconds=1)).astimezone(tz).date() > day


def test_status_words_match_case_insensitively_with_presets_and_overrides() -> None:
    table = status_table(PRESETS["bamboohr"].statuses, {"Garden Leave": "leave",
                                                         "Active": "leave"})
    assert canonical_status(" INACTIVE ", table) == "terminated"
    assert canonical_status("leave of absence", table) == "leave"
    assert canonical_status("garden leave", table) == "leave"
    assert canonical_status("active", table) == "leave"  # the configuration wins
    assert canonical_status("Contractor", table) is None
    assert canonical_status("Inactive", status_table()) is None  # BambooHR's word only


def test_a_byte_order_mark_is_dropped() -> None:
    assert decode("\ufeffEmployee_ID\nE1\n".encode()) == "Employee_ID\nE1\n"


def test_windows_1252_text_is_refused_at_the_line_it_breaks() -> None:
    raw = "id,name\n1,Ana\n2,Tomás Herrera\n".encode("cp1252")
    with pytest.raises(RowProblem) as caught:
        decode(raw)
    assert caught.value.line == 3
    assert "not UTF-8" in caught.value.message and "re-export" in caught.value.message


def test_utf16_text_is_refused() -> None:
    with pytest.raises(RowProblem, match="UTF-16"):
        decode("id,name\n".encode("utf-16"))


def test_rows_start_at_their_physical_line() -> None:
    text = 'id,note,status\r\n\r\nE1,"two\r\nlines",Active\r\nE2,plain,Active\r\n,,\r\n'
    table = parse_csv(text)
    assert table.header == ("id", "note", "status")
    assert table.lines == (3, 5)
    assert table.rows[0] == ("E1", "two\r\nlines", "Active")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("id,status\nE1,Active,extra\n", 2, "3 cells and the header 2"),
    ("id,status\nE1,\"Active\n", 2, "not a well-formed CSV"),
    ("\n\n", None, "the file is empty"),
])
def test_misshapen_csv_is_refused_with_its_line(text: str, line: int | None,
                                                words: str) -> None:
    with pytest.raises(RowProblem) as caught:
        parse_csv(text)
    assert caught.value.line == line and words in caught.value.message

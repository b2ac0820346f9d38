"""The auditor's CSV files: RFC 4180 that the csv module reads back, the findings matching the
run's FAIL, ERROR and WAIVED results, the demo's leavers with their latencies, a seeded sample
that anyone can draw again (the same on any machine and in any process), and no cell a
spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.policy.model import Severity
from govkit.report import sampling
from govkit.report.formats import Artifact, Options
from govkit.report.formats.csv import (
    FINDING_COLUMNS, FORMAT, TERMINATION_COLUMNS, neutralise)
from govkit.report.source import Provenance, ReportInput, open_run
from govkit.results import Evaluation, RecordRef, Result, Status

LATENCY_RULE = "offboarding-deprovisioning-latency"
DEMO_LEAVERS = {"Grace Lim", "Daniel Reyes", "Tomas Vega", "Ruth Okafor", "Leo Park"}
FINDING_STATUSES = {"FAIL", "ERROR", "WAIVED"}


def artifacts(report: ReportInput, options: Options | None = None) -> dict[str, Artifact]:
    made = FORMAT.render(report, options or Options())
    assert len({a.name for a in made}) == len(made)
    return {a.name: a for a in made}


def read(artifact: Artifact, columns: Iterable[str]) -> list[dict[str, str]]:
    """Parse a file back as RFC 4180 says it is: UTF-8 without a BOM, CRLF after every
    record, the header first."""
    assert artifact.media_type.startswith("text/csv")
    data = artifact.data
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert rows[0] == list(columns)
    assert all(len(row) == len(rows[0]) for row in rows)
    if not any("\n" in cell or "\r" in cell for row in rows for cell in row):
        assert text.count("\n") == text.count("\r\n") == len(rows)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def synthetic(results: Iterable[Result], rules: Mapping[str, Mapping[str, Any]]) -> ReportInput:
    return ReportInput(source=Path("synthetic"), run_dir=Path("/nonexistent/synthetic-run"),
                       manifest={"run_id": "20261202T161505Z-synthetic", "period": "2026-Q4"},
                       document={"evaluated_at": "2026-12-02T16:15:09Z"},
                       evaluation=Evaluation(results=tuple(results), rules=dict(rules)),
                       catalogue=None, provenance=Provenance(False, None, None))


RULES: dict[str, dict[str, Any]] = {
    "s3-encrypted": {"title": "S3 buckets are encrypted", "area": "encryption",
                     "severity": "high", "resource_type": "aws.s3.bucket",
                     "controls": ["164.312(a)(2)(iv)"], "remediation": "Encrypt it."},
    LATENCY_RULE: {"title": "Leavers' accounts disabled within the SLA", "area": "offboarding",
                   "severity": "high", "resource_type": "person",
                   "controls": ["164.308(a)(3)(ii)(C)"], "remediation": "Disable them.",
                   "parameters": {"sla_hours": 24}, "check": "deprovisioning_latency"},
}


def bucket(status: Status, name: str, **more: Any) -> Result:
    fields: dict[str, Any] = {
        "rule_id": "s3-encrypted", "status": status, "severity": Severity.HIGH,
        "resource_id": f"arn:aws:s3:::{name}", "resource_type": "aws.s3.bucket",
        "account": "123456789012", "region": "us-east-1", "controls": ("164.312(a)(2)(iv)",),
        "message": f"bucket {name} is not encrypted", "resource_name": name,
        "records": (RecordRef("Encryption", "snapshots/x/s3/GetBucketEncryption.json",
                              "/response/Rules"),)}
    fields.update(more)
    return Result(**fields)


def leaver(number: int, name: str, status: Status = Status.FAIL,
           accounts: list[dict[str, Any]] | None = None, *, facts: bool = True,
           left: str = "2026-11-07T15:59:59Z") -> Result:
    account = {"system": "okta", "tenant": "northbridge.okta.com",
               "login": f"p{number}@meridian-cs.example", "disabled_at": None,
               "latency_hours": 600.3, "last_sign_in": "2026-11-10T15:59:59Z"}
    return Result(
        rule_id=LATENCY_RULE, status=status, severity=Severity.HIGH,
        resource_id=f"person:vendor:meridian:M-{number}", resource_type="person",
        account="people", region="global", controls=("164.308(a)(3)(ii)(C)",),
        message=f"{name} left", resource_name=name,
        facts={"terminated_at": left, "terminated_by": "Meridian Contact Services",
               "accounts": [account] if accounts is None else accounts} if facts else None)


# the demo run


def test_findings_are_the_runs_fail_error_and_waived_results_worst_first(
        demo_report: ReportInput) -> None:
    rows = read(artifacts(demo_report)["findings.csv"], FINDING_COLUMNS)
    results = {r.id: r for r in demo_report.evaluation.results}
    expected = {i for i, r in results.items() if r.status.value in FINDING_STATUSES}
    assert len(rows) == len(expected) and {row["result_id"] for row in rows} == expected
    counts = demo_report.evaluation.counts()
    assert len(rows) == counts["FAIL"] + counts["ERROR"] + counts["WAIVED"]
    order = [(-Severity.parse(row["severity"]), row["rule_id"], row["account"],
              row["resource_id"]) for row in rows]
    assert order == sorted(order)
    for row in rows:
        found = results[row["result_id"]]
        rule = demo_report.rules[found.rule_id]
        assert row["status"] == found.status.value
        assert (row["rule_title"], row["area"]) == (rule["title"], rule["area"])
        assert row["controls"].split(";") == list(found.controls)
        assert (row["resource_id"], row["resource_name"], row["message"]) == \
            (neutralise(found.resource_id), neutralise(found.resource_name),
             neutralise(found.message))
        if found.records:
            assert (row["evidence_file"], row["evidence_pointer"]) == \
                (found.records[0].file, found.records[0].pointer)
    [waived] = [row for row in rows if row["status"] == "WAIVED"]
    assert (waived["exception_expires"], waived["exception_state"]) == ("2099-12-31", "active")
    assert "PACS migration" in waived["exception_reason"]
    # the demo's public website bucket had an exception that lapsed: it fails, and says so
    lapsed = [row for row in rows if row["status"] == "FAIL" and row["exception_reason"]]
    assert lapsed and {(row["rule_id"], row["exception_state"]) for row in lapsed} == {
        ("s3-bucket-not-public", "expired")}
    assert all(results[row["result_id"]].exception is None for row in rows
               if not row["exception_reason"])


def test_the_demos_leavers_are_the_population_with_their_latencies(
        demo_report: ReportInput) -> None:
    rows = read(artifacts(demo_report)["terminations.csv"], TERMINATION_COLUMNS)
    by_person = {row["person"]: row for row in rows}
    # one account each; the future-dated, the on-leave and the rehired are no leavers
    assert len(rows) == len(by_person) and set(by_person) == DEMO_LEAVERS
    latency = {r.resource_name: r for r in demo_report.evaluation.results
               if r.rule_id == LATENCY_RULE and r.status is not Status.NOT_APPLICABLE}
    assert set(latency) == DEMO_LEAVERS
    for name, row in by_person.items():
        assert (row["status"], row["result_id"]) == (latency[name].status.value,
                                                      latency[name].id)
        assert row["person_id"] == latency[name].resource_id.removeprefix("person:")
    grace, tomas = by_person["Grace Lim"], by_person["Tomas Vega"]
    assert (grace["system"], grace["latency_hours"], grace["status"]) == ("okta", "3", "PASS")
    assert grace["terminated_by"] == "Meridian Contact Services"
    assert grace["signed_in_after_termination"] == "no"
    # Tomas Vega's Okta account was suspended 9 days after he left
    assert (tomas["latency_hours"], tomas["status"]) == ("216", "FAIL") and tomas["disabled_at"]
    ruth = by_person["Ruth Okafor"]
    assert (ruth["system"], ruth["latency_hours"], ruth["status"]) == ("entra", "3", "PASS")
    assert ruth["terminated_by"] == "workday-workers.csv"
    # still active and signed in to after they left
    for name, system in (("Daniel Reyes", "okta"), ("Leo Park", "entra")):
        row = by_person[name]
        assert (row["system"], row["status"], row["disabled_at"]) == (system, "FAIL", "")
        assert float(row["latency_hours"]) > 24
        assert row["signed_in_after_termination"] == "yes"
    assert [row["terminated_at"] for row in rows] == sorted(row["terminated_at"] for row in rows)


def test_the_demo_sample_can_be_drawn_again_from_the_files_alone(
        demo_report: ReportInput) -> None:
    made = artifacts(demo_report, Options(sample=3, seed="2026-Q4 walkthrough"))
    assert list(made) == ["findings.csv", "terminations.csv", "coverage.csv",
                          "terminations-sample.csv",
                          "sampling.txt"]
    population = read(made["terminations.csv"], TERMINATION_COLUMNS)
    sample = read(made["terminations-sample.csv"], TERMINATION_COLUMNS)
    note = made["sampling.txt"].data.decode("utf-8")
    assert f"population sha256: {hashlib.sha256(made['terminations.csv'].data).hexdigest()}" \
        in note
    assert "population: terminations.csv, 5 people in 5 rows" in note
    assert "sample size asked: 3" in note and "seed: 2026-Q4 walkthrough" in note
    assert f"algorithm: {sampling.ALGORITHM}" in note
    # what an auditor does with the note: rank each person by SHA-256, keep the 3 smallest
    ranks = sorted((hashlib.sha256(f"2026-Q4 walkthrough\n{row['person_id']}\n"
                                   f"{row['terminated_at']}".encode()).hexdigest(), i)
                   for i, row in enumerate(population))
    chosen = sorted(i for _, i in ranks[:3])
    assert sample == [population[i] for i in chosen]
    for rank, _ in ranks[:3]:
        assert rank in note


# options


def test_a_sample_needs_a_seed_and_a_whole_number(demo_report: ReportInput) -> None:
    with pytest.raises(ValueError, match="seed"):
        FORMAT.render(demo_report, Options(sample=3))
    with pytest.raises(ValueError, match="seed"):
        FORMAT.render(demo_report, Options(sample=3, seed=""))
    with pytest.raises(ValueError, match="leading or trailing"):
        FORMAT.render(demo_report, Options(sample=3, seed="two\nlines"))
    with pytest.raises(ValueError, match="0 or more"):
        FORMAT.render(demo_report, Options(sample=-1, seed="s"))
    assert set(artifacts(demo_report, Options(seed="only a seed"))) == {
        "findings.csv", "terminations.csv", "coverage.csv"}


def test_a_sample_of_none_and_a_sample_of_more_than_everyone(demo_report: ReportInput) -> None:
    none = artifacts(demo_report, Options(sample=0, seed="s"))
    assert read(none["terminations-sample.csv"], TERMINATION_COLUMNS) == []
    assert none["terminations-sample.csv"].data == \
        (",".join(TERMINATION_COLUMNS) + "\r\n").encode()
    everyone = artifacts(demo_report, Options(sample=50, seed="s"))
    assert everyone["terminations-sample.csv"].data == everyone["terminations.csv"].data


def test_the_bytes_depend_on_the_run_and_options_alone(
        demo_run_dir: Path, demo_report: ReportInput) -> None:
    options = Options(sample=2, seed="repeat")
    first = FORMAT.render(demo_report, options)
    with open_run(demo_run_dir) as again:
        assert FORMAT.render(again, options) == first
    shuffled = list(demo_report.evaluation.results)
    random.Random(11).shuffle(shuffled)
    reordered = synthetic(shuffled, demo_report.rules)
    ours = {a.name: a.data for a in first}
    theirs = {a.name: a.data for a in FORMAT.render(reordered, options)}
    for name in ("findings.csv", "terminations.csv", "terminations-sample.csv"):
        assert theirs[name] == ours[name], name


# synthetic runs


def test_no_leavers_gives_the_header_alone() -> None:
    report = synthetic([bucket(Status.FAIL, "b1"), bucket(Status.PASS, "b2")],
                       {"s3-encrypted": RULES["s3-encrypted"]})
    made = artifacts(report, Options(sample=5, seed="s"))
    header = (",".join(TERMINATION_COLUMNS) + "\r\n").encode()
    assert made["terminations.csv"].data == made["terminations-sample.csv"].data == header
    assert "population: terminations.csv, 0 people in 0 rows" in \
        made["sampling.txt"].data.decode()
    assert [row["resource_name"] for row in read(made["findings.csv"], FINDING_COLUMNS)] == \
        ["b1"]


def test_leavers_not_measured_and_people_with_several_accounts() -> None:
    unknown = {"system": "entra", "tenant": "t", "login": "ann@x", "disabled_at": None,
               "latency_hours": None, "unknown": "the audit log was searched from 2026-11-20"}
    two = [{"system": "okta", "tenant": "o", "login": "bo@x", "disabled_at":
            "2026-11-07T18:59:59Z", "latency_hours": 3.0, "last_sign_in": None},
           {"system": "entra", "tenant": "t", "login": "bo@y", "disabled_at":
            "2026-11-08T15:59:59Z", "latency_hours": 24, "last_sign_in": "2026-11-07T15:59:59Z"}]
    report = synthetic([
        leaver(1, "Ann Unmeasured", Status.ERROR, [unknown], left="2026-11-01T00:00:00Z"),
        leaver(2, "Bo Two", Status.PASS, two),
        leaver(3, "Cy Nofacts", Status.ERROR, facts=False),
        leaver(4, "Not In Period", Status.NOT_APPLICABLE),
        bucket(Status.FAIL, "b1"),
    ], RULES)
    rows = read(artifacts(report)["terminations.csv"], TERMINATION_COLUMNS)
    assert [row["person"] for row in rows] == ["Cy Nofacts", "Ann Unmeasured", "Bo Two",
                                               "Bo Two"]
    cy, ann, bo_okta, bo_entra = rows
    assert (cy["status"], cy["system"], cy["latency_hours"], cy["terminated_at"]) == \
        ("ERROR", "", "", "")
    assert cy["unmeasured_reason"] == "Cy Nofacts left"
    assert (ann["status"], ann["latency_hours"], ann["disabled_at"]) == ("ERROR", "", "")
    assert ann["unmeasured_reason"].startswith("the audit log was searched")
    assert ann["signed_in_after_termination"] == "unknown"
    assert (bo_okta["latency_hours"], bo_okta["signed_in_after_termination"]) == ("3", "unknown")
    assert (bo_entra["latency_hours"], bo_entra["signed_in_after_termination"]) == ("24", "no")
    made = artifacts(report, Options(sample=1, seed="pick one"))
    sample = read(made["terminations-sample.csv"], TERMINATION_COLUMNS)
    assert len({row["person_id"] for row in sample}) == 1  # a person comes with all their rows
    assert sample == [row for row in rows if row["person_id"] == sample[0]["person_id"]]


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+SUM(1,2)", "-2+3",
           "@SUM(A1:A2)", "\tindented", "\rcarriage"]


def test_no_cell_starts_a_formula() -> None:
    results = [bucket(Status.FAIL, f"b{i}", resource_name=text, message=text,
                      exception={"reason": text, "expires": "2099-01-01"})
               for i, text in enumerate(HOSTILE)]
    results.append(leaver(7, "=cmd|' /C calc'!A0", accounts=[
        {"system": "okta", "tenant": "+tenant", "login": "@login", "disabled_at": None,
         "latency_hours": 30, "last_sign_in": None}]))
    made = artifacts(synthetic(results, RULES))
    findings = read(made["findings.csv"], FINDING_COLUMNS)
    assert sorted(row["resource_name"] for row in findings if row["rule_id"] ==
                  "s3-encrypted") == sorted("'" + text for text in HOSTILE)
    for row in findings:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    [person] = read(made["terminations.csv"], TERMINATION_COLUMNS)
    assert (person["person"], person["tenant"], person["login"]) == \
        ("'=cmd|' /C calc'!A0", "'+tenant", "'@login")
    assert neutralise("plain") == "plain" and neutralise("") == ""
    assert neutralise("a=b") == "a=b" and neutralise("'=x") == "'=x"


def test_a_large_run_keeps_every_finding_and_leaver() -> None:
    # (render time at 100,000 results is measured by benchmarks/report_formats.py)
    results: list[Result] = []
    for i in range(18_000):
        results.append(bucket([Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED][i % 4],
                              f"bucket-{i}", severity=Severity(i % 5)))
    for i in range(2_000):
        results.append(leaver(i, f"Person {i}", left=f"2026-11-{i % 28 + 1:02d}T05:59:59Z"))
    report = synthetic(results, RULES)
    made = artifacts(report, Options(sample=100, seed="big"))
    assert made["findings.csv"].data.count(b"\r\n") == 1 + 13_500 + 2_000
    assert made["terminations.csv"].data.count(b"\r\n") == 1 + 2_000
    assert made["terminations-sample.csv"].data.count(b"\r\n") == 1 + 100


# the sampling algorithm


def population(size: int) -> list[tuple[str, str]]:
    return [(f"hr:w.csv:NB-{i:04d}", f"2026-11-{i % 28 + 1:02d}T05:59:59Z") for i in range(size)]


keys = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=25)), max_size=60)
seeds = st.text(min_size=1, max_size=20).filter(
    lambda s: s == s.strip() and s.isprintable())


@settings(max_examples=200, deadline=None)
@given(keys=keys, size=st.integers(min_value=0, max_value=70), seed=seeds)
def test_a_sample_is_a_subset_of_the_right_size_drawn_the_same_each_time(
        keys: list[tuple[str, str]], size: int, seed: str) -> None:
    chosen = sampling.choose(keys, size, seed)
    assert chosen == sorted(set(chosen))  # no member twice, in population order
    assert all(0 <= p < len(keys) for p in chosen)
    assert len(chosen) == min(size, len(keys))
    assert sampling.choose(keys, size, seed) == chosen
    assert sampling.choose(list(keys), size, str(seed)) == chosen
    # the documented rule, done the slow way
    ranked = sorted(range(len(keys)), key=lambda p: (
        hashlib.sha256("\n".join((seed, *keys[p])).encode()).hexdigest(), p))
    assert chosen == sorted(ranked[:size])


@settings(max_examples=50, deadline=None)
@given(first=seeds, second=seeds)
def test_different_seeds_almost_always_draw_different_samples(first: str, second: str) -> None:
    if first != second:
        # 10 of 200: two seeds agree with probability 1 / C(200, 10), about 4e-17
        assert sampling.choose(population(200), 10, first) != \
            sampling.choose(population(200), 10, second)


def test_the_algorithm_is_pinned() -> None:
    """Changing how a sample is drawn would make earlier samples irreproducible: a new
    algorithm needs a new name (sampling.ALGORITHM)."""
    assert sampling.ALGORITHM == "sha256-rank-v1"
    assert sampling.choose(population(20), 5, "Q4-2026 audit") == [5, 7, 12, 13, 19]
    assert sampling.rank("Q4-2026 audit", population(1)[0]) == hashlib.sha256(
        b"Q4-2026 audit\nhr:w.csv:NB-0000\n2026-11-01T05:59:59Z").hexdigest()


def test_a_sample_is_the_same_in_another_process_with_another_hash_seed() -> None:
    script = ("import json, sys\n"
              "from govkit.report.sampling import choose\n"
              "keys = [tuple(k) for k in json.loads(sys.stdin.read())]\n"
              "print(json.dumps([choose(keys, n, s) for n, s in "
              "[(0, 'a'), (7, 'b'), (50, 'c'), (500, 'd')]]))\n")
    keys = population(300)
    here = [sampling.choose(keys, n, s) for n, s in [(0, "a"), (7, "b"), (50, "c"), (500, "d")]]
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], input=json.dumps(keys),
                              capture_output=True, text=True, env=env, check=True,
                              timeout=120)
        assert json.loads(done.stdout) == here


def test_coverage_lists_every_control_with_its_rules_results_and_crosswalks(
        demo_report: ReportInput) -> None:
    made = artifacts(demo_report, Options())
    rows = list(csv.DictReader(io.StringIO(made["coverage.csv"].data.decode("utf-8"))))
    assert demo_report.catalogue is not None
    assert [r["control_id"] for r in rows] == [c.id for c in demo_report.catalogue.controls]
    by_id = {r["control_id"]: r for r in rows}
    termination = by_id["164.308(a)(3)(ii)(C)"]
    assert "offboarding-deprovisioning-latency" in termination["rules"].split(";")
    assert int(termination["FAIL"]) > 0 and termination["state"] == "FAIL"
    assert "PS-4" in termination["nist_800_53r5"].split(";")
    manual = [r for r in rows if r["state"] == "MANUAL"]
    assert manual and all(r["manual_evidence"] and not r["rules"] for r in manual)

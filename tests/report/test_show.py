"""Following a finding to its records: every pointer of the demo run resolves, ids are stable,
and the library behind `govkit show` finds, resolves and prints one result."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError, UsageError
from govkit.policy.loader import load_policy_set
from govkit.report.show import (
    MAX_VALUE_LINES, find_result, load_finding, render_text, resolve_pointer)
from govkit.results import result_id
from govkit.run import RESULTS, Run, replay_results

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def rfc6901(document: Any, pointer: str) -> Any:
    """A strict, separate reading of RFC 6901, so the test does not trust govkit's own."""
    if pointer == "":
        return document
    assert pointer.startswith("/"), pointer
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(document, list):
            assert re.fullmatch(r"0|[1-9][0-9]*", token), (pointer, token)
            document = document[int(token)]
        else:
            assert isinstance(document, dict), (pointer, token)
            document = document[token]
    return document


@pytest.fixture(scope="module")
def results(demo_run: Run) -> list[dict[str, Any]]:
    document = json.loads((demo_run.path / RESULTS).read_bytes())
    found: list[dict[str, Any]] = document["results"]
    return found


def test_every_pointer_of_every_result_names_a_value_in_its_snapshot_file(
        demo_run: Run, results: list[dict[str, Any]]) -> None:
    files: dict[str, Any] = {}
    checked = 0
    for result in results:
        assert result["records"] or result["status"] == "ERROR", result
        for record in result["records"]:
            # a source the run was not configured to read points at the manifest's sources
            assert record["file"].startswith("snapshots/") or \
                record == {"attribute": "*", "file": "manifest.json", "pointer": "/sources"}, \
                record
            if record["file"] not in files:
                files[record["file"]] = json.loads((demo_run.path / record["file"]).read_bytes())
            value = rfc6901(files[record["file"]], record["pointer"])
            if "row" in record:
                assert record["pointer"] == "/response/Content"
                lines = io.StringIO(value).readlines()
                header = next(csv.reader([lines[0]]))
                row = dict(zip(header, next(csv.reader([lines[record["row"] - 1]])),
                               strict=True))
                assert row["arn"] == result["resource_id"] or \
                    result["resource_type"] == "aws.account", (result["id"], row)
            checked += 1
    assert checked > len(results)


def test_judged_results_have_a_record_for_every_attribute_the_rule_read(
        results: list[dict[str, Any]]) -> None:
    rules = load_policy_set().by_id()
    for result in results:
        if result["status"] not in ("PASS", "FAIL", "WAIVED"):
            continue
        rule = rules[result["rule_id"]]
        read = rule.reads | rule.scope_reads | ({"Tags"} if rule.scope_phi else set())
        assert read - {"Id", "Name", "Account", "Region"} <= \
            {r["attribute"] for r in result["records"]}, result


def test_records_point_into_the_values_they_name(results: list[dict[str, Any]]) -> None:
    by_rule = {(r["rule_id"], r["resource_name"]): r for r in results}
    encryption = by_rule[("s3-phi-bucket-kms-encryption", "nbh-billing-statements-1")]["records"]
    assert {"attribute": "DefaultEncryption",
            "pointer": "/response/ServerSideEncryptionConfiguration"}.items() <= \
        next(r for r in encryption if r["attribute"] == "DefaultEncryption").items()
    user = by_rule[("iam-user-no-direct-policies", "lchen.nbh")]["records"]
    assert all(re.fullmatch(r"/response/UserDetailList/\d+", r["pointer"]) for r in user), user
    keys = by_rule[("iam-user-access-key-rotated", "rpatel.nbh")]["records"]
    assert [r["pointer"] for r in keys] == ["/response/Content",
                                            "/response/AccessKeyMetadata"], keys
    assert keys[0]["row"] > 1 and "/iam/ListAccessKeys." in keys[1]["file"]


def test_result_ids_are_unique_and_stable_across_replay(demo_run: Run,
                                                        results: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in results]
    assert len(set(ids)) == len(ids)
    assert all(r["id"] == result_id(r["rule_id"], r["resource_id"]) for r in results)
    stored = (demo_run.path / RESULTS).read_bytes()
    assert replay_results(demo_run.path) == stored


def test_the_readme_example_shows_a_finding_of_the_demo_estate(
        results: list[dict[str, Any]]) -> None:
    shown = re.findall(r"^\$ govkit show \S+ ([0-9a-f]+)", README, re.M)
    assert shown, "the README shows no `govkit show` example"
    ids = {r["id"]: r for r in results}
    for wanted in shown:
        assert wanted in ids, f"README id {wanted} is not a result of the demo estate"
        assert ids[wanted]["status"] == "FAIL"


def test_a_prefix_finds_the_result_and_prints_its_records(demo_run: Run,
                                                          results: list[dict[str, Any]]
                                                          ) -> None:
    wanted = next(r for r in results if r["rule_id"] == "iam-user-access-key-rotated"
                  and r["resource_name"] == "rpatel.nbh")
    finding = load_finding(demo_run.path, wanted["id"][:7].upper())
    assert finding.result["id"] == wanted["id"]
    text = render_text(finding)
    assert f"Result {wanted['id']}" in text and "rpatel.nbh" in text
    assert "Create a second key" in text  # the rule's remediation
    assert "iam:GetCredentialReport in 123456789012/global: ok" in text
    assert "iam:ListAccessKeys (UserName=rpatel.nbh, page=1)" in text
    assert re.search(r"line \d+ rpatel\.nbh,arn:aws:iam::123456789012:user/rpatel\.nbh,",
                     text), text
    document = finding.to_json()
    [report_row, key_list] = document["records"]
    assert report_row["value"]["user"] == "rpatel.nbh"
    assert {k["AccessKeyId"] for k in key_list["value"]} == \
        {k["AccessKeyId"] for k in json.loads(json.dumps(key_list["value"]))}
    assert key_list["call"]["operation"] == "ListAccessKeys"


def test_long_values_are_cut_with_a_note(demo_run: Run, results: list[dict[str, Any]]) -> None:
    def long(record: dict[str, Any]) -> bool:
        value = rfc6901(json.loads((demo_run.path / record["file"]).read_bytes()),
                        record["pointer"])
        return "row" not in record and len(json.dumps(value, indent=2).splitlines()) > \
            MAX_VALUE_LINES
    wanted = next(r for r in results if len(r["records"]) == 1 and long(r["records"][0]))
    text = render_text(load_finding(demo_run.path, wanted["id"]))
    assert re.search(r"\.\.\. \d+ more lines \(the whole value is at snapshots/\S+#/", text)
    value = text.split("    value  ", 1)[1].splitlines()
    assert len(value) == MAX_VALUE_LINES + 1


def test_unknown_short_and_ambiguous_ids_are_refused() -> None:
    results = [{"id": "abcdef000001", "rule_id": "r1", "resource_id": "a", "status": "FAIL"},
               {"id": "abcdef000002", "rule_id": "r2", "resource_id": "b", "status": "PASS"},
               {"id": "123456abcdef", "rule_id": "r3", "resource_id": "c", "status": "PASS"}]
    where = Path("runs/x")
    assert find_result(results, "abcdef000002", where)["rule_id"] == "r2"
    assert find_result(results, "123456", where)["rule_id"] == "r3"
    with pytest.raises(UsageError, match="(?s)ambiguous.*abcdef000001.*abcdef000002"):
        find_result(results, "abcdef", where)
    with pytest.raises(UsageError, match="too short"):
        find_result(results, "abc", where)
    with pytest.raises(UsageError, match="runs/x has no result with id 'ffffff'"):
        find_result(results, "ffffff", where)


def test_pointers_follow_rfc_6901() -> None:
    document = {"a/b": {"m~n": [10, 20]}, "": 1}
    assert resolve_pointer(document, "/a~1b/m~0n/1") == 20
    assert resolve_pointer(document, "/") == 1
    assert resolve_pointer(document, "") is document
    for bad in ("/a~1b/m~0n/01", "/a~1b/m~0n/2", "/a~1b/m~0n/-", "/missing", "a"):
        with pytest.raises(InputError):
            resolve_pointer(document, bad)


def test_a_folder_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run directory"):
        load_finding(tmp_path, "abcdef")


def test_a_cell_of_an_hr_export_resolves_to_the_cell_and_its_line(demo_run_dir: Path) -> None:
    """HR and roster records point at one cell of the rows read from the export; their row is
    the line of the export it came from, not a line of CSV text in the record."""
    from govkit.report.show import load_finding
    from govkit.report.source import open_run

    with open_run(demo_run_dir) as report:
        wanted = next(r for r in report.evaluation.results
                      if any(ref.row is not None and "/rows/" in ref.pointer
                             for ref in r.records))
    finding = load_finding(demo_run_dir, wanted.id)
    cells = [r for r in finding.records if r.row is not None and "/rows/" in r.pointer]
    assert cells and all(r.csv_row is None and isinstance(r.value, str) for r in cells)

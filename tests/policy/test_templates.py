"""Finding messages: templates over the resource, its items and the rule's parameter values,
checked when a rule is loaded; rules that judge each item of a list name the failing items."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from govkit.errors import InputError
from govkit.policy import templates
from govkit.policy.cases import case_resource, run_all
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import load_policy_set, load_rule
from govkit.results import Status

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


def render(text: str, document: object, **parameters: object) -> str:
    return templates.render(templates.parse(text), document=document, resource=document,
                            parameters=parameters, now=NOW)


def test_slots_render_values_with_filters() -> None:
    key = {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Slot": 2,
           "LastRotated": "2025-01-25T00:00:00+00:00", "Tags": ["a", "b"]}
    assert render("key {AccessKeyId|mask} (slot {Slot}) created {LastRotated|date}, "
                  "{LastRotated|days_ago} days ago; limit {param.days} days; {Tags|list}; "
                  "{Tags|count} tags; {{literal}}", key, days=90) == \
        "key AKIA…PLE (slot 2) created 2025-01-25, 400 days ago; limit 90 days; a, b; " \
        "2 tags; {literal}"
    assert render("{Missing} / {Missing|date} / {Empty|list}", {"Empty": []}) == \
        "not set / an unknown date / none"


def test_days_until_counts_whole_days_ahead_and_below_zero_once_passed() -> None:
    assert render("{NotAfter|date}: {NotAfter|days_until} days left",
                  {"NotAfter": "2026-03-11T12:00:00+00:00"}) == "2026-03-11: 10 days left"
    assert render("{NotAfter|days_until}", {"NotAfter": "2026-02-24T00:00:00Z"}) == "-5"
    assert render("{NotAfter|days_until}", {"NotAfter": None}) == "an unknown number of"


@pytest.mark.parametrize(("text", "complaint"), [
    ("the key {Slot", "unbalanced '{'"),
    ("the key Slot}", "unbalanced '}'"),
    ("{Slot|shout}", "unknown filter 'shout'"),
    ("{Slot + 1}", "is not a field path"),
])
def test_malformed_templates_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(templates.TemplateError, match=complaint):
        templates.parse(text)


RULE = """\
id: key-age
title: Keys are young
resource: aws.iam.user
severity: medium
parameters:
  max_days: {type: integer, minimum: 1, maximum: 3650, default: 90, description: Days.}
for_each:
  items: ActiveAccessKeys
  name: "access key {AccessKeyId|mask} (slot {Slot})"
assert:
  key: LastRotated
  op: newer_than
  days: {param: max_days}
  message: "created {LastRotated|date}, {LastRotated|days_ago} days old; limit {param.max_days}"
remediation: Rotate the key, then delete the old one.
controls: ["164.308(a)(5)(ii)(D)"]
tests:
  evaluated_at: "2026-03-01T00:00:00Z"
  pass:
    - name: none
      resource: {ActiveAccessKeys: []}
  fail:
    - name: old
      resource:
        ActiveAccessKeys: [{Slot: 1, AccessKeyId: AKIAIOSFODNN7OLDKEY1,
                            LastRotated: "2025-01-25T00:00:00+00:00"}]
      message_contains: ["access key AKIA…EY1 (slot 1): created 2025-01-25, 400 days old"]
"""


def write_rule(folder: Path, text: str) -> Path:
    path = folder / "access" / "key-age.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_rule_judging_each_item_names_the_failing_ones(tmp_path: Path) -> None:
    rule = load_rule(write_rule(tmp_path, RULE), "access")
    resource = case_resource(rule, "two-keys", {"Name": "rpatel.nbh", "ActiveAccessKeys": [
        {"Slot": 1, "AccessKeyId": "AKIAIOSFODNN7FRESH01", "LastRotated": "2026-02-01T00:00:00Z"},
        {"Slot": 2, "AccessKeyId": "AKIAIOSFODNN7OLDKEY2", "LastRotated": "2025-10-18T00:00:00Z"},
    ]})
    result = judge(rule, resource, settings=Settings(), now=NOW)
    assert result is not None and result.status is Status.FAIL
    assert result.message == ("access key AKIA…EY2 (slot 2): created 2025-10-18, 134 days old; "
                              "limit 90")
    assert all(o.ok for o in run_all([rule]))


@pytest.mark.parametrize(("change", "line", "field", "complaint"), [
    (("limit {param.max_days}", "limit {param.max_age}"), 14, "assert.message",
     "unknown parameter 'max_age'"),
    (("created {LastRotated|date}", "created {Rotated|date}"), 14, "assert.message",
     "unknown field 'Rotated'"),
    (("(slot {Slot})", "(slot {Slot|upper})"), 9, "for_each.name", "unknown filter 'upper'"),
    (("key: LastRotated", "key: Rotated"), 11, "key", "unknown field 'Rotated'"),
    (("items: ActiveAccessKeys", "items: ActiveKeys"), 8, "for_each.items",
     "unknown field 'ActiveKeys'"),
    (("resource: aws.iam.user", "resource: aws.iam.users"), 3, "resource",
     "unknown resource type 'aws.iam.users'"),
])
def test_template_and_field_mistakes_name_file_line_and_field(
        tmp_path: Path, change: tuple[str, str], line: int, field: str, complaint: str) -> None:
    path = write_rule(tmp_path, RULE.replace(*change))
    with pytest.raises(InputError) as caught:
        load_rule(path, "access")
    assert (caught.value.line, caught.value.field) == (line, field)
    assert complaint in str(caught.value)


def test_policies_validate_refuses_a_bad_template_with_exit_2(tmp_path: Path) -> None:
    write_rule(tmp_path, RULE.replace("limit {param.max_days}", "limit {param.max_age}"))
    process = subprocess.run([sys.executable, "-m", "govkit", "policies", "validate",
                              str(tmp_path)], capture_output=True, text=True, check=False)
    assert process.returncode == 2, process.stderr
    assert "key-age.yaml:14" in process.stderr
    assert "unknown parameter 'max_age'" in process.stderr
    assert "assert.message" in process.stderr and "Traceback" not in process.stderr


def test_every_built_in_fail_case_states_its_key_facts() -> None:
    rules = load_policy_set().rules
    lacking = [f"{rule.id} [{case['name']}]" for rule in rules
               for case in rule.tests.get("fail") or [] if not case.get("message_contains")]
    assert not lacking, textwrap.fill(", ".join(lacking))
    failed = [o for o in run_all(rules) if not o.ok]
    assert not failed, failed


def test_no_built_in_message_hedges_between_wrong_and_unknown() -> None:
    for rule in load_policy_set().rules:
        text = rule.text.decode()
        for hedge in ("could not be read", "or unknown", "could not be resolved"):
            assert hedge not in text, f"{rule.path}: '{hedge}'"

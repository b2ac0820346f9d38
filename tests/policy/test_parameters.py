"""Typed rule parameters: declarations, defaults, test-case overrides and --param values."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import InputError, UsageError
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set, load_rule
from govkit.policy.parameters import (
    DeclarationError, Parameter, ParameterType, declare, problem_with)
from govkit.run import check_parameters

KEY_AGE = declare("max_key_age_days", {"type": "integer", "minimum": 1, "maximum": 3650,
                                       "default": 90, "description": "Days."})
DEVICES = declare("allowed_device_types", {"type": "string-list", "default": [],
                                           "enum": ["Web", "Ios"], "description": "Types."})


@pytest.mark.parametrize(("parameter", "value", "message"), [
    (KEY_AGE, "abc", "expected a whole number from 1 to 3650, got 'abc'"),
    (KEY_AGE, [1, 2], "expected a whole number from 1 to 3650, got [1, 2]"),
    (KEY_AGE, 99999999999, "expected a whole number from 1 to 3650, got 99999999999"),
    (KEY_AGE, -30, "expected a whole number from 1 to 3650, got -30"),
    (KEY_AGE, 0, "expected a whole number from 1 to 3650, got 0"),
    (KEY_AGE, 30.0, "expected a whole number from 1 to 3650, got 30.0"),
    (KEY_AGE, True, "expected a whole number from 1 to 3650, got true"),
    (KEY_AGE, None, "expected a whole number from 1 to 3650, got null"),
    (KEY_AGE, "2024-01-01", "expected a whole number from 1 to 3650, got '2024-01-01'"),
    (DEVICES, "Web", "expected a list of strings, each one of Web, Ios, got 'Web'"),
    (DEVICES, ["Web", "Mac"], "expected a list of strings, each one of Web, Ios, got "
                              "['Web', 'Mac']"),
    (DEVICES, [1], "expected a list of strings, each one of Web, Ios, got [1]"),
])
def test_problem_with_says_what_was_expected_and_what_came(parameter: Parameter, value: Any,
                                                           message: str) -> None:
    assert problem_with(parameter, value) == message


@pytest.mark.parametrize(("parameter", "value"), [
    (KEY_AGE, 1), (KEY_AGE, 3650), (DEVICES, []), (DEVICES, ["Ios", "Web"]),
])
def test_values_in_range_suit(parameter: Parameter, value: Any) -> None:
    assert problem_with(parameter, value) is None


@pytest.mark.parametrize(("declaration", "ok", "bad"), [
    ({"type": "number", "minimum": 0.5, "maximum": 2.5}, [0.5, 1, 2.5], [0.4, float("nan"),
                                                                        float("inf"), "1"]),
    ({"type": "string"}, ["", "any text"], [1, None, ["a"]]),
    ({"type": "string", "enum": ["low", "high"]}, ["low"], ["medium", "LOW"]),
    ({"type": "boolean"}, [True, False], [0, "true", None]),
    ({"type": "string-list"}, [[], ["123456789012"]], [[123456789012], "a", [["a"]]]),
])
def test_each_type(declaration: dict[str, Any], ok: list[Any], bad: list[Any]) -> None:
    parameter = declare("p", {**declaration, "default": ok[0], "description": "P."})
    assert parameter.type is ParameterType(declaration["type"])
    assert [v for v in ok if problem_with(parameter, v) is not None] == []
    assert [v for v in bad if problem_with(parameter, v) is None] == []


@pytest.mark.parametrize(("declaration", "field", "words"), [
    ({"type": "integer", "maximum": 10, "default": 1}, "minimum", "needs a minimum and a maximum"),
    ({"type": "integer", "minimum": 10, "maximum": 1, "default": 5}, "maximum", "below minimum"),
    ({"type": "integer", "minimum": 0.5, "maximum": 9, "default": 5}, "minimum",
     "must be a whole number"),
    ({"type": "integer", "minimum": 1, "maximum": 9, "default": 10}, "default",
     "expected a whole number from 1 to 9, got 10"),
    ({"type": "string", "minimum": 1, "default": "a"}, "minimum", "apply to integer and number"),
    ({"type": "boolean", "enum": ["a"], "default": True}, "enum", "enum applies to string"),
    ({"type": "string", "enum": ["a"], "default": "b"}, "default", "expected one of a, got 'b'"),
])
def test_inconsistent_declarations(declaration: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(DeclarationError) as caught:
        declare("p", {**declaration, "description": "P."})
    assert caught.value.field == field
    assert words in str(caught.value)


RULE = """\
id: key-age
title: Access keys are young enough
resource: aws.iam.user
severity: medium
parameters:
  max_age:
    type: integer
    minimum: 1
    maximum: 3650
    default: 90
    description: Days.
assert:
  key: PasswordLastChanged
  op: newer_than
  days: {param: max_age}
remediation: Rotate the key, then delete the old one.
controls: ["164.308(a)(5)(ii)(D)"]
tests:
  evaluated_at: "2026-03-01T00:00:00Z"
  pass:
    - name: fresh
      resource: {PasswordLastChanged: "2026-02-01T00:00:00+00:00"}
  fail:
    - name: old for a stricter limit
      parameters: {max_age: 10}
      resource: {PasswordLastChanged: "2026-02-01T00:00:00+00:00"}
"""


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "access" / "key-age.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text))
    load_rule(path, "access")


def test_a_typed_rule_loads(tmp_path: Path) -> None:
    path = tmp_path / "key-age.yaml"
    path.write_text(RULE)
    rule = load_rule(path, "access")
    assert rule.parameters == {"max_age": 90}
    assert rule.declarations["max_age"].maximum == 3650


@pytest.mark.parametrize(("change", "line", "field", "words"), [
    (("    type: integer\n", ""), 7, "parameters.max_age", "'type' is a required property"),
    (("    maximum: 3650\n", ""), 7, "parameters.max_age", "'maximum' is a required property"),
    (("type: integer", "type: whole"), 7, "parameters.max_age.type", "'whole' is not one of"),
    (("type: integer", "type: string"), 8, "parameters.max_age.minimum",
     "apply to integer and number parameters, not to string"),
    (("default: 90", "default: 0"), 10, "parameters.max_age.default",
     "expected a whole number from 1 to 3650, got 0"),
    (("maximum: 3650", "maximum: 99999"), 9, "parameters.max_age.maximum",
     "counts days, so its maximum must be at most 36500"),
    (("type: integer", "type: number"), 15, "days.param",
     "declared as type number; it must be declared as type integer"),
    (("parameters: {max_age: 10}", "parameters: {max_age: abc}"), 25,
     "tests.fail.0.parameters.max_age", "expected a whole number from 1 to 3650, got 'abc'"),
    (("parameters: {max_age: 10}", "parameters: {max_age: -30}"), 25,
     "tests.fail.0.parameters.max_age", "got -30"),
    (("parameters: {max_age: 10}", "parameters: {max_days: 10}"), 25,
     "tests.fail.0.parameters.max_days", "unknown parameter 'max_days'"),
    (("  max_age:\n", "  Max-Age:\n"), 6, "parameters", "does not match"),
])
def test_bad_parameters_name_file_line_and_field(tmp_path: Path, change: tuple[str, str],
                                                 line: int, field: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        load(tmp_path, RULE.replace(*change))
    error = caught.value
    assert error.path.endswith("key-age.yaml")
    assert (error.line, error.field) == (line, field)
    assert words in str(error)


def test_comparisons_need_a_number_and_set_operators_a_list(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="it must be declared as type string-list"):
        load(tmp_path, RULE.replace("  op: newer_than\n  days: {param: max_age}",
                                    "  op: subset_of\n  value: {param: max_age}"))
    load(tmp_path, RULE.replace("  op: newer_than\n  days: {param: max_age}",
                                "  op: ge\n  value: {param: max_age}"))


def test_a_literal_mapping_value_is_not_a_parameter(tmp_path: Path) -> None:
    load(tmp_path, RULE.replace("  op: newer_than\n  days: {param: max_age}",
                                "  op: eq\n  value: {Status: Enabled}"))


def test_a_jmespath_key_nested_too_deep_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nested more than 100 levels") as caught:
        load(tmp_path, RULE.replace("key: PasswordLastChanged", "key: '" + "!" * 3000 + "a'"))
    assert caught.value.field == "key"


def test_with_parameters_checks_names_and_values(tmp_path: Path) -> None:
    path = tmp_path / "key-age.yaml"
    path.write_text(RULE)
    rule = load_rule(path, "access")
    assert rule.with_parameters({"max_age": 30}).parameters == {"max_age": 30}
    with pytest.raises(UsageError, match="rule 'key-age' has no parameter 'max_days'"):
        rule.with_parameters({"max_days": 30})
    with pytest.raises(UsageError, match="parameter 'max_age': expected a whole number"):
        rule.with_parameters({"max_age": "30"})


def test_every_builtin_parameter_is_typed_and_ranged() -> None:
    for rule in load_policy_set().rules:
        for name, parameter in rule.declarations.items():
            assert problem_with(parameter, rule.parameters[name]) is None, (rule.id, name)
            if parameter.type in (ParameterType.INTEGER, ParameterType.NUMBER):
                assert parameter.minimum is not None and parameter.maximum is not None


@pytest.mark.parametrize(("value", "words"), [
    ("abc", "got 'abc'"), ([1, 2], "got [1, 2]"), (99999999999, "got 99999999999"),
    (-30, "got -30"), ("2024-01-01", "got '2024-01-01'"),
])
def test_check_parameters_names_option_rule_parameter_and_range(value: object,
                                                                 words: str) -> None:
    settings = Settings(parameters={"iam-user-access-key-rotated": {"max_key_age_days": value}})
    with pytest.raises(UsageError) as caught:
        check_parameters(load_policy_set(), settings)
    assert str(caught.value) == ("--param iam-user-access-key-rotated.max_key_age_days: "
                                 f"expected a whole number from 1 to 3650, {words}")


def test_check_parameters_accepts_values_in_range() -> None:
    check_parameters(load_policy_set(), Settings(parameters={
        "iam-user-access-key-rotated": {"max_key_age_days": 30},
        "rds-snapshot-not-shared-externally": {"trusted_accounts": ["123456789012"]},
        "workspaces-directory-device-types-restricted": {"allowed_device_types": ["Web"]}}))

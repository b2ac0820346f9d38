"""Operators, nesting and the fields a condition reads."""

from __future__ import annotations

import datetime as dt

import pytest

from govkit.policy.conditions import evaluate, key_roots, root_fields

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def holds(condition: dict, document: dict, **parameters: object) -> bool:
    return evaluate(condition, document, now=NOW, parameters=parameters).holds


@pytest.mark.parametrize(("op", "actual", "value", "expected"), [
    ("eq", "aws:kms", "aws:kms", True),
    ("eq", None, False, False),
    ("ne", "AES256", "aws:kms", True),
    ("in", "aws:kms", ["aws:kms", "aws:kms:dsse"], True),
    ("in", None, ["aws:kms"], False),
    ("not_in", "Web", ["Windows"], True),
    ("contains", ["a", "b"], "b", True),
    ("contains", None, "b", False),
    ("not_contains", ["a"], "b", True),
    ("regex", "nbh-phi-intake", r"^nbh-phi-", True),
    ("regex", 42, r"4", False),
    ("gt", 15, 14, True),
    ("ge", 14, 14, True),
    ("lt", None, 14, False),
    ("le", True, 1, False),  # booleans are not numbers
    ("subset_of", ["Web"], ["Web", "Ios"], True),
    ("subset_of", ["Web", "Android"], [], False),
    ("subset_of", None, [], False),
    ("disjoint_from", ["Windows"], ["Web"], True),
])
def test_operators(op: str, actual: object, value: object, expected: bool) -> None:
    assert holds({"key": "x", "op": op, "value": value}, {"x": actual}) is expected


@pytest.mark.parametrize(("op", "actual", "expected"), [
    ("present", "x", True), ("present", None, False), ("absent", None, True),
    ("empty", [], True), ("empty", None, True), ("empty", ["a"], False),
    ("not_empty", {"a": 1}, True), ("not_empty", "", False),
])
def test_presence_operators(op: str, actual: object, expected: bool) -> None:
    assert holds({"key": "x", "op": op}, {"x": actual}) is expected


def test_dates_are_relative_to_the_evaluation_time() -> None:
    condition = {"key": "d", "op": "older_than", "days": 90}
    assert holds(condition, {"d": "2026-07-01T00:00:00Z"})
    assert not holds(condition, {"d": "2026-10-01T00:00:00Z"})
    assert not holds(condition, {"d": None}), "a missing date is never older"
    assert not holds(condition, {"d": "not a date"})
    assert holds({"key": "d", "op": "newer_than", "days": 45}, {"d": "2026-10-15"})


def test_later_than_asks_for_a_date_beyond_the_window() -> None:
    condition = {"key": "d", "op": "later_than", "days": 30}
    assert holds(condition, {"d": "2027-01-15T00:00:00Z"})  # 75 days ahead
    assert not holds(condition, {"d": "2026-11-11T00:00:00Z"}), "10 days ahead"
    assert not holds(condition, {"d": "2026-12-01T00:00:00Z"}), "exactly 30 days ahead"
    assert not holds(condition, {"d": "2026-10-27T00:00:00Z"}), "already past"
    assert not holds(condition, {"d": None}), "a missing date is never far enough"
    assert not holds(condition, {"d": "soon"})
    assert holds({"key": "d", "op": "later_than", "days": 0}, {"d": "2026-11-01T00:00:01Z"})


def test_later_than_reasons_say_how_far_ahead_the_date_is() -> None:
    condition = {"key": "NotAfter", "op": "later_than", "days": {"param": "min_days"}}
    soon = evaluate(condition, {"NotAfter": "2026-11-11T00:00:00Z"}, now=NOW,
                    parameters={"min_days": 30})
    assert soon.reasons == ("NotAfter is 2026-11-11 (in 10 days); expected a date more than "
                            "30 days after the evaluation",)
    past = evaluate(condition, {"NotAfter": "2026-10-27T00:00:00Z"}, now=NOW,
                    parameters={"min_days": 30})
    assert past.reasons == ("NotAfter is 2026-10-27 (5 days ago); expected a date more than "
                            "30 days after the evaluation",)


def test_parameters_fill_values_and_days() -> None:
    condition = {"all": [{"key": "n", "op": "ge", "value": {"param": "minimum"}},
                         {"key": "d", "op": "newer_than", "days": {"param": "days"}}]}
    document = {"n": 14, "d": "2026-10-30T00:00:00+00:00"}
    assert holds(condition, document, minimum=14, days=5)
    assert not holds(condition, document, minimum=15, days=5)


def test_nesting_and_reasons() -> None:
    condition = {"any": [{"key": "a", "op": "eq", "value": 1},
                         {"not": {"key": "b", "op": "eq", "value": 2}}]}
    assert holds(condition, {"a": 1, "b": 2})
    assert holds(condition, {"a": 0, "b": 3})
    outcome = evaluate(condition, {"a": 0, "b": 2}, now=NOW, parameters={})
    assert not outcome.holds
    assert "a is 0; expected 1" in outcome.reasons[0]


def test_failure_message_names_key_value_and_expectation() -> None:
    outcome = evaluate({"key": "DefaultEncryption.SSEAlgorithm", "op": "in",
                        "value": ["aws:kms"]}, {"DefaultEncryption": {"SSEAlgorithm": "AES256"}},
                       now=NOW, parameters={})
    assert outcome.reasons == ('DefaultEncryption.SSEAlgorithm is "AES256"; expected one of '
                               '["aws:kms"]',)


@pytest.mark.parametrize(("key", "roots"), [
    ("DefaultEncryption.SSEAlgorithm", {"DefaultEncryption"}),
    ("length(Trails[?IsMultiRegionTrail && IsLogging])", {"Trails"}),
    ("AllowedDeviceTypes[?contains(['Web'], @)]", {"AllowedDeviceTypes"}),
    ("a || b.c", {"a", "b"}),
    ("{x: a, y: b}", {"a", "b"}),
    ("@", {"@"}),
    ("Keys[0].Active", {"Keys"}),
])
def test_key_roots(key: str, roots: set[str]) -> None:
    assert key_roots(key) == roots


def test_root_fields_of_nested_conditions() -> None:
    condition = {"all": [{"key": "a.b", "op": "present"},
                         {"not": {"any": [{"key": "c", "op": "eq", "value": 1}]}}]}
    assert root_fields(condition) == {"a", "c"}


def test_key_that_cannot_be_evaluated_fails_with_a_reason() -> None:
    outcome = evaluate({"key": "length(Trails)", "op": "ge", "value": 1}, {"Trails": None},
                       now=NOW, parameters={})
    assert not outcome.holds
    assert "cannot be evaluated" in outcome.reasons[0]

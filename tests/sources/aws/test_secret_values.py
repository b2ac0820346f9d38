"""What a Lambda environment variable's value looks like, told without keeping it, and who a
function's resource policy lets in: pure functions, on hand-written values."""

from __future__ import annotations

import json

import pytest

from govkit.sources.aws.normalize.awslambda import public_grants
from govkit.sources.aws.secret_values import marker, redact_variables, secret_word, shape_of
from govkit.sources.aws.services.awslambda import redact_environment


@pytest.mark.parametrize(("value", "shape"), [
    ("", "empty"), ("   ", "empty"), ("America/Chicago", "text"),
    ("AKIAIOSFODNN7EXAMPLE", "aws-access-key-id"),
    ("user=ASIAIOSFODNN7EXAMPLE;region=us-east-1", "aws-access-key-id"),
    ("XAKIAIOSFODNN7EXAMPLE", "text"),  # part of a longer word is not a key id
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow...", "private-key"),
    ("-----BEGIN CERTIFICATE-----\nMIID...", "text"),
    ("AQICAHh" + "q" * 60 + "==", "kms-ciphertext"),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:nbh/db", "reference"),
    ("arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/nbh/db", "reference"),
    ("arn:aws:s3:::nbh-config/db-password.txt", "text"),
])
def test_shapes(value: str, shape: str) -> None:
    assert shape_of(value) == shape
    assert marker(value) == f"<redacted by govkit: {shape}>"
    assert shape_of(marker(value)) == shape  # a recorded marker reads back as its shape


@pytest.mark.parametrize(("name", "word"), [
    ("DB_PASSWORD", "PASSWORD"), ("stripe-api-key", "API_KEY"), ("OAUTH_CLIENT_SECRET", "SECRET"),
    ("GITHUB_TOKEN", "TOKEN"), ("STAGE", None), ("CLINIC_TIMEZONE", None)])
def test_secret_words_in_names(name: str, word: str | None) -> None:
    assert secret_word(name) == word


def test_a_listing_is_recorded_without_values() -> None:
    answer = {"Functions": [
        {"FunctionName": "a", "Environment": {"Variables": {"DB_PASSWORD": "hunter2",
                                                            "EMPTY": ""}}},
        {"FunctionName": "b"}, {"FunctionName": "c", "Environment": {"Error": {}}}]}
    redact_environment(answer)
    assert answer["Functions"][0]["Environment"]["Variables"] == {
        "DB_PASSWORD": "<redacted by govkit: text>", "EMPTY": "<redacted by govkit: empty>"}
    assert "hunter2" not in json.dumps(answer)
    assert redact_variables(None) is None


def test_public_grants_name_each_statement_open_to_everyone() -> None:
    policy = {"Statement": [
        {"Sid": "open", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["lambda:InvokeFunction", "lambda:GetFunction"]},
        {"Sid": "all-but", "Effect": "Allow", "Principal": "*",
         "NotAction": "lambda:DeleteFunction"},
        {"Sid": "confined", "Effect": "Allow", "Principal": "*",
         "Action": "lambda:InvokeFunction",
         "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"}}},
        {"Sid": "service", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
         "Action": "lambda:InvokeFunction"},
        {"Sid": "denied", "Effect": "Deny", "Principal": "*", "Action": "lambda:*"}]}
    assert public_grants({"Policy": json.dumps(policy)}) == [
        "statement open allows lambda:InvokeFunction, lambda:GetFunction",
        "statement all-but allows every action but lambda:DeleteFunction"]
    assert public_grants({}) == []

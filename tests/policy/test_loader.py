"""Bad rule and exceptions files are rejected with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from govkit.errors import InputError
from govkit.policy.exceptions import load_exceptions
from govkit.policy.loader import load_policy_set

CATALOGUE = """\
id: test-catalogue
title: Test
controls:
  - id: "164.312(a)(2)(iv)"
    citation: "45 CFR 164.312(a)(2)(iv)"
    title: Encryption and decryption
    requirement: addressable
    rules: [volume-encrypted]
"""

GOOD_RULE = """\
id: volume-encrypted
title: Volumes are encrypted
resource: aws.ec2.volume
severity: high
assert:
  key: Encrypted
  op: eq
  value: true
remediation: Recreate the volume from an encrypted snapshot.
controls: ["164.312(a)(2)(iv)"]
tests:
  pass: [{name: ok, resource: {Encrypted: true}}]
  fail: [{name: bad, resource: {Encrypted: false}}]
"""


def write_folder(tmp_path: Path, rule_text: str, name: str = "volume-encrypted") -> Path:
    folder = tmp_path / "rules"
    (folder / "encryption").mkdir(parents=True)
    (folder / "encryption" / f"{name}.yaml").write_text(textwrap.dedent(rule_text))
    (tmp_path / "catalogue.yaml").write_text(CATALOGUE)
    return folder


def load(tmp_path: Path, rule_text: str, name: str = "volume-encrypted") -> None:
    folder = write_folder(tmp_path, rule_text, name)
    load_policy_set([folder], include_builtin=False, catalogue_path=tmp_path / "catalogue.yaml")


def test_a_good_rule_loads(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, GOOD_RULE)
    policies = load_policy_set([folder], include_builtin=False,
                               catalogue_path=tmp_path / "catalogue.yaml")
    assert [r.id for r in policies.rules] == ["volume-encrypted"]
    assert policies.rules[0].area == "encryption"


@pytest.mark.parametrize(("change", "line", "field", "words"), [
    (("severity: high", "severity: urgent"), 4, "severity", "'urgent' is not one of"),
    (("  op: eq", "  op: equals"), 7, "assert.op", "'equals' is not one of"),
    (("  key: Encrypted", "  key: Encrypted[?"), 6, "key", "invalid JMESPath key"),
    (("  value: true", "  value: {param: wanted}"), 8, "value.param", "unknown parameter"),
    (("title: Volumes are encrypted", "title: Volumes are encrypted\nowner: me"), 3, "owner",
     "unknown field 'owner'"),
    (("id: volume-encrypted", "id: other-name"), 1, "id", "must match the file name"),
    (("resource: aws.ec2.volume\n", "resource: aws.ec2.volume\nresource: aws.s3.bucket\n"), 4,
     "resource", "duplicate key"),
])
def test_invalid_rule_names_file_line_and_field(tmp_path: Path, change: tuple[str, str],
                                                line: int, field: str | None,
                                                words: str) -> None:
    with pytest.raises(InputError) as caught:
        load(tmp_path, GOOD_RULE.replace(*change))
    error = caught.value
    assert error.path.endswith("volume-encrypted.yaml")
    assert error.line == line
    if field is not None:
        assert error.field == field
    assert words in str(error)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load(tmp_path, GOOD_RULE.replace("  value: true", "  value: [true"))
    assert caught.value.line is not None and caught.value.line >= 8
    assert "invalid YAML" in str(caught.value)


def test_rule_and_catalogue_must_agree(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown control"):
        load(tmp_path, GOOD_RULE.replace('controls: ["164.312(a)(2)(iv)"]',
                                         'controls: ["164.999"]'))


def test_catalogue_listing_an_unknown_rule_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="lists unknown rule 'volume-encrypted'"):
        load(tmp_path, GOOD_RULE.replace("id: volume-encrypted", "id: renamed"), name="renamed")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="policy folder does not exist"):
        load_policy_set([tmp_path / "nope"], include_builtin=False)


EXCEPTIONS = """\
exceptions:
  - rule: volume-encrypted
    resource: "arn:aws:ec2:*:volume/vol-legacy*"
    owner: infra@example.org
    reason: Legacy imaging volumes retire with the PACS migration.
    ticket: INFRA-12
    expires: 2027-03-31
"""


def test_exceptions_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_text(EXCEPTIONS)
    [exception] = load_exceptions(path)
    assert exception.ticket == "INFRA-12"
    assert exception.matches("volume-encrypted", "arn:aws:ec2:us-east-1:1:volume/vol-legacy7")
    assert not exception.matches("volume-encrypted", "arn:aws:ec2:us-east-1:1:volume/vol-new")


@pytest.mark.parametrize(("change", "line", "field"), [
    (("    owner: infra@example.org\n", ""), 2, "exceptions.0"),
    (("expires: 2027-03-31", "expires: next year"), 7, "exceptions.0.expires"),
    (("    ticket: INFRA-12", "    ticket: INFRA-12\n    note: x"), 7, "exceptions.0.note"),
])
def test_invalid_exceptions_name_line_and_field(tmp_path: Path, change: tuple[str, str],
                                                line: int, field: str) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_text(EXCEPTIONS.replace(*change))
    with pytest.raises(InputError) as caught:
        load_exceptions(path)
    assert caught.value.line == line
    assert caught.value.field == field

"""The coverage table of Prowler's HIPAA framework for AWS (docs/prowler-hipaa-aws.md) agrees
with the built-in rules: its data holds the framework's 95 checks, and the committed table is
what docs/prowler_hipaa_table.py writes from the rules as they are now."""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from govkit.policy.loader import load_policy_set, load_rule
from govkit.policy.model import Rule

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docs" / "prowler_hipaa_table.py"
TABLE = REPO / "docs" / "prowler-hipaa-aws.md"
REGENERATE = ("run `python docs/prowler_hipaa_table.py --write` and commit the updated "
              "docs/prowler-hipaa-aws.md")
CHECK_ID = re.compile(r"[a-z0-9]+(_[a-z0-9]+)+")
CITATION = re.compile(r"164\.3(08|12)(\([a-zA-Z0-9]+\))+")
ROW = re.compile(r"^\| `([a-z0-9_]+)` \| ([^|]*) \| ([^|]*) \|$", re.MULTILINE)

NEW_RULE = """\
id: new-volume-rule
title: Volumes are encrypted
resource: aws.ec2.volume
severity: high
assert: {{key: Encrypted, op: eq, value: true}}
remediation: Recreate the volume from an encrypted snapshot.
controls: ["164.312(a)(2)(iv)"]
references:
  - prowler:{check}
  - prowler:a_check_outside_the_framework
tests:
  pass: [{{name: ok, resource: {{Encrypted: true}}}}]
  fail: [{{name: bad, resource: {{Encrypted: false}}}}]
"""


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """docs/prowler_hipaa_table.py, imported from its file (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("prowler_hipaa_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def builtin_rules() -> tuple[Rule, ...]:
    return load_policy_set().rules


def _rows(markdown: str) -> dict[str, tuple[list[str], list[str]]]:
    """The table's rows: check id -> (citations, rule ids)."""
    rows: dict[str, tuple[list[str], list[str]]] = {}
    for check, citations, rules in ROW.findall(markdown):
        assert check not in rows, f"{check} has two rows"
        rows[check] = (citations.split(", "),
                       [] if rules == "not covered" else re.findall(r"`([^`]+)`", rules))
    return rows


def test_the_framework_data_holds_95_distinct_checks_with_their_citations(
        generator: ModuleType) -> None:
    """govkit's YAML reader refuses a duplicate key, so a check listed twice fails the load."""
    framework = generator.load_framework()
    assert len(framework.checks) == len(set(framework.checks)) == 95
    for check, citations in framework.checks.items():
        assert CHECK_ID.fullmatch(check), check
        assert citations and all(CITATION.fullmatch(c) for c in citations), (check, citations)
    source = framework.source
    assert source["path"] == "prowler/compliance/aws/hipaa_aws.json"
    assert (source["commit"], source["file_commit"]) == ("3e000faa", "f1910628")


def test_the_committed_table_is_what_the_generator_writes(generator: ModuleType) -> None:
    committed = TABLE.read_text(encoding="utf-8")
    expected = generator.generate()
    diff = "\n".join(list(difflib.unified_diff(committed.splitlines(), expected.splitlines(),
                                               "committed", "generated", lineterm=""))[:40])
    if committed != expected:
        pytest.fail(f"docs/prowler-hipaa-aws.md is out of date with the rules or with "
                    f"docs/prowler-hipaa-aws.checks.yaml; {REGENERATE}.\n{diff}", pytrace=False)


def test_every_prowler_reference_of_a_builtin_rule_is_in_the_table(
        generator: ModuleType, builtin_rules: tuple[Rule, ...]) -> None:
    framework = generator.load_framework()
    rows = _rows(TABLE.read_text(encoding="utf-8"))
    assert sorted(rows) == sorted(framework.checks), "the table needs one row per check"
    referenced = {(check, rule.id) for rule in builtin_rules
                  for check in generator.prowler_references(rule) if check in framework.checks}
    listed = {(check, rule_id) for check, (_, rule_ids) in rows.items() for rule_id in rule_ids}
    missing = sorted(referenced - listed)
    assert not missing, (f"these rules reference a check of Prowler's hipaa_aws framework but "
                         f"the table does not list them (check, rule): {missing}; {REGENERATE}")
    stale = sorted(listed - referenced)
    assert not stale, (f"the table lists rules that no longer reference the check (check, "
                       f"rule): {stale}; {REGENERATE}")


def test_the_table_lists_each_checks_citations_from_the_data(generator: ModuleType) -> None:
    framework = generator.load_framework()
    rows = _rows(TABLE.read_text(encoding="utf-8"))
    assert {check: citations for check, (citations, _) in rows.items()} == framework.checks
    assert list(rows) == sorted(rows)


def test_a_new_rule_with_a_prowler_reference_changes_the_table(
        generator: ModuleType, builtin_rules: tuple[Rule, ...], tmp_path: Path) -> None:
    """What an engineer adding a rule without regenerating would see: the table differs, and
    the new rule appears in the row of the framework check it references, and in no other."""
    framework = generator.load_framework()
    check = sorted(framework.checks)[0]
    path = tmp_path / "encryption" / "new-volume-rule.yaml"
    path.parent.mkdir()
    path.write_text(NEW_RULE.format(check=check), encoding="utf-8")
    before = generator.render(framework, builtin_rules)
    after = generator.render(framework, (*builtin_rules, load_rule(path, "encryption")))
    assert after != before
    assert "a_check_outside_the_framework" not in after
    listing = [c for c, (_, rule_ids) in _rows(after).items() if "new-volume-rule" in rule_ids]
    assert listing == [check]

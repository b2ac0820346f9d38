"""Write the coverage table of Prowler's HIPAA framework for AWS against govkit's rules.

``prowler-hipaa-aws.checks.yaml``, next to this script, holds the framework: each Prowler
check it maps and the 45 CFR citations of the requirements that map it. The rules are govkit's
built-in rules, as ``govkit.policy.loader.load_policy_set`` loads them; a check is covered when
a rule lists ``prowler:<check id>`` in its ``references``. The table is
``prowler-hipaa-aws.md``; tests/policy/test_prowler_coverage.py fails while it is out of date.

    python docs/prowler_hipaa_table.py          # print the table
    python docs/prowler_hipaa_table.py --write  # rewrite docs/prowler-hipaa-aws.md
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from govkit.policy.loader import load_policy_set
from govkit.policy.model import Rule
from govkit.policy.yamlfile import load_yaml

DOCS = Path(__file__).resolve().parent
CHECKS_FILE = DOCS / "prowler-hipaa-aws.checks.yaml"
TABLE_FILE = DOCS / "prowler-hipaa-aws.md"
REGENERATE = "python docs/prowler_hipaa_table.py --write"
PREFIX = "prowler:"


@dataclass(frozen=True)
class Framework:
    source: dict[str, str]  # repository, path, commit, file_commit, file_date
    notes: list[str]
    checks: dict[str, list[str]]  # check id -> 45 CFR citations, sorted


def load_framework(path: Path = CHECKS_FILE) -> Framework:
    """The checks file; govkit's YAML reader refuses a check id listed twice."""
    data = load_yaml(path).data
    return Framework(source={str(k): str(v) for k, v in data["source"].items()},
                     notes=[str(n) for n in data.get("notes") or []],
                     checks={str(check): sorted({str(c) for c in citations})
                             for check, citations in data["checks"].items()})


def prowler_references(rule: Rule) -> list[str]:
    """The Prowler check ids a rule names in ``references``. The loader validates that field
    against the rule schema but does not keep it on Rule, so it is read from the rule's text."""
    references = yaml.safe_load(rule.text).get("references") or []
    return [ref[len(PREFIX):].strip() for ref in references if ref.startswith(PREFIX)]


def covering_rules(rules: Iterable[Rule]) -> dict[str, list[str]]:
    """Prowler check id -> the sorted ids of the rules that reference it."""
    found: dict[str, set[str]] = {}
    for rule in rules:
        for check in prowler_references(rule):
            found.setdefault(check, set()).add(rule.id)
    return {check: sorted(ids) for check, ids in found.items()}


def _paragraph(text: str) -> list[str]:
    return [*textwrap.wrap(text, 95, break_on_hyphens=False), ""]


def render(framework: Framework, rules: Sequence[Rule]) -> str:
    """The markdown of docs/prowler-hipaa-aws.md."""
    covering = covering_rules(rules)
    covered = sum(1 for check in framework.checks if check in covering)
    src = framework.source
    lines = ["# Prowler's HIPAA framework for AWS: coverage by govkit rules", ""]
    lines += _paragraph(
        "Prowler's `hipaa_aws` compliance framework maps Prowler checks to requirements of the "
        "HIPAA Security Rule. The table below has one row per check the framework maps, sorted "
        "by check id, with the 45 CFR citations of the requirements that map it and the govkit "
        f"built-in rules that cover it. The framework was taken from `{src['path']}` in "
        f"`{src['repository']}` at commit `{src['commit']}`; the file last changed in commit "
        f"`{src['file_commit']}` ({src['file_date']}).")
    lines += _paragraph(
        "A check counts as covered when at least one govkit built-in rule names it, as "
        "`prowler:<check id>`, in its `references` list. That says the rule answers the same "
        "question as the Prowler check, not that both judge every resource alike: a govkit rule "
        "may, for example, judge only resources in PHI scope.")
    for note in framework.notes:
        lines += _paragraph(note)
    lines += _paragraph(
        f"The table is generated: do not edit it by hand. The framework's data is in "
        f"`docs/{CHECKS_FILE.name}`. After adding a rule or changing a rule's `prowler:` "
        f"references, regenerate the table from the repository's root with `{REGENERATE}`; "
        f"`tests/policy/test_prowler_coverage.py` fails while this file differs from what that "
        "command writes.")
    lines += [f"**Covered: {covered} of the {len(framework.checks)} Prowler checks.** govkit "
              f"has {len(rules)} built-in rules in total.", "",
              "| Prowler check | HIPAA requirements (Prowler) | govkit rule(s) |",
              "|---|---|---|"]
    for check, citations in sorted(framework.checks.items()):
        names = ", ".join(f"`{rule_id}`" for rule_id in covering.get(check, []))
        lines.append(f"| `{check}` | {', '.join(citations)} | {names or 'not covered'} |")
    return "\n".join(lines) + "\n"


def generate() -> str:
    """The table for the checks file and the built-in rules as they are now."""
    return render(load_framework(), load_policy_set().rules)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=f"Print docs/{TABLE_FILE.name}.")
    parser.add_argument("--write", action="store_true", help="rewrite the file instead")
    if parser.parse_args(argv).write:
        TABLE_FILE.write_text(generate(), encoding="utf-8")
        print(f"wrote {TABLE_FILE}")
    else:
        print(generate(), end="")


if __name__ == "__main__":
    main()

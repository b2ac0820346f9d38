"""Find, validate and load rules and control catalogues.

Rules live one per file at ``<folder>/<area>/<rule-id>.yaml``. Built-in folders ship inside
the package; ``--policies DIR`` adds an organisation's own. Every file is checked against the
rule schema, its JMESPath keys are compiled, its parameters resolved, and its controls checked
against the catalogue, so a mistake is reported with file, line and field before any scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import schemas
from govkit.errors import InputError
from govkit.policy.conditions import Condition, check_key
from govkit.policy.model import Rule, Severity
from govkit.policy.yamlfile import JsonPath, YamlDocument, load_yaml, validate

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "_builtin"
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent.parent


def builtin_dir(name: str) -> Path:
    """``policies`` or ``controls``: inside the wheel, or at the top of a checkout."""
    for candidate in (PACKAGE_DATA / name, CHECKOUT_ROOT / name):
        if candidate.is_dir():
            return candidate
    raise InputError(str(PACKAGE_DATA / name), "built-in folder is missing from the install")


def rule_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(str(folder), "policy folder does not exist")
    return sorted(p for p in folder.rglob("*.yaml") if not p.name.startswith("."))


def _walk_keys(condition: Any, path: JsonPath) -> Iterable[tuple[JsonPath, Mapping[str, Any]]]:
    if not isinstance(condition, Mapping):
        return
    for group in ("all", "any"):
        for position, child in enumerate(condition.get(group) or []):
            yield from _walk_keys(child, (*path, group, position))
    if "not" in condition:
        yield from _walk_keys(condition["not"], (*path, "not"))
    if "key" in condition:
        yield path, condition


def _check_condition(doc: YamlDocument, condition: Condition, path: JsonPath,
                     parameters: Mapping[str, Any]) -> None:
    for where, assertion in _walk_keys(condition, path):
        problem = check_key(assertion["key"])
        if problem:
            raise InputError(doc.path, f"invalid JMESPath key: {problem}",
                             line=doc.line_of((*where, "key")), field="key")
        for name in ("value", "days"):
            ref = assertion.get(name)
            if isinstance(ref, Mapping) and ref.get("param") not in parameters:
                raise InputError(doc.path, f"unknown parameter '{ref.get('param')}'",
                                 line=doc.line_of((*where, name)), field=f"{name}.param")


def load_rule(path: Path, area: str) -> Rule:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(doc.path, "a rule file must hold one mapping (id, title, ...)", line=1)
    validate(doc, schemas.load("rule"))
    data = doc.data
    if data["id"] != path.stem:
        raise InputError(doc.path, f"rule id '{data['id']}' must match the file name "
                         f"'{path.stem}'", line=doc.line_of(("id",)), field="id")
    parameters = {k: v["default"] for k, v in (data.get("parameters") or {}).items()}
    scope = data.get("scope") or {}
    _check_condition(doc, data["assert"], ("assert",), parameters)
    if scope.get("where"):
        _check_condition(doc, scope["where"], ("scope", "where"), parameters)
    return Rule(id=data["id"], area=area, title=data["title"],
                resource_type=data["resource"], severity=Severity.parse(data["severity"]),
                assertion=data["assert"], remediation=data["remediation"],
                controls=tuple(data["controls"]), description=data.get("description", ""),
                scope_phi=bool(scope.get("phi", False)), scope_where=scope.get("where"),
                parameters=parameters, tests=data["tests"], path=doc.path,
                text=path.read_bytes())


def load_folder(folder: Path) -> list[Rule]:
    rules = []
    for path in rule_files(folder):
        relative = path.relative_to(folder)
        area = relative.parts[0] if len(relative.parts) > 1 else "custom"
        rules.append(load_rule(path, area))
    return rules


@dataclass(frozen=True)
class Control:
    id: str
    citation: str
    title: str
    requirement: str
    rules: tuple[str, ...]
    manual_evidence: str = ""


@dataclass(frozen=True)
class Catalogue:
    id: str
    title: str
    controls: tuple[Control, ...]
    path: str
    text: bytes

    def control_ids(self) -> set[str]:
        return {c.id for c in self.controls}


def load_catalogue(path: Path) -> Catalogue:
    doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
        raise InputError(doc.path, "a control catalogue needs 'id', 'title' and 'controls'",
                         line=1)
    controls = []
    for position, item in enumerate(data["controls"]):
        where = ("controls", position)
        missing = [k for k in ("id", "citation", "title", "requirement") if k not in item]
        if missing:
            raise InputError(doc.path, f"control is missing {', '.join(missing)}",
                             line=doc.line_of(where), field=missing[0])
        controls.append(Control(id=str(item["id"]), citation=str(item["citation"]),
                                title=str(item["title"]), requirement=str(item["requirement"]),
                                rules=tuple(item.get("rules") or []),
                                manual_evidence=str(item.get("manual_evidence", ""))))
    return Catalogue(id=str(data.get("id")), title=str(data.get("title")),
                     controls=tuple(controls), path=doc.path, text=path.read_bytes())


def check_controls(rules: Sequence[Rule], catalogue: Catalogue,
                   builtin: frozenset[str] = frozenset()) -> None:
    """A rule's controls and the catalogue's rule lists must say the same thing.

    An organisation's own rules may claim catalogue controls without being listed there.
    """
    listed = {(rule_id, c.id) for c in catalogue.controls for rule_id in c.rules}
    known = catalogue.control_ids()
    rule_ids = {r.id for r in rules}
    for rule in rules:
        for control in rule.controls:
            if control not in known:
                raise InputError(rule.path, f"unknown control '{control}' (not in "
                                 f"{catalogue.path})", field="controls")
            if (rule.id, control) not in listed and rule.id in builtin:
                raise InputError(catalogue.path, f"control {control} does not list rule "
                                 f"'{rule.id}', which claims it", field="rules")
    for rule_id, control in sorted(listed):
        if rule_id not in rule_ids:
            raise InputError(catalogue.path, f"control {control} lists unknown rule "
                             f"'{rule_id}'", field="rules")
        rule = next(r for r in rules if r.id == rule_id)
        if control not in rule.controls:
            raise InputError(rule.path, f"the catalogue maps this rule to {control}; add it "
                             "to 'controls'", field="controls")


@dataclass(frozen=True)
class PolicySet:
    rules: tuple[Rule, ...]
    catalogue: Catalogue

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}


def load_policy_set(extra: Sequence[Path] = (), *, include_builtin: bool = True,
                    catalogue_path: Path | None = None) -> PolicySet:
    folders = ([builtin_dir("policies")] if include_builtin else []) + list(extra)
    seen: dict[str, Rule] = {}
    builtin: set[str] = set()
    for position, folder in enumerate(folders):
        for rule in load_folder(folder):
            if include_builtin and position == 0:
                builtin.add(rule.id)
            if rule.id in seen:
                raise InputError(rule.path, f"rule id '{rule.id}' is already defined in "
                                 f"{seen[rule.id].path}", field="id")
            seen[rule.id] = rule
    catalogue = load_catalogue(catalogue_path or
                               builtin_dir("controls") / "hipaa-security-rule.yaml")
    rules = tuple(sorted(seen.values(), key=lambda r: r.id))
    check_controls(rules, catalogue, frozenset(builtin))
    return PolicySet(rules, catalogue)

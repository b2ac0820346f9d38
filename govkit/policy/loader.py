"""Find, validate and load rules and control catalogues.

Rules live one per file at ``<folder>/<area>/<rule-id>.yaml``. Built-in folders ship inside
the package; ``--policies DIR`` adds an organisation's own. Every file is checked against the
rule schema, its JMESPath keys are compiled, its parameters resolved, and its controls checked
against the catalogue, so a mistake is reported with file, line and field before any scan.
"""

from __future__ import annotations

import dataclasses

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import schemas
from govkit.checks.interface import UnknownCheck, load_check
from govkit.errors import InputError
from govkit.policy import templates
from govkit.policy.conditions import WHOLE_DOCUMENT, Condition, check_key, compile_key, key_roots
from govkit.policy.model import ForEach, Require, Rule, Severity
from govkit.policy.parameters import (
    NUMERIC, DeclarationError, Parameter, ParameterType, declare, problem_with)
from govkit.policy.yamlfile import JsonPath, YamlDocument, load_yaml, validate

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "_builtin"
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent.parent
MAX_KEY_DEPTH = 100
MAX_DAYS = 36_500  # as in the rule schema: a century; dates before year 1 do not exist


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


# What an assertion does with a parameter fixes the parameter's type: ``days`` counts days;
# the comparisons need a number; the set operators a list; regex a pattern.
_TYPE_FOR_DAYS = frozenset({ParameterType.INTEGER})
_TYPE_FOR_VALUE: dict[str, frozenset[ParameterType]] = {
    **dict.fromkeys(("gt", "ge", "lt", "le"), NUMERIC),
    **dict.fromkeys(("in", "not_in", "subset_of", "disjoint_from"),
                    frozenset({ParameterType.STRING_LIST})),
    "regex": frozenset({ParameterType.STRING}),
}


def _key_problem(key: str) -> str | None:
    """check_key, and a bound on nesting: JMESPath's parser and interpreter recurse once per
    level, so a key nested thousands deep would end a scan with a RecursionError."""
    too_deep = f"nested more than {MAX_KEY_DEPTH} levels deep"
    try:
        problem = check_key(key)
    except RecursionError:
        return too_deep
    if problem is None and _depth(compile_key(key).parsed) > MAX_KEY_DEPTH:
        return too_deep
    return problem


def _depth(tree: Mapping[str, Any]) -> int:
    deepest, pending = 0, [(tree, 1)]
    while pending:
        node, level = pending.pop()
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in node.get("children") or []
                       if isinstance(child, Mapping))
    return deepest


def _check_condition(doc: YamlDocument, condition: Condition, path: JsonPath,
                     declarations: Mapping[str, Parameter]) -> None:
    for where, assertion in _walk_keys(condition, path):
        problem = _key_problem(assertion["key"])
        if problem:
            raise InputError(doc.path, f"invalid JMESPath key: {problem}",
                             line=doc.line_of((*where, "key")), field="key")
        for name in ("value", "days"):
            ref = assertion.get(name)
            if not (isinstance(ref, Mapping) and set(ref) == {"param"}):
                continue  # a literal, as conditions.evaluate reads it
            declared = declarations.get(ref["param"])
            line = doc.line_of((*where, name))
            if declared is None:
                raise InputError(doc.path, f"unknown parameter '{ref.get('param')}'",
                                 line=line, field=f"{name}.param")
            allowed = _TYPE_FOR_DAYS if name == "days" else _TYPE_FOR_VALUE.get(
                assertion["op"], frozenset(ParameterType))
            if declared.type not in allowed:
                wanted = " or ".join(sorted(t.value for t in allowed))
                raise InputError(doc.path, f"'{name}' of op {assertion['op']} uses parameter "
                                 f"'{declared.name}', declared as type {declared.type.value}; "
                                 f"it must be declared as type {wanted}", line=line,
                                 field=f"{name}.param")
            if name == "days" and (declared.maximum or 0) > MAX_DAYS:
                raise InputError(doc.path, f"parameter '{declared.name}' counts days, so its "
                                 f"maximum must be at most {MAX_DAYS}",
                                 line=doc.line_of(("parameters", declared.name, "maximum")),
                                 field=f"parameters.{declared.name}.maximum")


def _declarations(doc: YamlDocument) -> dict[str, Parameter]:
    declared = {}
    for name, declaration in (doc.data.get("parameters") or {}).items():
        try:
            declared[name] = declare(name, declaration)
        except DeclarationError as exc:
            raise InputError(doc.path, str(exc), field=f"parameters.{name}.{exc.field}",
                             line=doc.line_of(("parameters", name, exc.field))) from None
    return declared


def _check_case_parameters(doc: YamlDocument, declarations: Mapping[str, Parameter]) -> None:
    """A test case's overrides must name declared parameters and suit their types."""
    for kind in ("pass", "fail"):
        for position, case in enumerate(doc.data["tests"].get(kind) or []):
            for name, value in (case.get("parameters") or {}).items():
                where = ("tests", kind, position, "parameters", name)
                field = ".".join(str(p) for p in where)
                if name not in declarations:
                    known = ", ".join(sorted(declarations)) or "none"
                    raise InputError(doc.path, f"unknown parameter '{name}' (this rule's "
                                     f"parameters: {known})", line=doc.line_of(where),
                                     field=field)
                problem = problem_with(declarations[name], value)
                if problem is not None:
                    raise InputError(doc.path, f"parameter '{name}': {problem}",
                                     line=doc.line_of(where), field=field)


def _for_each(doc: YamlDocument) -> ForEach | None:
    spec = doc.data.get("for_each")
    if spec is None:
        return None
    problem = _key_problem(spec["items"])
    if problem:
        raise InputError(doc.path, f"invalid JMESPath key: {problem}",
                         line=doc.line_of(("for_each", "items")), field="for_each.items")
    return ForEach(items=spec["items"], name=spec.get("name"),
                   require=Require(spec.get("require", "all")),
                   empty_message=spec.get("empty_message"))


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_fields(doc: YamlDocument, resource_type: str, for_each: ForEach | None,
                  declarations: Mapping[str, Parameter]) -> None:
    """Keys and message templates may name only the fields the resource type has (and the
    rule's declared parameters): a misspelt field would fail, or pass, every resource."""
    resource_fields = templates.fields_of(resource_type)
    if resource_fields is None:
        raise InputError(doc.path, f"unknown resource type '{resource_type}' (known: "
                         f"{', '.join(templates.known_resource_types())})",
                         line=doc.line_of(("resource",)), field="resource")
    item_fields: frozenset[str] | None = resource_fields
    if for_each is not None:
        roots = key_roots(for_each.items) - {WHOLE_DOCUMENT}
        unknown = sorted(roots - resource_fields)
        if unknown:
            raise InputError(doc.path, f"unknown field '{unknown[0]}' of {resource_type}",
                             line=doc.line_of(("for_each", "items")), field="for_each.items")
        simple = for_each.items if _FIELD.fullmatch(for_each.items) else None
        item_fields = templates.fields_of(resource_type, simple) if simple else None
    scope = doc.data.get("scope") or {}
    places: list[tuple[JsonPath, Any, frozenset[str] | None]] = [
        (("assert",), doc.data["assert"], item_fields)]
    if scope.get("where"):
        places.append((("scope", "where"), scope["where"], resource_fields))
    for path, condition, fields in places:
        for where, assertion in _walk_keys(condition, path):
            roots = key_roots(assertion["key"]) - {WHOLE_DOCUMENT}
            unknown = sorted(roots - fields) if fields is not None else []
            if unknown:
                raise InputError(doc.path, f"unknown field '{unknown[0]}' (known: "
                                 f"{', '.join(sorted(fields or ()))})",
                                 line=doc.line_of((*where, "key")), field="key")
            for name in ("message", "when_missing"):
                if assertion.get(name):
                    _check_template(doc, (*where, name), assertion[name], resource_fields,
                                    fields, declarations, has_value=True)
    for name in ("name", "empty_message"):
        text = (doc.data.get("for_each") or {}).get(name)
        if text:
            _check_template(doc, ("for_each", name), text, resource_fields,
                            item_fields if name == "name" else resource_fields, declarations,
                            has_value=False)


def _check_template(doc: YamlDocument, where: JsonPath, text: str,
                    resource_fields: frozenset[str], fields: frozenset[str] | None,
                    declarations: Mapping[str, Parameter], *, has_value: bool) -> None:
    field = ".".join(str(p) for p in where)
    try:
        templates.check(templates.parse(text), resource_fields=resource_fields,
                        doc_fields=fields, parameters=list(declarations), has_value=has_value)
    except templates.TemplateError as exc:
        raise InputError(doc.path, f"message template: {exc}", line=doc.line_of(where),
                         field=field) from None


# rules already loaded in this process, by their file's bytes: a replay, a report and the
# scan that made a run read the same files again (an operation sweep reads them hundreds of
# times); a rule depends only on its text, its area and its file's name
_LOADED: dict[tuple[bytes, str, str], Rule] = {}
_LOADED_MAX = 4096


def load_rule(path: Path, area: str) -> Rule:
    try:
        text = path.read_bytes()
    except OSError:
        text = b""  # load_yaml names the file and the problem
    cached = _LOADED.get((text, area, path.stem)) if text else None
    if cached is not None:
        return cached if cached.path == str(path) else dataclasses.replace(cached,
                                                                           path=str(path))
    rule = _parse_rule(path, area)
    if text and len(_LOADED) < _LOADED_MAX:
        _LOADED[(text, area, path.stem)] = rule
    return rule


def _parse_rule(path: Path, area: str) -> Rule:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(doc.path, "a rule file must hold one mapping (id, title, ...)", line=1)
    _assert_or_check(doc)
    validate(doc, schemas.load("rule"))
    data = doc.data
    if data["id"] != path.stem:
        raise InputError(doc.path, f"rule id '{data['id']}' must match the file name "
                         f"'{path.stem}'", line=doc.line_of(("id",)), field="id")
    declarations = _declarations(doc)
    if "check" in data:
        return _check_rule(doc, path, area, declarations)
    scope = data.get("scope") or {}
    _check_condition(doc, data["assert"], ("assert",), declarations)
    if scope.get("where"):
        _check_condition(doc, scope["where"], ("scope", "where"), declarations)
    for_each = _for_each(doc)
    _check_fields(doc, data["resource"], for_each, declarations)
    _check_case_parameters(doc, declarations)
    return Rule(id=data["id"], area=area, title=data["title"],
                resource_type=data["resource"], severity=Severity.parse(data["severity"]),
                assertion=data["assert"], remediation=data["remediation"],
                controls=tuple(data["controls"]), description=data.get("description", ""),
                scope_phi=bool(scope.get("phi", False)), scope_where=scope.get("where"),
                scope_phi_account=bool(scope.get("phi_account", False)),
                for_each=for_each, declarations=declarations,
                parameters={name: p.default for name, p in declarations.items()},
                tests=data["tests"], path=doc.path, text=path.read_bytes())


def _assert_or_check(doc: YamlDocument) -> None:
    """Exactly one of ``assert`` (declarative) and ``check`` (a built-in check kind)."""
    has = [key for key in ("assert", "check") if key in doc.data]
    if not has:
        raise InputError(doc.path, "a rule needs 'assert' (an assertion over the resource) or "
                         "'check' (a built-in check kind)", line=1)
    if has == ["assert", "check"]:
        raise InputError(doc.path, "a rule has either 'assert' or 'check', not both",
                         line=doc.line_of(("check",)), field="check")
    if "check" in doc.data:
        if "for_each" in doc.data:
            raise InputError(doc.path, "'for_each' belongs to assertions; a check kind "
                             "decides itself which items it judges",
                             line=doc.line_of(("for_each",)), field="for_each")
        scope = doc.data.get("scope")
        if isinstance(scope, dict) and "where" in scope:
            raise InputError(doc.path, "a check kind takes only a PHI scope ('scope: {phi: "
                             "true}'); it decides itself which resources it judges",
                             line=doc.line_of(("scope", "where")), field="scope.where")


def _check_rule(doc: YamlDocument, path: Path, area: str,
                declarations: Mapping[str, Parameter]) -> Rule:
    """A rule judged by a built-in check kind: its resource type and parameters must be the
    ones the check kind takes."""
    data = doc.data
    try:
        kind = load_check(data["check"])
    except UnknownCheck as exc:
        raise InputError(doc.path, str(exc), line=doc.line_of(("check",)),
                         field="check") from None
    if data["resource"] != kind.RESOURCE:
        raise InputError(doc.path, f"check kind '{data['check']}' judges {kind.RESOURCE}, "
                         f"not {data['resource']}", line=doc.line_of(("resource",)),
                         field="resource")
    wanted, declared = dict(kind.PARAMETERS), set(declarations)
    for name in sorted(set(wanted) ^ declared):
        where = ("parameters", name) if name in declared else ("parameters",)
        problem = (f"check kind '{data['check']}' takes no parameter '{name}' (it takes: "
                   f"{', '.join(sorted(wanted)) or 'none'})" if name in declared else
                   f"check kind '{data['check']}' needs parameter '{name}' declared "
                   f"(type {wanted[name].value})")
        raise InputError(doc.path, problem, line=doc.line_of(where) if "parameters" in data
                         else 1, field=".".join(str(p) for p in where))
    for name, declaration in declarations.items():
        if declaration.type is not wanted[name]:
            raise InputError(doc.path, f"parameter '{name}' of check kind '{data['check']}' "
                             f"is of type {wanted[name].value}",
                             line=doc.line_of(("parameters", name, "type")),
                             field=f"parameters.{name}.type")
    _check_case_parameters(doc, declarations)
    return Rule(id=data["id"], area=area, title=data["title"],
                resource_type=data["resource"], severity=Severity.parse(data["severity"]),
                assertion={}, check=data["check"], remediation=data["remediation"],
                controls=tuple(data["controls"]), description=data.get("description", ""),
                scope_phi=bool((data.get("scope") or {}).get("phi", False)),
                declarations=declarations,
                parameters={name: p.default for name, p in declarations.items()},
                tests=data["tests"], path=doc.path, text=path.read_bytes())


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
        if not isinstance(item, dict):
            raise InputError(doc.path, "a control must be a mapping (id, citation, ...)",
                             line=doc.line_of(where), field=f"controls.{position}")
        missing = [k for k in ("id", "citation", "title", "requirement") if k not in item]
        if missing:
            raise InputError(doc.path, f"control is missing {', '.join(missing)}",
                             line=doc.line_of(where), field=missing[0])
        rules = item.get("rules") or []
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise InputError(doc.path, "'rules' must be a list of rule ids",
                             line=doc.line_of((*where, "rules")), field="rules")
        controls.append(Control(id=str(item["id"]), citation=str(item["citation"]),
                                title=str(item["title"]), requirement=str(item["requirement"]),
                                rules=tuple(rules),
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

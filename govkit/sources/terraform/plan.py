"""Read the JSON form of a Terraform or OpenTofu plan (``terraform show -json PLANFILE``).

The format is Terraform's "JSON Output Format". What this reader takes from it:

* ``resource_changes``: one entry per resource instance (and per deposed object) with the
  planned ``actions`` and the ``after`` values. Every managed instance becomes a
  :class:`PlannedResource`; data sources go to :attr:`Plan.data_sources`.
* ``planned_values``: used for the values of an instance whose change has no ``after`` object,
  and for instances that appear only there (their ``actions`` are empty).
* ``configuration``: the unevaluated expressions of each resource, found by module path and
  the resource address without its instance key, so a rule can see *what* an attribute refers to
  (``aws_kms_key.phi.arn``) even when its value is unknown until apply.

``resource_drift`` describes changes made outside Terraform that the plan merely notices; it is
not a planned change and is ignored. ``prior_state``, ``output_changes``, ``variables`` and
``relevant_attributes`` are not read.

Supported ``format_version``: every ``0.x`` and ``1.x``. Terraform promises to raise the minor
version only for backward-compatible additions and the major version for breaking changes, and
asks readers to refuse a major version they do not know; HashiCorp's own reader
(terraform-json) accepts ``>= 0.1, < 2.0``. Seen in practice: 0.1 (Terraform 0.12 to 0.15.3),
0.2 (0.15.4 to 1.0), 1.0 (1.1), 1.1 (1.2) and 1.2 (1.3 and later, and OpenTofu).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit.errors import InputError

AttrPath = tuple[str | int, ...]
"""A path into a resource's values: attribute names and list indexes."""

SUPPORTED_MAJOR_VERSIONS = (0, 1)
KNOWN_FORMAT_VERSIONS = ("0.1", "0.2", "1.0", "1.1", "1.2")
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")

# Actions that put a new or changed object in place: what a gate judges by default.
CHANGING = frozenset({("create",), ("update",), ("delete", "create"), ("create", "delete")})


@dataclass(frozen=True)
class ResourceConfig:
    """The configuration block of one resource (all its instances share it)."""

    address: str
    """Module-relative address without instance key, e.g. ``aws_s3_bucket.this``."""
    module_path: tuple[str, ...]
    """Module call names from the root, e.g. ``("phi", "audit_log")``; empty at the root."""
    expressions: Mapping[str, Any]
    """The raw ``expressions`` object, as Terraform wrote it."""
    count_expression: Mapping[str, Any] | None = None
    for_each_expression: Mapping[str, Any] | None = None
    references: Mapping[AttrPath, tuple[str, ...]] = field(default_factory=dict)
    """Per attribute path (nested blocks included), the references its expression makes."""
    constants: Mapping[AttrPath, Any] = field(default_factory=dict)
    """Per attribute path, the constant value where the expression is a constant."""
    provider_config_key: str | None = None
    """The key of the provider configuration the resource uses (``aws``, ``aws.west``)."""

    def refs(self, *path: str | int) -> tuple[str, ...]:
        """References made by one attribute, e.g. ``refs("bucket")``; empty if there are none."""
        return self.references.get(tuple(path), ())


@dataclass(frozen=True)
class PlannedResource:
    """One resource instance (or deposed object) as the plan leaves it."""

    address: str
    module_address: str | None
    mode: str
    type: str
    name: str
    index: int | str | None
    provider_name: str
    actions: tuple[str, ...]
    """E.g. ``("create",)``, ``("delete", "create")``, ``("no-op",)``, ``("forget",)``; empty
    when the instance appears only in ``planned_values``."""
    values: Mapping[str, Any]
    """The planned (``after``) values; empty for deletions. Unknown attributes are absent."""
    unknown: frozenset[AttrPath]
    """Attribute paths whose value is known only after apply."""
    sensitive: frozenset[AttrPath]
    """Attribute paths marked sensitive in the planned values."""
    config: ResourceConfig | None
    """The configuration block; None for removed resources, which have none."""
    action_reason: str | None = None
    deposed: str | None = None
    previous_address: str | None = None
    before: Mapping[str, Any] = field(default_factory=dict)
    """The values before the change (``before``; empty for a create): what a deletion
    removes."""
    pointer: str = ""
    """JSON Pointer (RFC 6901) to the values object in the plan file: the change's ``after``,
    or the instance's ``values`` in ``planned_values``; for a deletion, its ``before``."""
    unknown_pointer: str = ""
    """JSON Pointer to the change's ``after_unknown`` ("" when the plan has none)."""

    @property
    def module_path(self) -> tuple[str, ...]:
        """Module call names from the root, without instance keys."""
        return _module_path(self.module_address)


@dataclass(frozen=True)
class Plan:
    """A parsed plan."""

    path: str
    format_version: str
    terraform_version: str | None
    resources: tuple[PlannedResource, ...]
    """Managed resource instances, in the order of ``resource_changes``."""
    data_sources: tuple[PlannedResource, ...]
    """Data resource instances the plan reads (mode ``data``), kept apart from resources."""
    configuration: Mapping[str, Any]
    """The raw ``configuration`` object (empty if the plan has none)."""

    def get(self, address: str) -> PlannedResource:
        """The managed instance with this address (the current object, not a deposed one)."""
        for resource in self.resources:
            if resource.address == address and resource.deposed is None:
                return resource
        raise KeyError(address)


def changed(plan: Plan) -> list[PlannedResource]:
    """Resources the plan creates or updates, replacements included: what a gate judges."""
    return [r for r in plan.resources if r.actions in CHANGING]


# --------------------------------------------------------------------------- reading the file


def read_plan(path: Path) -> Plan:
    """Read and parse the output of ``terraform show -json`` (or ``tofu show -json``)."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot read the plan file: {exc.strerror or exc}") from None
    text = _decode(where, raw)
    if not text.strip():
        raise InputError(where, "the file is empty; expected the output of "
                                "'terraform show -json PLANFILE'")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        hint = (" (the file ends too early: it looks truncated)" if truncated else "")
        raise InputError(where, f"not valid JSON at line {exc.lineno}, column {exc.colno}: "
                                f"{exc.msg}{hint}", line=exc.lineno) from None
    return parse_plan(doc, where)


def _decode(where: str, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # PowerShell's '>' writes UTF-16 with a byte-order mark
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(where, f"the file is not valid {encoding.upper()} text "
                                f"(bad byte at offset {exc.start}); save it as UTF-8") from None


def parse_plan(doc: Any, where: str = "<plan>") -> Plan:
    """Build a :class:`Plan` from an already-parsed JSON document."""
    if not isinstance(doc, dict):
        raise InputError(where, f"expected a JSON object from 'terraform show -json', "
                                f"found {_json_type(doc)}; this is not a Terraform plan")
    has_changes = "resource_changes" in doc or "planned_values" in doc
    if "format_version" not in doc or not has_changes:
        if "format_version" in doc and "values" in doc:
            message = ("this is Terraform state, not a plan: run 'terraform plan -out=PLANFILE' "
                       "then 'terraform show -json PLANFILE'")
        else:
            message = ("this JSON is not a Terraform plan: it has no 'format_version' or no "
                       "'planned_values'/'resource_changes'; produce it with "
                       "'terraform show -json PLANFILE'")
        raise InputError(where, message)
    version = _check_version(doc["format_version"], where)
    tf_version = doc.get("terraform_version")

    configuration = _object(doc.get("configuration"), where, "configuration")
    configs = _index_configuration(configuration, where)
    planned = _planned_values(doc.get("planned_values"), where)

    changes = doc.get("resource_changes", [])
    if not isinstance(changes, list):
        raise InputError(where, "'resource_changes' must be a list", field="resource_changes")

    managed: list[PlannedResource] = []
    data: list[PlannedResource] = []
    seen: set[str] = set()
    for i, entry in enumerate(changes):
        resource = _from_change(entry, i, where, planned, configs)
        if resource.deposed is None:
            seen.add(resource.address)
        (managed if resource.mode == "managed" else data).append(resource)
    for address, entry in planned.items():
        if address in seen:
            continue
        resource = _from_planned(entry, where, configs)
        (managed if resource.mode == "managed" else data).append(resource)

    return Plan(path=where, format_version=version,
                terraform_version=tf_version if isinstance(tf_version, str) else None,
                resources=tuple(managed), data_sources=tuple(data),
                configuration=configuration)


def _check_version(value: Any, where: str) -> str:
    supported = ", ".join(KNOWN_FORMAT_VERSIONS)
    match = _VERSION_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise InputError(where, f"format_version {json.dumps(value)} is not a version number; "
                                f"supported: {supported} (any 0.x or 1.x)",
                         field="format_version")
    if int(match.group(1)) not in SUPPORTED_MAJOR_VERSIONS:
        raise InputError(where, f"plan format_version {value} is not supported; supported: "
                                f"{supported} (any 0.x or 1.x). A newer major version changes the "
                                "format incompatibly; upgrade govkit", field="format_version")
    return str(value)


# --------------------------------------------------------------------------- resources


def _from_change(entry: Any, index: int, where: str,
                 planned: Mapping[str, Mapping[str, Any]],
                 configs: Mapping[tuple[tuple[str, ...], str], ResourceConfig]
                 ) -> PlannedResource:
    at = f"resource_changes[{index}]"
    entry = _object(entry, where, at)
    address = _string(entry, "address", where, at)
    change = _object(entry.get("change"), where, f"{at}.change")
    actions_raw = change.get("actions")
    if not isinstance(actions_raw, list) or not all(isinstance(a, str) for a in actions_raw):
        raise InputError(where, f"{address}: 'actions' must be a list of strings",
                         field=f"{at}.change.actions")
    deposed = entry.get("deposed")
    after = change.get("after")
    if isinstance(after, dict):
        values: Mapping[str, Any] = after
    elif deposed is None and address in planned and "delete" not in actions_raw:
        values = planned[address].get("values") or {}
    else:
        values = {}
    module_address = entry.get("module_address") or None
    if module_address is not None:
        _checked_module_address(module_address, where, f"{at}.module_address")
    mode = _string(entry, "mode", where, at)
    type_ = _string(entry, "type", where, at)
    name = _string(entry, "name", where, at)
    return PlannedResource(
        address=address, module_address=module_address, mode=mode, type=type_, name=name,
        index=_index(entry.get("index")), provider_name=str(entry.get("provider_name", "")),
        actions=tuple(actions_raw), values=values,
        unknown=frozenset(_true_paths(change.get("after_unknown"))),
        sensitive=frozenset(_true_paths(change.get("after_sensitive"))),
        config=configs.get((_module_path(module_address), _config_address(mode, type_, name))),
        action_reason=entry.get("action_reason"),
        deposed=deposed if isinstance(deposed, str) else None,
        previous_address=entry.get("previous_address"),
        before=change["before"] if isinstance(change.get("before"), dict) else {},
        pointer=(f"/resource_changes/{index}/change/after" if isinstance(after, dict)
                 else planned[address]["_pointer"] if values and address in planned
                 else f"/resource_changes/{index}/change/before"
                 if isinstance(change.get("before"), dict) else ""),
        unknown_pointer=(f"/resource_changes/{index}/change/after_unknown"
                         if "after_unknown" in change else ""),
    )


def _from_planned(entry: Mapping[str, Any], where: str,
                  configs: Mapping[tuple[tuple[str, ...], str], ResourceConfig]
                  ) -> PlannedResource:
    at = f"planned_values resource {entry.get('address', '?')}"
    address = _string(entry, "address", where, at)
    module_address = entry.get("_module_address")
    mode = _string(entry, "mode", where, at)
    type_ = _string(entry, "type", where, at)
    name = _string(entry, "name", where, at)
    values = entry.get("values")
    return PlannedResource(
        address=address, module_address=module_address, mode=mode, type=type_, name=name,
        index=_index(entry.get("index")), provider_name=str(entry.get("provider_name", "")),
        actions=(), values=values if isinstance(values, dict) else {},
        unknown=frozenset(), sensitive=frozenset(_true_paths(entry.get("sensitive_values"))),
        config=configs.get((_module_path(module_address), _config_address(mode, type_, name))),
        pointer=str(entry.get("_pointer", "")),
    )


def _planned_values(value: Any, where: str) -> dict[str, Mapping[str, Any]]:
    """Every resource instance in ``planned_values``, by address, with its module address."""
    out: dict[str, Mapping[str, Any]] = {}
    root = _object(value, where, "planned_values").get("root_module")

    def walk(module: Any, module_address: str | None, at: str, pointer: str) -> None:
        module = _object(module, where, at)
        for i, res in enumerate(module.get("resources") or []):
            res = _object(res, where, f"{at}.resources[{i}]")
            address = _string(res, "address", where, f"{at}.resources[{i}]")
            out[address] = {**res, "_module_address": module_address,
                            "_pointer": f"{pointer}/resources/{i}/values"}
        for i, child in enumerate(module.get("child_modules") or []):
            child_at = f"{at}.child_modules[{i}]"
            child = _object(child, where, child_at)
            child_address = _string(child, "address", where, child_at)
            _checked_module_address(child_address, where, f"{child_at}.address")
            walk(child, child_address, child_at, f"{pointer}/child_modules/{i}")

    if root is not None:
        walk(root, None, "planned_values.root_module", "/planned_values/root_module")
    return out


def _true_paths(value: Any, prefix: AttrPath = ()) -> Iterator[AttrPath]:
    """Paths where a nested ``after_unknown``/``after_sensitive`` structure holds ``true``."""
    if value is True:
        yield prefix
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _true_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _true_paths(item, (*prefix, i))


def _index(value: Any) -> int | str | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, int | str) else None


# --------------------------------------------------------------------------- configuration


def _config_address(mode: str, type_: str, name: str) -> str:
    return f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"


def _index_configuration(configuration: Mapping[str, Any], where: str
                         ) -> dict[tuple[tuple[str, ...], str], ResourceConfig]:
    out: dict[tuple[tuple[str, ...], str], ResourceConfig] = {}

    def walk(module: Any, path: tuple[str, ...], at: str) -> None:
        module = _object(module, where, at)
        for i, res in enumerate(module.get("resources") or []):
            res_at = f"{at}.resources[{i}]"
            res = _object(res, where, res_at)
            address = _string(res, "address", where, res_at)
            expressions = _object(res.get("expressions"), where, f"{res_at}.expressions")
            references: dict[AttrPath, tuple[str, ...]] = {}
            constants: dict[AttrPath, Any] = {}
            _collect(expressions, (), references, constants)
            out[(path, address)] = ResourceConfig(
                address=address, module_path=path, expressions=expressions,
                count_expression=res.get("count_expression"),
                for_each_expression=res.get("for_each_expression"),
                references=references, constants=constants,
                provider_config_key=res.get("provider_config_key")
                if isinstance(res.get("provider_config_key"), str) else None)
        for name, call in (module.get("module_calls") or {}).items():
            call_at = f"{at}.module_calls.{name}"
            call = _object(call, where, call_at)
            walk(call.get("module"), (*path, name), f"{call_at}.module")

    root = configuration.get("root_module")
    if root is not None:
        walk(root, (), "configuration.root_module")
    return out


def _collect(expressions: Mapping[str, Any], prefix: AttrPath,
             references: dict[AttrPath, tuple[str, ...]], constants: dict[AttrPath, Any]) -> None:
    """Flatten an expressions object; nested blocks are lists of expressions objects."""
    for key, expr in expressions.items():
        path = (*prefix, key)
        if isinstance(expr, list):
            for i, block in enumerate(expr):
                if isinstance(block, dict):
                    _collect(block, (*path, i), references, constants)
        elif isinstance(expr, dict):
            if isinstance(expr.get("references"), list):
                references[path] = tuple(str(r) for r in expr["references"])
            if "constant_value" in expr:
                constants[path] = expr["constant_value"]
            if "references" not in expr and "constant_value" not in expr:
                # A single nested block (nesting mode "single") is an expressions object.
                _collect(expr, path, references, constants)


# --------------------------------------------------------------------------- references


def resolve_reference(plan: Plan, module_address: str | None, reference: str) -> list[str]:
    """The root-level references that ``reference``, written inside a module, points at.

    ``module_address`` is the instance address of the module the expression is written in
    (``PlannedResource.module_address``; None at the root). ``var.NAME`` is followed to the
    expression the calling module passes for ``NAME`` (``module_calls.<call>.expressions.NAME``),
    and again through every enclosing module until the root. Where following stops, the
    reference is returned as written, prefixed with the address of the module instance whose
    scope it belongs to (none at the root), e.g. ``module.phi["a"].aws_kms_key.this.arn``.

    Limits: only variables are followed. ``local.*`` values, module outputs (``module.x.out``),
    ``each.*``/``count.*`` and ``path.*`` are returned but not resolved; note that ``each.key``
    in a module call's arguments belongs to the scope the call is written in, so a call at the
    root gives a bare ``each.key``, not the instance key. A variable
    the caller does not set (its default is used) resolves to nothing. For ``var.NAME.attr``,
    all references of the expression passed for ``NAME`` are returned, not only the part that
    feeds ``attr``. Terraform lists both ``aws_kms_key.phi.arn`` and ``aws_kms_key.phi`` for
    one expression; both are kept, in order, without duplicates.
    """
    results: list[str] = []
    _resolve(plan, _split_module_address(module_address), reference, results, depth=0)
    return list(dict.fromkeys(results))


def _resolve(plan: Plan, modules: list[tuple[str, str]], reference: str, out: list[str],
             depth: int) -> None:
    if not modules:
        out.append(reference)
        return
    if depth > 64:
        raise InputError(plan.path, f"module variables refer to each other too deeply at "
                                    f"{reference}", field="configuration")
    parts = reference.split(".")
    if parts[0] != "var" or len(parts) < 2:
        prefix = ".".join(f"module.{name}{key}" for name, key in modules)
        out.append(f"{prefix}.{reference}")
        return
    call = _module_call(plan, tuple(name for name, _ in modules))
    expressions = call.get("expressions") if call else None
    expr = expressions.get(parts[1]) if isinstance(expressions, dict) else None
    refs = expr.get("references") if isinstance(expr, dict) else None
    if not isinstance(refs, list):
        return  # not set by the caller (default used) or a constant: no references
    for ref in refs:
        _resolve(plan, modules[:-1], str(ref), out, depth + 1)


def _module_call(plan: Plan, path: Sequence[str]) -> Mapping[str, Any] | None:
    module: Any = plan.configuration.get("root_module")
    call: Any = None
    for name in path:
        calls = module.get("module_calls") if isinstance(module, dict) else None
        call = calls.get(name) if isinstance(calls, dict) else None
        if not isinstance(call, dict):
            return None
        module = call.get("module")
    return call if isinstance(call, dict) else None


# --------------------------------------------------------------------------- addresses


def _checked_module_address(value: Any, where: str, at: str) -> None:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        _split_module_address(value)
    except ValueError:
        raise InputError(where, f"{json.dumps(value)} is not a module address", field=at) from None


def _module_path(module_address: str | None) -> tuple[str, ...]:
    return tuple(name for name, _ in _split_module_address(module_address))


def _split_module_address(module_address: str | None) -> list[tuple[str, str]]:
    """``module.a["x"].module.b[0]`` -> ``[("a", '["x"]'), ("b", "[0]")]``.

    Instance keys may be quoted strings holding dots, brackets or escaped quotes.
    """
    if not module_address:
        return []
    out: list[tuple[str, str]] = []
    s, i = module_address, 0
    while i < len(s):
        if not s.startswith("module.", i):
            raise ValueError(f"not a module address: {module_address}")
        i += len("module.")
        start = i
        while i < len(s) and s[i] not in ".[":
            i += 1
        name, key_start = s[start:i], i
        if i < len(s) and s[i] == "[":
            i += 1
            if i < len(s) and s[i] == '"':
                i += 1
                while i < len(s) and s[i] != '"':
                    i += 2 if s[i] == "\\" else 1
                i += 1
            while i < len(s) and s[i] != "]":
                i += 1
            i += 1
        out.append((name, s[key_start:i]))
        if i < len(s):
            if s[i] != ".":
                raise ValueError(f"not a module address: {module_address}")
            i += 1
    return out


# --------------------------------------------------------------------------- small helpers


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, int | float) else "a boolean"


def _object(value: Any, where: str, at: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(where, f"expected an object, found {_json_type(value)}", field=at)
    return value


def _string(entry: Mapping[str, Any], key: str, where: str, at: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(where, f"'{key}' is missing or not a string", field=f"{at}.{key}")
    return value

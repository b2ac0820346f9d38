"""What a plan normaliser works with: the plan's resources by type and address, references
between them, and the two ways a planned value can be unknown.

A plan normaliser turns one Terraform resource instance (with the split resources that
configure it) into the inventory resource the live AWS scan would build for the object once
applied: same type, same attribute names and shapes, so the same rules judge it. Every
attribute points at the place in the plan file it was read from (a JSON Pointer into the
change's ``after`` values). An attribute the plan cannot give is a failure, never a guess:

* ``UnknownAfterApply``: Terraform knows the value only after apply (``after_unknown``);
* ``NotInPlan``: the value is decided by something this plan does not manage (an existing
  bucket's settings, a KMS key created elsewhere, a trail in another configuration).

Both are what ``govkit gate --unknown fail|warn`` decides on.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from govkit.sources.terraform.plan import AttrPath, Plan, PlannedResource, resolve_reference
from govkit.inventory.model import (CallFailure, Ref, ResourceBuilder, json_pointer,
                                    present_path)

UNKNOWN_AFTER_APPLY = "UnknownAfterApply"
NOT_IN_PLAN = "NotInPlan"
UNKNOWN_CODES = frozenset({UNKNOWN_AFTER_APPLY, NOT_IN_PLAN})

_ABSENT = object()
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):(\d{12})?:")
# a reference's resource part: TYPE.NAME with an optional instance key, then attributes
_RESOURCE_REF = re.compile(r'^(?P<type>[a-z][a-z0-9_]*)\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)'
                           r'(?:\[(?P<key>"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.|$)')


class Unknown:
    """A planned value that is not known: the failure that says why."""

    __slots__ = ("failure",)

    def __init__(self, failure: CallFailure) -> None:
        self.failure = failure


def describe_path(path: AttrPath) -> str:
    """``("server_side_encryption_configuration", 0, "rule")`` as Terraform writes it:
    ``server_side_encryption_configuration[0].rule``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class PlanContext:
    """One plan, indexed for the normalisers."""

    def __init__(self, plan: Plan, file: str) -> None:
        self.plan = plan
        self.file = file  # how results name the plan file
        self.resources = [r for r in plan.resources if r.deposed is None
                          and r.actions not in (("delete",), ("forget",))]
        self.by_type: dict[str, list[PlannedResource]] = defaultdict(list)
        self.by_address: dict[str, PlannedResource] = {}
        for resource in self.resources:
            self.by_type[resource.type].append(resource)
            self.by_address[resource.address] = resource
        self.data_by_address = {d.address: d for d in plan.data_sources}
        # what the plan deletes (and does not put back): a split resource removed from a
        # bucket changes the bucket
        self.deleted = [r for r in plan.resources if r.deposed is None
                        and r.actions == ("delete",)]
        self.providers = _provider_settings(plan)
        self.region, self.account = self.providers.get("aws", ("", ""))
        self._linked: dict[tuple[str, str], dict[str, list[PlannedResource]]] = {}
        self._memo: dict[str, Any] = {}
        self._instances_of: dict[tuple[str | None, str, str], list[PlannedResource]] = \
            defaultdict(list)
        for resource in self.resources:
            self._instances_of[(resource.module_address, resource.type, resource.name)] \
                .append(resource)
        # the values object (and after_unknown) of each resource -> its address
        self._owners = {pointer: r.address for r in (*self.resources, *self.deleted)
                        for pointer in (r.pointer, r.unknown_pointer) if pointer}

    def provider_key(self, resource: PlannedResource) -> str:
        """The provider configuration the resource uses (``aws`` unless it names another).
        A module's key (``web:aws``) names the module's own provider block when the plan
        shows one, else the configuration the module inherits, the root's of that name."""
        key = resource.config.provider_config_key if resource.config is not None else None
        if not key:
            return "aws"
        if key not in self.providers and ":" in key:
            return key.rsplit(":", 1)[1]
        return key

    def provider_of(self, resource: PlannedResource) -> tuple[str, str]:
        """The region and account of the provider configuration ``resource`` uses, where the
        configuration gives them as constants; "" for each it does not (a variable, or a
        provider configuration the plan does not show)."""
        return self.providers.get(self.provider_key(resource), ("", ""))

    def same_region(self, one: PlannedResource, other: PlannedResource) -> bool:
        """Whether two resources are in one region: the same provider configuration, or
        regions both known and equal."""
        if self.provider_key(one) == self.provider_key(other):
            return True
        first, second = self.provider_of(one)[0], self.provider_of(other)[0]
        return bool(first) and first == second

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """A value worked out once per plan (an index the normalisers of one type share)."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def deleted_of(self, type_: str, attribute: str, target: PlannedResource,
                   key: str) -> list[PlannedResource]:
        """The resources of ``type_`` the plan deletes whose ``attribute`` named ``target``
        before (by its ``key`` value, e.g. the bucket name: a deleted resource has no
        configuration left to refer with)."""
        wanted = target.values.get(key)
        if not isinstance(wanted, str) or not wanted:
            return []
        return [r for r in self.deleted if r.type == type_ and r.before.get(attribute) == wanted]

    def owner(self, pointer: str) -> str | None:
        """The address of the plan resource a pointer into the plan file lies within."""
        # /resource_changes/12/change/after/...  or  .../resources/3/values/...
        for marker in ("/change/after_unknown", "/change/after", "/change/before", "/values"):
            at = pointer.find(marker)
            if at >= 0:
                return self._owners.get(pointer[:at + len(marker)])
        return None

    # ------------------------------------------------------------------ values

    def ref(self, resource: PlannedResource, *path: str | int) -> Ref:
        return Ref(self.file, resource.pointer + json_pointer(*path) if path else
                   resource.pointer)

    def unknown_ref(self, resource: PlannedResource, *path: str | int) -> Ref:
        return Ref(self.file, resource.unknown_pointer + json_pointer(*path))

    def is_unknown(self, resource: PlannedResource, path: AttrPath) -> bool:
        """Whether the value at ``path`` (or a part of it) is known only after apply."""
        if not resource.unknown:
            return False
        for length in range(len(path) + 1):
            if path[:length] in resource.unknown:
                return True
        return any(u[:len(path)] == path for u in resource.unknown)

    def value(self, resource: PlannedResource, *path: str | int, what: str = "") -> Any:
        """The planned value at ``path`` (None when unset), or an :class:`Unknown`."""
        if self.is_unknown(resource, path):
            return Unknown(self.unknown(resource, path, what))
        node: Any = resource.values
        for part in path:
            if isinstance(node, Mapping) and isinstance(part, str):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                return None
        return node

    def unknown(self, resource: PlannedResource, path: AttrPath, what: str = "") -> CallFailure:
        attribute = describe_path(path)
        refs = self.references(resource, path)
        from_ = f" (set from {refs[0]})" if refs else ""
        subject = f"{what} ({attribute})" if what else attribute
        return CallFailure(call=resource.address, operation="terraform:plan",
                           code=UNKNOWN_AFTER_APPLY,
                           message=f"{subject} is known only after apply{from_}",
                           file=self.file, pointer=resource.unknown_pointer and
                           resource.unknown_pointer + json_pointer(*path))

    def not_in_plan(self, resource: PlannedResource, message: str) -> CallFailure:
        return CallFailure(call=resource.address, operation="terraform:plan", code=NOT_IN_PLAN,
                           message=message, file=self.file, pointer=resource.pointer)

    def put(self, builder: ResourceBuilder, key: str, resource: PlannedResource,
            path: AttrPath, convert: Callable[[Any], Any] = lambda v: v, *,
            what: str = "") -> Any:
        """Set ``key`` from the planned value at ``path``, converted; fail it when unknown.
        Returns the value set, or the :class:`Unknown`."""
        value = self.value(resource, *path, what=what)
        if isinstance(value, Unknown):
            builder.fail(key, value.failure)
            return value
        converted = convert(value)
        builder.set(key, converted, self.ref(resource, *present_path(resource.values, path)))
        return converted

    # ------------------------------------------------------------------ resources

    def builder(self, resource: PlannedResource, type_: str, name: Any = None) -> ResourceBuilder:
        """A builder for the inventory resource ``resource`` becomes, id its full address,
        with its tags (``tags_all``: provider default tags included) set."""
        label = name if isinstance(name, str) and name else resource.address
        region, account = self.provider_of(resource)
        arn = resource.values.get("arn")
        found = _ARN.match(arn) if isinstance(arn, str) else None
        if found:
            region = found.group(1) or region
            account = found.group(2) or account
        if isinstance(resource.values.get("region"), str):  # AWS provider v6
            region = resource.values["region"]
        builder = ResourceBuilder(id=resource.address, type=type_, account=account,
                                  region=region, name=label)
        self.set_tags(builder, resource)
        return builder

    def set_tags(self, builder: ResourceBuilder, resource: PlannedResource) -> None:
        key = "tags_all" if "tags_all" in resource.values or \
            self.is_unknown(resource, ("tags_all",)) else "tags"
        value = self.value(resource, key, what="the tags, with the provider's default tags")
        if isinstance(value, Unknown):
            builder.fail("Tags", value.failure)
            return
        tags = {str(k): str(v) for k, v in (value or {}).items() if v is not None}
        builder.set_tags(tags, self.ref(resource, key) if key in resource.values
                         else self.ref(resource))

    def of_type(self, *types: str) -> list[PlannedResource]:
        return [r for t in types for r in self.by_type.get(t, ())]

    def targets(self, resource: PlannedResource, attribute: str | AttrPath,
                types: Iterable[str], key: str | None = None) -> list[PlannedResource]:
        """The resources of ``types`` that ``resource``'s ``attribute`` points at: by the
        reference in its configuration (followed through module variables), else, when the
        value is known, by the target's ``key`` attribute holding that value (a bucket
        name)."""
        wanted = tuple(types)
        path = (attribute,) if isinstance(attribute, str) else tuple(attribute)
        found: list[PlannedResource] = []
        # every reference: a list attribute (roles = [a.name, b.name]) names several
        for reference in self.references(resource, path):
            for resolved in resolve_reference(self.plan, resource.module_address, reference):
                found.extend(self._instances(resolved, wanted, resource))
        if not found and key is not None:
            value = self.value(resource, *path)
            names = {v for v in (value if isinstance(value, list) else [value])
                     if isinstance(v, str) and v}
            if names:
                found = [r for t in wanted for r in self.by_type.get(t, ())
                         if r.values.get(key) in names or r.values.get("arn") in names
                         or r.values.get("id") in names]
        return list({r.address: r for r in found}.values())

    def references(self, resource: PlannedResource, path: AttrPath) -> tuple[str, ...]:
        """What the configuration of ``resource`` refers to at ``path``: the expression's
        references, for a value inside a nested block also when the block is written once
        (configuration index 0) and planned as a set."""
        if resource.config is None:
            return ()
        found = resource.config.refs(*path)
        if not found and any(isinstance(p, int) for p in path):
            found = resource.config.refs(*(0 if isinstance(p, int) else p for p in path))
        return found

    def linked(self, types: Sequence[str], attribute: str, target: PlannedResource,
               key: str | None = None) -> list[PlannedResource]:
        """The resources of ``types`` whose ``attribute`` points at ``target`` (the split
        resources of a bucket, the policy attachments of a role), in plan order."""
        found: list[PlannedResource] = []
        for type_ in types:
            index = self._linked.get((type_, attribute))
            if index is None:
                index = defaultdict(list)
                for resource in self.by_type.get(type_, ()):
                    for hit in self.targets(resource, attribute, (target.type,), key):
                        index[hit.address].append(resource)
                self._linked[(type_, attribute)] = index
            found.extend(index.get(target.address, ()))
        return found

    def _instances(self, reference: str, types: tuple[str, ...],
                   source: PlannedResource) -> list[PlannedResource]:
        module, rest = _module_prefix(reference)
        match = _RESOURCE_REF.match(rest)
        if match is None or match.group("type") not in types:
            return []
        base = f"{module}.{match['type']}.{match['name']}" if module else \
            f"{match['type']}.{match['name']}"
        if match.group("key") is not None:
            hit = self.by_address.get(f"{base}[{match['key']}]")
            return [hit] if hit is not None else []
        instances = self._instances_of.get((module or None, match["type"], match["name"]), [])
        if len(instances) > 1:  # count/for_each on both sides: the same instance key
            same = [r for r in instances if r.index == source.index]
            return same
        return instances

    def data_source(self, reference: str, module_address: str | None) -> PlannedResource | None:
        """The data source instance a reference names (``data.aws_kms_key.x.arn``)."""
        for resolved in resolve_reference(self.plan, module_address, reference):
            module, rest = _module_prefix(resolved)
            if not rest.startswith("data."):
                continue
            match = _RESOURCE_REF.match(rest[len("data."):])
            if match is None:
                continue
            base = f"data.{match['type']}.{match['name']}"
            if match.group("key") is not None:
                base += f"[{match['key']}]"
            address = f"{module}.{base}" if module else base
            found = self.data_by_address.get(address)
            if found is not None:
                return found
        return None


def _module_prefix(reference: str) -> tuple[str, str]:
    """``module.a["x"].aws_s3_bucket.b.id`` -> (``module.a["x"]``, ``aws_s3_bucket.b.id``)."""
    module = ""
    rest = reference
    while rest.startswith("module."):
        match = re.match(r'^module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.',
                         rest)
        if match is None:
            break
        module += match.group(0)
        rest = rest[match.end():]
    return module.rstrip("."), rest


def _provider_settings(plan: Plan) -> dict[str, tuple[str, str]]:
    """For each provider configuration key (``aws``, ``aws.west``), the region and the
    account (``allowed_account_ids`` naming one) it gives as constants, else ""."""
    config = plan.configuration.get("provider_config")
    found: dict[str, tuple[str, str]] = {}
    for key, provider in (config.items() if isinstance(config, Mapping) else ()):
        expressions = provider.get("expressions") if isinstance(provider, Mapping) else None
        if not isinstance(expressions, Mapping):
            found[str(key)] = ("", "")
            continue
        constant = (expressions.get("region") or {}).get("constant_value")
        accounts = (expressions.get("allowed_account_ids") or {}).get("constant_value")
        found[str(key)] = (constant if isinstance(constant, str) else "",
                           str(accounts[0]) if isinstance(accounts, list) and len(accounts) == 1
                           else "")
    return found


def policy_document(value: Any) -> Any:
    """A policy attribute (a JSON string in the plan) as a document; None when unset,
    the text itself when it is not JSON."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value

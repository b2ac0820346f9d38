"""Writes plan JSON in the shape of ``terraform show -json`` (format 1.2) for tests and
benchmarks: resource changes, planned values and the configuration, kept consistent."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PROVIDER = "registry.terraform.io/hashicorp/aws"


@dataclass
class Planned:
    """One resource instance. ``refs``: attribute path (dotted, blocks as ``name.0.x``) ->
    the references Terraform lists for its expression; ``unknown``: dotted paths known only
    after apply; ``constants``: dotted paths -> constant values in the configuration."""

    type: str
    name: str
    values: Mapping[str, Any]
    actions: Sequence[str] = ("create",)
    unknown: Sequence[str] = ()
    refs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    module: str | None = None  # e.g. 'module.phi["a"]'
    index: int | str | None = None
    before: Mapping[str, Any] | None = None
    provider: str = "aws"  # its provider configuration key (an alias: "aws.west")

    @property
    def address(self) -> str:
        key = "" if self.index is None else (f"[{self.index}]" if isinstance(self.index, int)
                                             else f'["{self.index}"]')
        own = f"{self.type}.{self.name}{key}"
        return f"{self.module}.{own}" if self.module else own


def _nest(paths: Sequence[str]) -> Any:
    tree: dict[str, Any] = {}
    for path in paths:
        parts = path.split(".")
        node: Any = tree
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = parts[i + 1] if not last else None
            key: Any = int(part) if part.isdigit() else part
            if isinstance(node, list):
                while len(node) <= key:
                    node.append({} if nxt is not None and not nxt.isdigit() else [])
                if last:
                    node[key] = True
                else:
                    node = node[key]
            else:
                if last:
                    node[key] = True
                else:
                    node = node.setdefault(key, [] if nxt is not None and nxt.isdigit() else {})
    return tree


def _expressions(resource: Planned) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, refs in resource.refs.items():
        parts = path.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if part.isdigit():
                index = int(part)
                while len(node) <= index:
                    node.append({})
                node = node[index]
            else:
                node = node.setdefault(part, [] if nxt.isdigit() else {})
        node[parts[-1]] = {"references": list(refs)}
    for key, value in resource.values.items():
        if key not in out and not isinstance(value, (list, dict)) and value is not None \
                and key not in ("arn", "id", "tags_all"):
            out[key] = {"constant_value": value}
    return out


def plan(resources: Sequence[Planned], *, region: str = "us-east-1",
         default_tags: Mapping[str, str] | None = None,
         module_calls: Mapping[str, Mapping[str, Any]] | None = None,
         aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A plan document; ``module_calls``: call name -> {"source": ..., "expressions": {...}};
    ``aliases``: provider alias -> its region (``{"west": "us-west-2"}`` is ``aws.west``)."""
    changes = []
    by_module: dict[str | None, list[dict[str, Any]]] = {}
    for r in resources:
        after = None if "delete" in r.actions and "create" not in r.actions else dict(r.values)
        change = {"address": r.address, "mode": "managed", "type": r.type, "name": r.name,
                  "provider_name": PROVIDER,
                  "change": {"actions": list(r.actions), "before": r.before, "after": after,
                             "after_unknown": _nest(r.unknown) if after is not None else {},
                             "before_sensitive": False if r.before is None else {},
                             "after_sensitive": {} if after is not None else False}}
        if r.module:
            change["module_address"] = r.module
        if r.index is not None:
            change["index"] = r.index
        changes.append(change)
        if after is not None:
            entry = {"address": r.address, "mode": "managed", "type": r.type, "name": r.name,
                     "provider_name": PROVIDER, "schema_version": 0, "values": after,
                     "sensitive_values": {}}
            if r.index is not None:
                entry["index"] = r.index
            by_module.setdefault(r.module, []).append(entry)
    root: dict[str, Any] = {"resources": by_module.pop(None, [])}
    if by_module:
        root["child_modules"] = [{"address": m, "resources": rs}
                                 for m, rs in sorted(by_module.items())]
    config_root: dict[str, Any] = {"resources": []}
    seen: set[tuple[str | None, str]] = set()
    calls: dict[str, Any] = {k: {"source": v.get("source", f"./modules/{k}"),
                                 "expressions": v.get("expressions", {}),
                                 "module": {"resources": []}}
                             for k, v in (module_calls or {}).items()}
    for r in resources:
        base = f"{r.type}.{r.name}"
        if (r.module, base) in seen:
            continue
        seen.add((r.module, base))
        block = {"address": base, "mode": "managed", "type": r.type, "name": r.name,
                 "provider_config_key": r.provider, "expressions": _expressions(r),
                 "schema_version": 0}
        if r.module:
            call = r.module.split(".")[1].split("[")[0]
            calls[call]["module"]["resources"].append(block)
        else:
            config_root["resources"].append(block)
    if calls:
        config_root["module_calls"] = calls
    provider = {"name": "aws", "full_name": PROVIDER,
                "expressions": {"region": {"constant_value": region}}}
    if default_tags:
        provider["expressions"]["default_tags"] = [{"tags": {"constant_value":
                                                             dict(default_tags)}}]
    providers: dict[str, Any] = {"aws": provider}
    for alias, alias_region in (aliases or {}).items():
        providers[f"aws.{alias}"] = {"name": "aws", "full_name": PROVIDER, "alias": alias,
                                     "expressions": {"region": {"constant_value": alias_region}}}
    return {"format_version": "1.2", "terraform_version": "1.9.8",
            "planned_values": {"root_module": root}, "resource_changes": changes,
            "configuration": {"provider_config": providers, "root_module": config_root},
            "timestamp": "2026-12-01T15:04:05Z", "applyable": True, "complete": True,
            "errored": False}


def dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"

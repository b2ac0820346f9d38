"""The catalogue of resource types and fields (govkit/schemas/resource-types.json), which rule
keys and message templates are checked against, stays in step with what normalisers build."""

from __future__ import annotations

from govkit.inventory.build import build_inventory
from govkit.policy.templates import fields_of, known_resource_types
from govkit.run import Run, read_manifest
from govkit.snapshot import Snapshot


def test_every_attribute_the_normalisers_build_is_catalogued(demo_run: Run) -> None:
    manifest = read_manifest(demo_run.path)
    inventory = build_inventory(Snapshot.open(demo_run.path), manifest["accounts"],
                                regions=manifest["regions"])
    seen_types = {r.type for r in inventory.resources}
    assert seen_types <= set(known_resource_types())
    missing: set[str] = set()
    for resource in inventory.resources:
        fields = fields_of(resource.type) or frozenset()
        missing |= {f"{resource.type}.{k}" for k in {*resource.attributes, *resource.failures}
                    if k not in fields}
        for key, value in resource.attributes.items():
            item_fields = fields_of(resource.type, key)
            if item_fields is None or not isinstance(value, list):
                continue
            for item in value:
                missing |= {f"{resource.type}.{key}[].{k}" for k in item
                            if k not in item_fields}
    assert not missing, sorted(missing)

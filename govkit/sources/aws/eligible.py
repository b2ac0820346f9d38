"""AWS's HIPAA eligible services: the dated list a scan judges PHI resources against.

AWS publishes no API for the list. govkit ships a dated copy (hipaa-eligible-services.yaml
beside this file, with its source and the day it was taken); ``aws.hipaa_eligible_services``
in govkit.yaml names a refreshed copy instead. Every AWS scan records the list it used whole
into the snapshot, with its sha256, so an auditor sees which list a finding was judged
against and a replay judges against the same one.

Once the inventory is built, every AWS resource that keeps data and carries tags (only those
can be told to hold PHI; IAM identities keep none) gains ``HipaaEligibility``: the IAM service
prefix its ARN names, and the list entry that covers it, or why none does (the service is not
listed, or is listed only for other engines). Those resources are also listed together as
``aws.resource``, the type the eligibility rule judges; whether the list is too old to trust
an absence is the rule's call, since it depends on the evaluation time.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Inventory, Ref, Resource, ResourceBuilder
from govkit.people.join import ACCOUNT
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.interface import NormalizeContext
from govkit.policy.yamlfile import load_yaml, validate
from govkit.sources.yaml_file import record_yaml

DEFAULT_LIST = Path(__file__).with_name("hipaa-eligible-services.yaml")
SCHEMA_FILE = Path(__file__).with_name("hipaa-eligible-services.schema.json")
SERVICE = "hipaa-eligible"
OPERATION = "ReadHipaaEligibleServices"
LIST_TYPE = "aws.hipaa_eligible_services"
GROUP = "aws.resource"  # every tagged AWS resource, whatever its type
KEY = "HipaaEligibility"


def record(path: Path | None, writer: SnapshotWriter) -> None:
    """Validate the list (errors name the file, line and field) and record it whole."""
    record_yaml(path or DEFAULT_LIST, SCHEMA_FILE, writer, service=SERVICE,
                operation=OPERATION, key="list")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for entry in snapshot.select(SERVICE, OPERATION):
        data = snapshot.load(entry).response.get("list") or {}
        yield _listing(data, entry.file, "/response/list", entry.params.get("file"),
                       Ref(entry.file, "/params"))
        yield Coverage(type=LIST_TYPE, account=SERVICE, region=GLOBAL_REGION,
                       source=entry.file)


def read_listing(path: Path | None = None) -> Resource:
    """The list as a resource read straight from its file (a plan's gate records no
    snapshot): validated like a scan's, its values pointing into the file."""
    path = path or DEFAULT_LIST
    doc = load_yaml(path)
    validate(doc, json.loads(SCHEMA_FILE.read_text("utf-8")))
    return _listing(doc.data or {}, str(path), "", path.name, Ref(str(path)))


def _listing(data: Mapping[str, Any], file: str, base: str, name: Any, named_at: Ref
             ) -> Resource:
    source = data.get("source") or {}
    builder = ResourceBuilder(id=f"hipaa-eligible-services:{data.get('as_of')}",
                              type=LIST_TYPE, account=SERVICE, region=GLOBAL_REGION,
                              name=f"AWS HIPAA eligible services as of {data.get('as_of')}")
    builder.set("AsOf", data.get("as_of"), Ref(file, f"{base}/as_of"))
    builder.set("Source", source.get("url"), Ref(file, f"{base}/source"))
    builder.set("File", name, named_at)
    builder.set("Services", list(data.get("services") or []), Ref(file, f"{base}/services"))
    return builder.build()


def service_of(resource: Resource) -> str:
    """The IAM service prefix of a resource: the service part of its ARN, else its type's
    (``aws.workspaces_web.portal`` is ``workspaces-web``)."""
    if resource.id.startswith("arn:"):
        parts = resource.id.split(":", 3)
        if len(parts) > 2 and parts[2]:
            return parts[2]
    return resource.type.split(".")[1].replace("_", "-")


# identities, not places data is kept: a PHI tag on a role marks what it reaches
IDENTITY_TYPES = ("aws.iam.", "aws.identitystore.")


def may_hold_data(resource_type: str) -> bool:
    """Whether resources of this type are where data is kept (a bucket, a volume, a stack),
    as opposed to identities and govkit's own records."""
    return resource_type.startswith("aws.") and resource_type != LIST_TYPE and \
        not resource_type.startswith(IDENTITY_TYPES)


def _tagged(resource: Resource) -> bool:
    """Whether the resource may hold data and its tags were read, or their read failed (PHI
    is then unknown); types whose tags govkit does not collect cannot hold PHI as govkit
    sees it."""
    if not may_hold_data(resource.type):
        return False
    failed = resource.failures.get("Tags")
    return "Tags" in resource.attributes or (failed is not None
                                             and failed.code != "NotCollected")


def attach(resources: Sequence[Resource]) -> list[Resource]:
    """The resources, each tagged AWS resource with ``HipaaEligibility``; unchanged when no
    list was recorded (a run made before govkit recorded one)."""
    lists = [r for r in resources if r.type == LIST_TYPE]
    if not lists:
        return list(resources)
    listing = lists[0]
    by_prefix: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for position, entry in enumerate(listing.attributes.get("Services") or []):
        for prefix in entry.get("prefixes") or []:
            by_prefix.setdefault(str(prefix), []).append((position, entry))
    return [_judged(r, listing, by_prefix) if _tagged(r) else r for r in resources]


def _judged(resource: Resource, listing: Resource,
            by_prefix: Mapping[str, Sequence[tuple[int, Mapping[str, Any]]]]) -> Resource:
    service = service_of(resource)
    (list_ref,) = listing.sources["Services"][:1]
    facts: dict[str, Any] = {"ResourceType": resource.type, "Service": service,
                             "ListAsOf": listing.attributes.get("AsOf"),
                             "ListSource": listing.attributes.get("Source"),
                             "Listed": False, "Entry": None, "Why": None}
    proof: list[Ref] = [list_ref]
    unmet: list[str] = []
    for position, entry in by_prefix.get(service, ()):
        at = Ref(list_ref.file, f"{list_ref.pointer}/{position}")
        only = entry.get("only")
        if only is None or str(only["attribute"]) not in resource.attributes \
                and str(only["attribute"]) not in resource.failures:
            facts |= {"Listed": True, "Entry": entry.get("name"), "Note": entry.get("note")}
            return resource.extended({KEY: (facts, [at])})
        attribute = str(only["attribute"])
        if attribute in resource.failures:  # the engine could not be read: unknown
            return resource.extended({}, {KEY: resource.failures[attribute]})
        value = str(resource.attributes[attribute])
        if any(fnmatch.fnmatchcase(value, str(p)) for p in only["values"]):
            facts |= {"Listed": True, "Entry": entry.get("name"), "Note": entry.get("note"),
                      attribute: value}
            return resource.extended({KEY: (facts, [at, *resource.sources.get(attribute, ())])})
        unmet.append(f"{entry.get('name')} only for {attribute} "
                     f"{', '.join(map(str, only['values']))}")
        facts[attribute] = value
        proof += [at, *resource.sources.get(attribute, ())]
    if unmet:
        attribute = str(by_prefix[service][0][1]["only"]["attribute"])
        facts["Why"] = (f"its {attribute} is {facts[attribute]}; the list names "
                        f"{'; '.join(unmet)}")
    else:
        facts["Why"] = f"the list names no service with IAM prefix {service}"
    return resource.extended({KEY: (facts, proof)})


def grouped(inventory: Inventory) -> Inventory:
    """The inventory with every resource that carries ``HipaaEligibility`` also listed as
    ``aws.resource``, covered in every account where a tagged resource type was listed."""
    if not inventory.of_type(LIST_TYPE):
        return inventory
    members = [r for r in inventory.resources if KEY in r.attributes or KEY in r.failures]
    files = [c.source for c in inventory.coverage_of(LIST_TYPE) if c.source]
    accounts = sorted({c.account for c in inventory.coverage
                       if c.type.startswith("aws.") and c.type != LIST_TYPE
                       and c.failure is None})
    coverage = [Coverage(type=GROUP, account=account, region=GLOBAL_REGION,
                         source=files[0] if files else None) for account in accounts]
    # a member type whose listing failed leaves the group incomplete there
    coverage += [Coverage(type=GROUP, account=c.account, region=c.region, failure=c.failure,
                          source=c.source, member=c.type) for c in inventory.coverage
                 if c.failure is not None and may_hold_data(c.type)]
    return Inventory.of(inventory.resources, [*inventory.coverage, *coverage],
                        groups={ACCOUNT: inventory.of_type(ACCOUNT), GROUP: members})


def stale(listing_ref: Ref | None, service: str, as_of: str, age_days: int,
          limit: int) -> CallFailure:
    """Why a service's absence from a list older than the limit proves nothing (resources of
    one service share it, so they are reported together)."""
    return CallFailure.not_collected(
        SERVICE, OPERATION, f"it does not cover service {service}, but it is {age_days} days "
        f"old (limit {limit}), so a service added since cannot be ruled out until the list is "
        "refreshed", listing_ref,
        call=f"the HIPAA eligible services list of {as_of}, for service {service}")

"""The vendor register as a source: every business associate, its BAA and what it reaches.

The register is the covered entity's own record of its vendors (the ``vendor_register``
section names the YAML file; register.schema.json beside this file is its format). It is
validated (errors name the file, line and field), recorded whole into the snapshot (so the
evidence holds the register the scan judged against, with its sha256) and normalised into one
``vendor.record`` per vendor, and one ``vendor.register`` with the organisation's own sign-in
domains (``own_domains``). Its vendor names are the ones the agent rosters use
(the ``vendors`` section), which is how a vendor's agents, their accounts and the VDI windows
they open are found (govkit.vendors)::

    own_domains: [northbridge-health.example]
    vendors:
      - name: Meridian Contact Services
        services: [scheduling, billing questions, after-hours calls]
        phi_access: view_only_vdi          # none | view_only_vdi | process | store
        baa: {status: signed, signed: 2025-02-20, effective: 2025-03-01,
              expires: 2027-02-28, document: {sha256: ..., url: ...}}
        subcontractors:
          - {name: Bayline Staffing, phi_access: view_only_vdi, baa_flowdown: true}
        last_verification: 2026-01-15      # the last written verification of safeguards
        aws_account_ids: ["444455556666"]
        idp_groups: [Meridian-Agents]
        idp_domains: [meridian-cs.example]
        access_paths: [nbh-phi-desk]       # VDI windows by name
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.errors import InputError
from govkit.inventory.model import (
    CallFailure, Coverage, Ref, Resource, ResourceBuilder, json_pointer)
from govkit.policy.yamlfile import YamlDocument
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.interface import CollectWindow, NormalizeContext
from govkit.sources.yaml_file import existing_file, record_yaml

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")
REGISTER_SCHEMA = Path(__file__).with_name("register.schema.json")
SERVICE = "register"
OPERATION = "ReadVendorRegister"
TYPE = "vendor.record"
REGISTER_TYPE = "vendor.register"
_LISTS = {"Services": "services", "AwsAccountIds": "aws_account_ids",
          "IdpGroups": "idp_groups", "IdpDomains": "idp_domains",
          "AccessPaths": "access_paths"}


@dataclass(frozen=True)
class Settings:
    path: Path


def settings_from(section: str, *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str]) -> Settings:
    return Settings(existing_file(section, resolve, "vendor register"))


def collect(settings: Settings, writer: SnapshotWriter, window: CollectWindow) -> dict[str, Any]:
    doc = record_yaml(settings.path, REGISTER_SCHEMA, writer, service=SERVICE,
                      operation=OPERATION, key="register", check=_names_once)
    return {"type": SERVICE, "file": settings.path.name, "vendors": len(doc.data["vendors"])}


def _names_once(doc: YamlDocument) -> None:
    """Each vendor once: rosters and findings find a vendor by its name."""
    vendors = doc.data["vendors"]
    names = [str(v["name"]).strip().casefold() for v in vendors]
    for position, name in enumerate(names):
        if name in names[:position]:
            raise InputError(doc.path, f"vendor '{vendors[position]['name']}' is listed twice "
                             f"(entries {names.index(name)} and {position})",
                             line=doc.line_of(["vendors", position, "name"]))


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for entry in snapshot.select(SERVICE, OPERATION):
        record = snapshot.load(entry)
        data = record.response.get("register") or {}
        for position, vendor in enumerate(data.get("vendors") or []):
            yield _vendor(entry.file, position, vendor)
        yield _register(entry.file, data)
        yield Coverage(type=TYPE, account=SERVICE, region=GLOBAL_REGION, source=entry.file)


def _register(file: str, data: Mapping[str, Any]) -> Resource:
    """The register itself: the organisation's own sign-in domains; when it lists none, the
    absence is a failure, so whether an account's domain is external is unknown (ERROR)."""
    builder = ResourceBuilder(id="vendor-register", type=REGISTER_TYPE, account=SERVICE,
                              region=GLOBAL_REGION, name="vendor register")
    if "own_domains" in data:
        builder.set("OwnDomains", list(data["own_domains"]),
                    Ref(file, json_pointer("response", "register", "own_domains")))
    else:
        builder.fail("OwnDomains", CallFailure.not_collected(
            SERVICE, OPERATION, "the vendor register lists no own_domains, so an account's "
            "domain cannot be told to be the organisation's own or an outsider's",
            Ref(file, json_pointer("response", "register")),
            call="the vendor register's own_domains"))
    return builder.build()


def _vendor(file: str, position: int, vendor: Mapping[str, Any]) -> Resource:
    def at(field: str) -> Ref:  # an absent field: the vendor's entry, which leaves it out
        return Ref(file, json_pointer("response", "register", "vendors", position,
                                      *([field] if field in vendor else [])))

    name = str(vendor["name"]).strip()
    builder = ResourceBuilder(id=f"vendor-register:{name}", type=TYPE, account=SERVICE,
                              region=GLOBAL_REGION, name=name)
    builder.set("PhiAccess", vendor.get("phi_access"), at("phi_access"))
    baa = vendor.get("baa") or {}
    builder.set("Baa", {"Status": baa.get("status"), "Signed": baa.get("signed"),
                        "Effective": baa.get("effective"), "Expires": baa.get("expires"),
                        "Terminated": baa.get("terminated"),
                        "Document": dict(baa.get("document") or {}) or None}, at("baa"))
    builder.set("Subcontractors", [
        {"Name": s.get("name"), "Services": list(s.get("services") or []),
         "PhiAccess": s.get("phi_access"), "BaaFlowdown": s.get("baa_flowdown")}
        for s in vendor.get("subcontractors") or []], at("subcontractors"))
    builder.set("LastVerification", vendor.get("last_verification"),
                at("last_verification"))
    for key, field in _LISTS.items():
        builder.set(key, list(vendor.get(field) or []), at(field))
    return builder.build()

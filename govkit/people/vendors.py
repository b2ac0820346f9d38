"""What each vendor in the register can reach: the paths to PHI the BAA rules judge, and the
glass-window matrix (each VDI window its agents can open, with each of its controls).

A vendor reaches PHI when the register says so (``phi_access`` other than ``none``), when a
role in a scanned AWS account trusts one of its AWS accounts, when its agents' accounts hold
one of its identity-provider groups, or when its agents can open a VDI window: one named in
its ``access_paths``, or one whose entitlements (a group, an application, a user) its agents'
accounts hold or its ``idp_groups`` name. Agents are the people its roster lists (the person's
``Vendor``). Each path keeps the records that prove it.

Roles trusted by outside AWS accounts are also marked with the vendor each account belongs to
(``ExternalAccountVendors``), so an account in no vendor's record is found: an unknown third
party with access. Likewise every identity-provider account with a sign-in domain gains
``Domain`` and ``DomainOwner`` (the organisation itself, the vendor whose ``idp_domains``
name it or a parent of it, or nobody).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govkit.inventory.model import Inventory, Ref, Resource
from govkit.people.join import ACCOUNT, PERSON
from govkit.vdi.window import CHANNELS, LIMITS, WINDOW

VENDOR = "vendor.record"
REGISTER = "vendor.register"
# a window whose entitlements could not be read: whether the vendor's agents open it is unknown
UNKNOWN_REACH = "unknown: who may open it could not be read"
ROLE = "aws.iam.role"
_WINDOW_KEYS = frozenset((*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"))


def attach(inventory: Inventory) -> Inventory:
    """The inventory with every vendor's paths and windows, and every externally trusted
    role's vendors; unchanged when no register was read."""
    records = inventory.of_type(VENDOR)
    if not records:
        return inventory
    agents: dict[str, list[Resource]] = defaultdict(list)
    for person in inventory.of_type(PERSON):
        vendor = person.attributes.get("Vendor")
        if vendor:
            agents[str(vendor).casefold()].append(person)
    roles = [r for r in inventory.of_type(ROLE) if r.attributes.get("ExternalAccounts")]
    windows = inventory.of_type(WINDOW)
    changed = {v.id: _vendor(v, agents.get(v.name.casefold(), []), windows, roles)
               for v in records}
    owners = {str(account): v for v in records
              for account in v.attributes.get("AwsAccountIds") or []}
    # the same for every role: the records of every vendor that names an AWS account
    owner_proof = [r for v in {id(o): o for o in owners.values()}.values()
                   for r in v.sources.get("AwsAccountIds", ())]
    changed |= {r.id: _role(r, owners, owner_proof) for r in roles}
    domains = _Domains(records, inventory.of_type(REGISTER))
    changed |= {a.id: extended for a in inventory.of_type(ACCOUNT)
                if (extended := domains.mark(a)) is not None}
    resources = [changed.get(r.id, r) for r in inventory.resources]
    return Inventory.of(resources, inventory.coverage,
                        groups={ACCOUNT: [changed.get(a.id, a)
                                          for a in inventory.of_type(ACCOUNT)]})


def _holdings(agents: Sequence[Resource]) -> dict[str, set[str]]:
    """What the agents' accounts hold, by kind: group and application names, and the logins
    and addresses of the accounts themselves (AppStream users are e-mail addresses)."""
    held: dict[str, set[str]] = {"group": set(), "application": set(), "user": set()}
    for person in agents:
        for account in person.attributes.get("Accounts") or []:
            held["group"] |= {str(g).casefold() for g in account.get("Groups") or []}
            held["application"] |= {str(a).casefold()
                                    for a in account.get("Applications") or []}
            if account.get("Login"):
                held["user"].add(str(account["Login"]).casefold())
        held["user"] |= {str(e).casefold() for e in person.attributes.get("Emails") or []}
    return held


def _reached(window: Resource, named: set[str], groups: set[str],
             held: Mapping[str, set[str]]) -> str | None:
    """How the vendor's agents reach ``window``, or None: ``named`` and ``groups`` are the
    vendor's access paths and identity-provider groups, casefolded."""
    attributes = window.attributes
    if {window.name.casefold(), window.id.casefold(), str(attributes.get("Source")).casefold(),
            str(attributes.get("Window")).casefold()} & named:
        return "named in the register's access_paths"
    for entitlement in attributes.get("Entitlements") or []:
        kind, name = str(entitlement.get("Kind")), str(entitlement.get("Name"))
        if kind == "group" and name.casefold() in groups:
            return f"entitled group {name} is one of the vendor's groups"
        if name.casefold() in held.get(kind, set()):
            return f"entitled {kind} {name} is held by the vendor's agents"
    return None


def _vendor(vendor: Resource, agents: Sequence[Resource], windows: Iterable[Resource],
            roles: Iterable[Resource]) -> Resource:
    held = _holdings(agents)
    paths: list[dict[str, str]] = []
    proof: list[Ref] = []
    access = vendor.attributes.get("PhiAccess")
    if access and access != "none":
        paths.append({"Kind": "register", "Name": f"phi_access {access}", "Via": "the register"})
        proof += vendor.sources.get("PhiAccess", ())
    accounts = {str(a) for a in vendor.attributes.get("AwsAccountIds") or []}
    for role in roles:
        trusted = sorted({str(e.get("Account")) for e in role.attributes["ExternalAccounts"]}
                         & accounts)
        if trusted:
            paths.append({"Kind": "aws-role", "Name": f"role {role.name} in {role.account}",
                          "Via": f"trusts account {', '.join(trusted)}"})
            proof += role.sources.get("ExternalAccounts", ())
    for group in vendor.attributes.get("IdpGroups") or []:
        if str(group).casefold() in held["group"]:
            paths.append({"Kind": "idp-group", "Name": f"group {group}",
                          "Via": "held by the vendor's agents"})
    reached: list[tuple[Resource, str]] = []
    could_reach = bool(agents) or bool(vendor.attributes.get("IdpGroups"))
    named = {str(p).casefold() for p in vendor.attributes.get("AccessPaths") or []}
    groups = {str(g).casefold() for g in vendor.attributes.get("IdpGroups") or []}
    for window in windows:
        via = _reached(window, named, groups, held)
        if via is not None:
            reached.append((window, via))
            paths.append({"Kind": "window", "Name": str(window.attributes.get("Window")),
                          "Via": via})
            proof += window.sources.get("Window", ())
        elif could_reach and "Entitlements" in window.failures:
            # who may open it is unknown: the vendor's agents may, and the matrix says so
            reached.append((window, UNKNOWN_REACH))
    items = [_window_item(window, via) for window, via in reached]
    active = sum(1 for p in agents if p.attributes.get("Status") != "terminated")
    extended = vendor.extended({
        "Agents": ({"Listed": len(agents), "NotTerminated": active},
                   [r for p in agents[:1] for r in p.sources.get("Vendor", ())]
                   or list(vendor.sources.get("PhiAccess", ()))),
        "PhiPaths": (paths, proof or list(vendor.sources.get("PhiAccess", ()))),
        "Windows": (items, [r for w, _ in reached for r in w.sources.get("Window", ())]
                    or list(vendor.sources.get("AccessPaths", ())))})
    # each window's controls keep their own records and failures, as Windows[i].<control>
    lent = ("Windows", [w for w, _ in reached], _WINDOW_KEYS)
    return extended.lending([lent], [lent])


def _window_item(window: Resource, via: str) -> dict[str, Any]:
    known, unknown = window.listed((*CHANNELS, *LIMITS, "StorageConnectors"))
    return {"Id": window.id, "Window": window.attributes.get("Window") or window.name,
            "Platform": window.attributes.get("Platform"), "Via": via, **known,
            "Unknown": unknown}


def _role(role: Resource, owners: Mapping[str, Resource],
          owner_proof: Sequence[Ref]) -> Resource:
    found = {str(e.get("Account")): (owners[str(e.get("Account"))].name
                                      if str(e.get("Account")) in owners else None)
             for e in role.attributes["ExternalAccounts"]}
    proof = [*role.sources.get("ExternalAccounts", ()), *owner_proof]
    return role.extended({"ExternalAccountVendors": (found, proof)})


def sign_in_domain(account: Resource) -> tuple[str, tuple[Ref, ...]] | None:
    """The domain an account signs in with, from its login, else its first address; an
    Entra guest's (``alias_partner.example#EXT#@tenant.onmicrosoft.com``) from its mail, the
    outside address it was invited with."""
    attributes, sources = account.attributes, account.sources
    login = str(attributes.get("Login") or "")
    emails = [str(e) for e in attributes.get("Emails") or [] if "@" in str(e)]
    if "@" in login and "#EXT#" not in login.upper():
        return login.rsplit("@", 1)[1].casefold(), sources.get("Login", ())
    if emails:
        return emails[0].rsplit("@", 1)[1].casefold(), sources.get("Emails", ())
    return None


class _Domains:
    """Whose each sign-in domain is: the organisation's own (the register's
    ``own_domains``), a vendor's (its ``idp_domains``), or nobody's; a subdomain is its
    parent's."""

    def __init__(self, vendors: Sequence[Resource], registers: Sequence[Resource]) -> None:
        self.parties: dict[str, tuple[dict[str, Any], tuple[Ref, ...]]] = {}
        for vendor in vendors:
            for domain in vendor.attributes.get("IdpDomains") or []:
                self.parties[str(domain).casefold()] = (
                    {"Kind": "vendor", "Vendor": vendor.name},
                    vendor.sources.get("IdpDomains", ()))
        register = registers[0] if registers else None
        self.unknown_own = register.failures.get("OwnDomains") if register else None
        self.own_proof = register.sources.get("OwnDomains", ()) if register else ()
        for domain in (register.attributes.get("OwnDomains") or []) if register else []:
            self.parties[str(domain).casefold()] = ({"Kind": "own"}, self.own_proof)

    def owner(self, domain: str) -> tuple[dict[str, Any], tuple[Ref, ...]] | None:
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            found = self.parties.get(".".join(labels[start:]))
            if found is not None:
                return found
        return None

    def mark(self, account: Resource) -> Resource | None:
        found = sign_in_domain(account)
        if found is None:
            return None
        domain, refs = found
        owner = self.owner(domain)
        values: dict[str, tuple[Any, Any]] = {"Domain": (domain, refs)}
        if owner is not None:
            values["DomainOwner"] = (owner[0], [*refs, *owner[1]])
            return account.extended(values)
        if self.unknown_own is not None:  # maybe the organisation's own: unknown
            return account.extended(values, {"DomainOwner": self.unknown_own})
        values["DomainOwner"] = ({"Kind": None}, [*refs, *self.own_proof])
        return account.extended(values)

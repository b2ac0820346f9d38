"""One ``azure.avd.host_pool`` per host pool listed: its ARM settings, its custom RDP
properties parsed, what each redirection property means, and who may open it.

Attributes (each with a Ref to the place it was read; a property the answer does not carry at
all fails its attribute, NotCollected):

``ResourceGroup``, ``Subscription``  from the ARM id; ``Location`` (also the region)
``HostPoolType``, ``PreferredAppGroupType``, ``LoadBalancerType``, ``PublicNetworkAccess``,
``StartVMOnConnect``, ``MaxSessionLimit``  ARM's properties (MaxSessionLimit is the number of
                  concurrent sessions per session host, no time limit)
``CustomRdpProperty``  the string as ARM holds it (None: no custom properties)
``RdpProperties``  its well-formed entries in order, ``{Name, Type, Value, Text}``
``RdpMalformed``   the entries it could not read, ``{Text, Problem}``
``Redirect*``      one per redirection property of govkit.sources.avd.rdp (RedirectClipboard,
                  RedirectDrives, RedirectPrinters, RedirectUsbDevices, RedirectPnpDevices,
                  RedirectCameras, RedirectComPorts, RedirectSmartCards, RedirectMicrophone,
                  RedirectLocation, RedirectWebAuthn): ``{Property, Allowed, Explicit,
                  Setting}``; failed (MalformedRdpProperty, naming the entry) when a malformed
                  entry may concern it
``ApplicationGroups``  names of the application groups publishing it
``Assignments``    ``{PrincipalId, PrincipalType, DisplayName, ApplicationGroup}`` over them
``Tags``           the Azure tags (an item without ``tags`` has none)
``SessionHosts``   the session hosts the session-host export lists for it
``MaxIdleTime``, ``MaxDisconnectionTime``, ``MaxConnectionTime``  the session hosts' Group
                  Policy time limits, one ``{SessionHost, Milliseconds}`` per host (None: not
                  set), from the session-host export (govkit.sources.avd.sessionhosts); failed
                  when it was not given or lists no host of the pool

The redirection settings here are the host pool's; session-host Group Policy can restrict
them further (the most restrictive wins), which govkit does not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.snapshot import GLOBAL_REGION
from govkit.sources.avd import queries as q
from govkit.sources.avd import rdp
from govkit.sources.avd.groups import (
    Groups, arm_common, at, field_path, field_value, not_collected)
from govkit.sources.avd.sessionhosts import SessionHosts, set_limits

HOST_POOL = "azure.avd.host_pool"
ARM_FIELDS = {"HostPoolType": "hostPoolType", "PreferredAppGroupType": "preferredAppGroupType",
              "LoadBalancerType": "loadBalancerType",
              "PublicNetworkAccess": "publicNetworkAccess",
              "StartVMOnConnect": "startVMOnConnect", "MaxSessionLimit": "maxSessionLimit"}
RDP_KEYS = ("CustomRdpProperty", "RdpProperties", "RdpMalformed",
            *(r.attribute for r in rdp.REDIRECTIONS))


def host_pool(item: Mapping[str, Any], ref: Ref, subscription: str, groups: Groups,
              hosts: SessionHosts | None = None) -> Resource:
    """The host pool ``item`` (at ``ref``); ``hosts``: the recorded session-host export (None:
    not given)."""
    pool_id = str(item["id"])
    parsed = q.parse_id(pool_id, "hostPools")
    name = str(item.get("name") or (parsed[2] if parsed else pool_id))
    builder = ResourceBuilder(id=pool_id, type=HOST_POOL, account=subscription,
                              region=str(item.get("location") or GLOBAL_REGION), name=name)
    arm_common(builder, item, ref, subscription, parsed)
    for key, prop in ARM_FIELDS.items():
        path = field_path(item, prop)
        if path is None:
            builder.fail(key, _missing(prop, name, ref))
        else:
            builder.set(key, field_value(item, prop), at(ref, *path))
    _rdp_properties(builder, item, ref, name)
    _published(builder, groups, pool_id)
    set_limits(builder, pool_id, name, ref, hosts)
    return builder.build()


def _missing(prop: str, pool: str, ref: Ref) -> CallFailure:
    return not_collected(q.LIST_HOST_POOLS, f"the answer has no {prop} for host pool {pool}",
                         ref)


def _rdp_properties(builder: ResourceBuilder, item: Mapping[str, Any], ref: Ref,
                    pool: str) -> None:
    path = field_path(item, "customRdpProperty")
    raw = field_value(item, "customRdpProperty")
    if path is None or not (raw is None or isinstance(raw, str)):
        failure = _missing("customRdpProperty", pool, ref) if path is None else CallFailure(
            call=f"customRdpProperty of AVD host pool {pool}",
            operation=f"{q.SERVICE}:{q.LIST_HOST_POOLS}", code="UnexpectedAnswer",
            message=f"customRdpProperty is {type(raw).__name__}, not a string",
            file=ref.file, pointer=at(ref, *path).pointer)
        for key in RDP_KEYS:
            builder.fail(key, failure)
        return
    where = at(ref, *path)
    properties = rdp.parse(raw)
    builder.set("CustomRdpProperty", raw, where)
    builder.set("RdpProperties", [e.to_json() for e in properties.entries], where)
    builder.set("RdpMalformed", [m.to_json() for m in properties.malformed], where)
    for redirection in rdp.REDIRECTIONS:
        reading = rdp.read(properties, redirection)
        if isinstance(reading, rdp.Reading):
            builder.set(redirection.attribute, reading.to_json(), where)
        else:
            builder.fail(redirection.attribute, _malformed(reading, redirection, pool, where))


def _malformed(troubles: list[rdp.Malformed], redirection: rdp.Redirection, pool: str,
               where: Ref) -> CallFailure:
    """The entries that leave ``redirection`` unknown, named as the failed "call"."""
    quoted = ", ".join(f"'{bad.text}'" for bad in troubles)
    problems = "; ".join(f"'{bad.text}': {bad.problem}" for bad in troubles)
    return CallFailure(
        call=f"customRdpProperty entry {quoted} of AVD host pool {pool}",
        operation=f"{q.SERVICE}:customRdpProperty", code="MalformedRdpProperty",
        message=f"{problems} (the Remote Desktop client cannot read it, so whether "
                f"{redirection.name} applies is unknown)", file=where.file,
        pointer=where.pointer)


def _published(builder: ResourceBuilder, groups: Groups, pool_id: str) -> None:
    if groups.failure is not None:
        builder.fail("ApplicationGroups", groups.failure).fail("Assignments", groups.failure)
        return
    mine = groups.of_pool(pool_id)
    builder.set("ApplicationGroups", [g.name for g in mine],
                [at(g.ref, *(field_path(g.item, "hostPoolArmPath") or ())) for g in mine]
                or [groups.listing_ref])
    failed = next((g.failure for g in mine if g.failure is not None), None)
    if failed is not None:
        builder.fail("Assignments", failed)
        return
    assignments = [{"PrincipalId": a["PrincipalId"], "PrincipalType": a["PrincipalType"],
                    "DisplayName": a["DisplayName"], "ApplicationGroup": g.name}
                   for g in mine for a in g.assignments]
    refs = [ref for g in mine for ref in g.assignment_refs]
    builder.set("Assignments", assignments, refs or [groups.listing_ref])

"""Load balancers: ``aws.elbv2.load_balancer`` (Application, Network, Gateway) with access
logging, deletion protection and listeners (protocol, port, TLS policy, whether plain HTTP is
redirected to HTTPS); ``aws.elb.load_balancer`` (Classic) with access logging and listeners.

DescribeLoadBalancerAttributes (elbv2) lists every attribute in AWS; an attribute it leaves
out is read as AWS's default, off. A Classic listener is plaintext when its protocol is HTTP
or TCP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, failure, listing_coverage, partition, ref, unread)
from govkit.sources.aws.normalize.described import by_region_and_name
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

CURRENT, CLASSIC = "aws.elbv2.load_balancer", "aws.elb.load_balancer"
PLAINTEXT = frozenset({"HTTP", "TCP"})
TLS = frozenset({"HTTPS", "TLS"})


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "elbv2"):
        yield from _current(RecordSet(snapshot, "elbv2", account), account)
    for account in accounts_of(snapshot, "elb"):
        yield from _classic(RecordSet(snapshot, "elb", account), account)


def _attribute(response: Mapping[str, Any], key: str) -> bool:
    found = {a.get("Key"): a.get("Value") for a in response.get("Attributes") or []}
    return str(found.get(key, "false")).lower() == "true"


def _current(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeLoadBalancers")
    yield from listing_coverage(pages, CURRENT)
    attributes = records.by_param("DescribeLoadBalancerAttributes", "LoadBalancerArn")
    listeners: dict[str, list[CallRecord]] = {}
    for listed in records.of("DescribeListeners"):
        listeners.setdefault(str(listed.entry.params.get("LoadBalancerArn")), []).append(listed)
    for page in pages:
        for index, lb in enumerate(page.response.get("LoadBalancers") or []):
            arn = str(lb.get("LoadBalancerArn"))
            entry = ref(page, "LoadBalancers", index)
            builder = ResourceBuilder(id=arn, type=CURRENT, account=account,
                                      region=page.entry.region,
                                      name=str(lb.get("LoadBalancerName")), item=entry)
            builder.update({"Type": lb.get("Type"), "Scheme": lb.get("Scheme"),
                            "DNSName": lb.get("DNSName")}, entry)
            missing = unread(page, f"load balancer {arn} was listed but not read",
                             "LoadBalancers", index)
            record = attributes.get(arn)
            apply_optional(builder, "AccessLogs", record,
                           lambda r: _attribute(r, "access_logs.s3.enabled"), missing,
                           at=("Attributes",))
            apply_optional(builder, "DeletionProtection", record,
                           lambda r: _attribute(r, "deletion_protection.enabled"), missing,
                           at=("Attributes",))
            _listeners(builder, listeners.get(arn), missing)
            yield builder.build()


def _redirects_to_https(listener: Mapping[str, Any]) -> bool:
    return any(action.get("Type") == "redirect" and
               str((action.get("RedirectConfig") or {}).get("Protocol")).upper() == "HTTPS"
               for action in listener.get("DefaultActions") or [])


def _listeners(builder: ResourceBuilder, pages: list[CallRecord] | None,
               missing: CallFailure) -> None:
    """Every listener of a load balancer (all its DescribeListeners pages), or the failure."""
    if not pages:
        builder.fail("Listeners", missing)
        return
    broken = next((page for page in pages if not page.entry.ok), None)
    if broken is not None:
        builder.fail("Listeners", failure(broken))
        return
    # a security policy applies to HTTPS and TLS listeners only (the emulator names one on
    # every listener)
    found = [{"Port": item.get("Port"), "Protocol": item.get("Protocol"),
              "SslPolicy": item.get("SslPolicy") if item.get("Protocol") in TLS else None,
              "RedirectsToHttps": _redirects_to_https(item)}
             for page in pages for item in page.response.get("Listeners") or []]
    builder.set("Listeners", found, [ref(page, "Listeners") for page in pages])


def _classic(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeLoadBalancers")
    yield from listing_coverage(pages, CLASSIC)
    attributes = by_region_and_name(records, "DescribeLoadBalancerAttributes",
                                    "LoadBalancerName")
    for page in pages:
        region = page.entry.region
        for index, lb in enumerate(page.response.get("LoadBalancerDescriptions") or []):
            name = str(lb.get("LoadBalancerName"))
            entry = ref(page, "LoadBalancerDescriptions", index)
            builder = ResourceBuilder(
                id=f"arn:{partition(region)}:elasticloadbalancing:{region}:{account}:"
                   f"loadbalancer/{name}", type=CLASSIC, account=account, region=region,
                name=name, item=entry)
            listeners = [d.get("Listener") or {} for d in lb.get("ListenerDescriptions") or []]
            at = ref(page, "LoadBalancerDescriptions", index, "ListenerDescriptions")
            builder.update({"Scheme": lb.get("Scheme"), "DNSName": lb.get("DNSName")}, entry)
            builder.set("Listeners", [{"Port": item.get("LoadBalancerPort"),
                                       "Protocol": item.get("Protocol")}
                                      for item in listeners], at)
            builder.set("PlaintextListeners",
                        sorted(f"{item.get('Protocol')}:{item.get('LoadBalancerPort')}"
                               for item in listeners
                               if str(item.get("Protocol")).upper() in PLAINTEXT), at)
            apply_optional(builder, "AccessLogs", attributes.get((region, name)),
                           lambda r: bool(((r.get("LoadBalancerAttributes") or {})
                                           .get("AccessLog") or {}).get("Enabled")),
                           unread(page, f"load balancer {name} was listed but not read",
                                  "LoadBalancerDescriptions", index),
                           at=("LoadBalancerAttributes", "AccessLog", "Enabled"))
            yield builder.build()

"""Citrix DaaS / Citrix Virtual Apps and Desktops as a source: the Citrix policies (clipboard,
client drives, printers, USB, file transfer, watermark, session timers), which delivery groups
each applies to, and who each delivery group lets in, read from a policy export.

Configuration (the ``citrix`` section; config.schema.json beside this file), one site or a
list of sites; a relative path is read from the configuration file's folder::

    citrix:
      site: nbh-daas                        # the label govkit gives the site
      export: exports/citrix-nbh-daas.json

The export is one JSON file holding the Citrix REST API's own answers (export.schema.json;
docs/sources/citrix.md explains every field govkit reads): every policy set with its policies,
their settings and filters, and every delivery group with its access policies. This script
writes it (PowerShell 7, or Windows PowerShell 5.1; the API client's secret, or on premises
the administrator's password, in the environment variable CITRIX_CLIENT_SECRET)::

    param([Parameter(Mandatory)] [string] $CustomerId,  # "CitrixOnPremises" on premises
          [Parameter(Mandatory)] [string] $ClientId,    # on premises: DOMAIN\\administrator
          [string] $Controller,                        # on premises: a Delivery Controller
          [string] $OutFile = "citrix-export.json")
    $ErrorActionPreference = "Stop"
    $secret = $env:CITRIX_CLIENT_SECRET
    if ($Controller) {
        $api = "https://$Controller/citrix/orchestration/api"
        $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${ClientId}:$secret"))
        $token = (Invoke-RestMethod -Method Post "$api/tokens" -Headers @{
            Authorization = "Basic $basic"; Accept = "application/json"}).Token
    } else {
        $api = "https://api.cloud.com/cvad/manage"
        $token = (Invoke-RestMethod -Method Post `
            "https://api.cloud.com/cctrustoauth2/$CustomerId/tokens/clients" -Body @{
            grant_type = "client_credentials"; client_id = $ClientId
            client_secret = $secret}).access_token
    }
    $headers = @{Authorization = "CWSAuth bearer=$token"; Accept = "application/json"
                 "Citrix-CustomerId" = $CustomerId}
    $site = (Invoke-RestMethod "$api/me" -Headers $headers).Customers[0].Sites[0].Id
    $headers["Citrix-InstanceId"] = $site
    if ($Controller) { $api = "$api/$CustomerId/$site" }
    function Get-All([string] $Path) {                 # every page of a collection
        $items = @(); $next = $null
        $join = if ($Path.Contains("?")) { "&" } else { "?" }
        do {
            $uri = "$api$Path"
            if ($next) { $uri += "${join}continuationToken=$([uri]::EscapeDataString($next))" }
            $page = Invoke-RestMethod $uri -Headers $headers
            if ($page.Items) { $items += $page.Items }
            $next = $page.ContinuationToken
        } while ($next)
        , $items
    }
    $sets = Get-All "/gpo/policySets"
    foreach ($set in $sets) {
        $policies = Get-All ("/gpo/policies?policySetGuid=$($set.PolicySetGuid)" +
                             "&withSettings=true&withFilters=true")
        $set | Add-Member -MemberType NoteProperty -Name Policies -Value $policies -Force
    }
    $groups = Get-All "/DeliveryGroups?limit=1000"
    foreach ($group in $groups) {
        $access = Get-All "/DeliveryGroups/$($group.Id)/AdvancedAccessPolicies"
        $group | Add-Member -MemberType NoteProperty -Name AdvancedAccessPolicies `
                            -Value $access -Force
    }
    ConvertTo-Json -InputObject ([ordered]@{PolicySets = $sets; DeliveryGroups = $groups}) `
        -Depth 20 | Set-Content -Encoding utf8 -Path $OutFile

Collection reads and checks every export before recording any (a bad one is an InputError
naming the file, line and JSON path, exit 2, and nothing is written), then records each whole
(``citrix``/``global``/``citrix``/``ReadPolicyExport``, account the site label) with the
file's name and sha256 in the parameters. Normalising (govkit.sources.citrix.normalize) needs
only the record.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import GLOBAL_REGION, Snapshot, SnapshotWriter
from govkit.sources.citrix.normalize import OPERATION, SERVICE
from govkit.sources.citrix.normalize import normalize as _normalize
from govkit.sources.citrix.read import ReadExport, read_export
from govkit.sources.hr import check_section
from govkit.sources.interface import CollectWindow, ConfigProblem, NormalizeContext

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")


@dataclass(frozen=True)
class SiteExport:
    """One configured site: its label and its export file."""

    site: str
    path: Path


def settings_from(section: Mapping[str, Any] | Sequence[Mapping[str, Any]], *,
                  resolve: Callable[[str], Path],
                  environ: Mapping[str, str] | None = None) -> tuple[SiteExport, ...]:
    """The sites the ``citrix`` section names; ConfigProblem (key like ``0.export``) for a
    missing file or a site named twice."""
    check_section(section, SCHEMA_FILE)
    listed = isinstance(section, list)
    entries = cast(Sequence[Mapping[str, Any]], section if listed else [section])
    sites: list[SiteExport] = []
    for position, entry in enumerate(entries):
        prefix = f"{position}." if listed else ""
        path = resolve(str(entry["export"]))
        if not path.is_file():
            raise ConfigProblem(f"{prefix}export", f"no such Citrix export file: {path}")
        site = str(entry["site"])
        if any(s.site.casefold() == site.casefold() for s in sites):
            raise ConfigProblem(f"{prefix}site", f"site '{site}' is listed twice: resource "
                                "ids and records are labelled by site, so name each once")
        sites.append(SiteExport(site, path))
    return tuple(sites)


def collect(settings: Sequence[SiteExport], writer: SnapshotWriter,
            window: CollectWindow | None = None) -> dict[str, Any]:
    """Check every export, then record each; the manifest's entry for the source. An export
    has no time window: ``window`` is not used."""
    checked: list[tuple[SiteExport, ReadExport, dt.datetime, int]] = []
    for site in settings:
        started, clock = dt.datetime.now(dt.timezone.utc), time.monotonic()
        read = read_export(site.path)
        checked.append((site, read, started, int((time.monotonic() - clock) * 1000)))
    listed = []
    for site, read, started, duration in checked:
        entry = writer.record(account=site.site, region=GLOBAL_REGION, service=SERVICE,
                              operation=OPERATION, started_at=started, duration_ms=duration,
                              params={"file": site.path.name, "sha256": read.sha256,
                                      "site": site.site},
                              response={"export": read.data})
        listed.append({"site": site.site, "file": site.path.name, "sha256": read.sha256,
                       "policy_sets": len(read.export.policy_sets),
                       "delivery_groups": len(read.export.groups), "record": entry.file})
    return {"type": SERVICE, "sites": listed}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """``citrix.policy`` and ``citrix.delivery_group`` resources, and their coverage, from
    the snapshot's Citrix records (pure)."""
    return _normalize(snapshot, ctx)


__all__ = ["SCHEMA_FILE", "SiteExport", "collect", "normalize", "settings_from"]

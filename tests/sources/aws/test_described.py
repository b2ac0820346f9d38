"""Listed-then-described resources on hand-built snapshots (OpenSearch domains, described in
batches): an item never described, or missing from the answer that should describe it, has
its fields failed naming why, and a name used in two regions is read from its own region's
answer (OpenSearch domains, and a Redshift cluster's logging status)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.model import Resource
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import opensearch, redshift
from govkit.sources.interface import NormalizeContext

FIELDS = ("EncryptionAtRest", "NodeToNodeEncryption", "EnforceHTTPS")


def _record(writer: SnapshotWriter, region: str, operation: str, params: dict[str, Any],
            response: dict[str, Any]) -> None:
    writer.record(account=DEMO_ACCOUNT, region=region, service="opensearch",
                  operation=operation, params=params, response=response,
                  started_at=dt.datetime.now(dt.UTC), duration_ms=1)


def _status(name: str, encrypted: bool) -> dict[str, Any]:
    return {"DomainName": name, "EncryptionAtRestOptions": {"Enabled": encrypted},
            "NodeToNodeEncryptionOptions": {"Enabled": encrypted},
            "DomainEndpointOptions": {"EnforceHTTPS": encrypted}}


def _domains(path: Path) -> dict[tuple[str, str], Resource]:
    found = opensearch.normalize(Snapshot.open(path),
                                 NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
    return {(r.region, r.name): r for r in found if isinstance(r, Resource)}


def test_undescribed_domains_have_their_fields_failed(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    names = ["nbh-ops-logs-1", "nbh-patient-search-1", "nbh-audit-search-1"]
    _record(writer, "us-east-1", "ListDomainNames", {},
            {"DomainNames": [{"DomainName": n, "EngineType": "OpenSearch"} for n in names]})
    # the first two were asked about together; the answer leaves one out (deleted meanwhile)
    _record(writer, "us-east-1", "DescribeDomains", {"DomainNames": names[:2]},
            {"DomainStatusList": [_status("nbh-patient-search-1", True)]})
    writer.write_index()
    domains = _domains(tmp_path)
    assert all(domains[("us-east-1", "nbh-patient-search-1")].attributes[key] is True
               for key in FIELDS)
    gone = domains[("us-east-1", "nbh-ops-logs-1")].failures
    assert {key: gone[key].operation for key in FIELDS} == \
        dict.fromkeys(FIELDS, "opensearch:DescribeDomains")
    assert "the answer does not describe nbh-ops-logs-1" in gone["EncryptionAtRest"].message
    never = domains[("us-east-1", "nbh-audit-search-1")].failures["EncryptionAtRest"]
    assert never.pointer == "/response/DomainNames/2"
    assert "domain nbh-audit-search-1 was listed but not described" in never.message


def test_a_name_in_two_regions_is_read_from_its_own_region(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    for region, encrypted in (("us-east-1", True), ("us-west-2", False)):
        _record(writer, region, "ListDomainNames", {},
                {"DomainNames": [{"DomainName": "nbh-search", "EngineType": "OpenSearch"}]})
        _record(writer, region, "DescribeDomains", {"DomainNames": ["nbh-search"]},
                {"DomainStatusList": [_status("nbh-search", encrypted)]})
    writer.write_index()
    domains = _domains(tmp_path)
    assert domains[("us-east-1", "nbh-search")].attributes["EncryptionAtRest"] is True
    assert domains[("us-west-2", "nbh-search")].attributes["EncryptionAtRest"] is False


def test_a_cluster_name_in_two_regions_reads_its_own_regions_logging(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    for region, logging in (("us-east-1", True), ("us-west-2", False)):
        writer.record(account=DEMO_ACCOUNT, region=region, service="redshift",
                      operation="DescribeClusters", params={}, response={"Clusters": [
                          {"ClusterIdentifier": "nbh-analytics", "Encrypted": True}]},
                      started_at=dt.datetime.now(dt.UTC), duration_ms=1)
        writer.record(account=DEMO_ACCOUNT, region=region, service="redshift",
                      operation="DescribeLoggingStatus",
                      params={"ClusterIdentifier": "nbh-analytics"},
                      response={"LoggingEnabled": logging}, started_at=dt.datetime.now(dt.UTC),
                      duration_ms=1)
    writer.write_index()
    found = {r.region: r for r in redshift.normalize(
        Snapshot.open(tmp_path), NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
        if isinstance(r, Resource)}
    assert (found["us-east-1"].attributes["AuditLogging"],
            found["us-west-2"].attributes["AuditLogging"]) == (True, False)
    assert "/us-west-2/" in found["us-west-2"].sources["AuditLogging"][0].file

"""Search, analytics and machine-learning resources: OpenSearch Service domains.

Per regional unit (`n` is the unit's cross-region serial):

| resource | state | verdict |
| --- | --- | --- |
| domain `nbh-patient-search-n` (phi) | encrypted at rest, node-to-node, HTTPS only | compliant |
| domain `nbh-ops-logs-n` (internal) | none of the three | violations |
"""

from __future__ import annotations

from govkit.demo.estate_base import (
    Counts,
    SeedContext,
    UnitKeys,
    classification_tags,
    phi_tags,
    tag_list,
)
from govkit.demo.names import region_serial


def seed_unit_analytics(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    return _seed_domains(ctx, region, n, keys)


def _seed_domains(ctx: SeedContext, region: str, n: int, keys: UnitKeys) -> Counts:
    opensearch = ctx.clients.get("opensearch", region)
    common = {"EngineVersion": "OpenSearch_2.11",
              "ClusterConfig": {"InstanceType": "r6g.large.search", "InstanceCount": 2}}
    opensearch.create_domain(
        DomainName=f"nbh-patient-search-{n}",
        EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": keys.rds},
        NodeToNodeEncryptionOptions={"Enabled": True},
        DomainEndpointOptions={"EnforceHTTPS": True,
                               "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        TagList=tag_list(phi_tags(application="patient-search")), **common)
    opensearch.create_domain(
        DomainName=f"nbh-ops-logs-{n}",
        EncryptionAtRestOptions={"Enabled": False},
        NodeToNodeEncryptionOptions={"Enabled": False},
        DomainEndpointOptions={"EnforceHTTPS": False},
        TagList=tag_list(classification_tags("internal", application="operations")), **common)
    return Counts(opensearch_domains=2)

"""OpenSearch Service: every domain (OpenSearch and legacy Elasticsearch engines alike), read in
batches of five with DescribeDomains, the most it accepts per call. Tags are not read: the
rules judge every domain, whatever it is said to hold."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task

BATCH = 5  # DescribeDomains takes at most five names


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _domains(scope)]


def _domains(scope: ServiceScope) -> list[Task]:
    listing = scope.caller("opensearch").call("list_domain_names")
    if not listing.ok:
        return []
    names = sorted(str(d["DomainName"]) for d in listing.response.get("DomainNames") or [])
    return [_describe_task(scope, names[start:start + BATCH])
            for start in range(0, len(names), BATCH)]


def _describe_task(scope: ServiceScope, names: list[str]) -> Task:
    def run() -> None:
        scope.caller("opensearch").call("describe_domains", DomainNames=names)
    return run

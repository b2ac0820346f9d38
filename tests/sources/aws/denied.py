"""One service scanned through the fault proxy with one of its operations denied, and one
rule's results on what was collected: the shape of every "a denied call is an ERROR naming
it" test of a single service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.demo.run import aws_environment
from govkit.inventory.build import build_inventory
from govkit.policy.evaluate import Settings, evaluate_rule
from govkit.policy.loader import load_policy_set
from govkit.results import Result
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.scan import AwsService, ScanRequest, plan_and_run
from tests.conftest import Estate
from tests.support.faultproxy import FaultProxy, fast_retries

REGION = "us-east-1"


@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


def results_when_denied(proxy: FaultProxy, out: Path, service: AwsService, operation: str,
                        rule_id: str, code: str | None = None, *, api: str | None = None,
                        joined: tuple[AwsService, ...] = ()) -> tuple[str, list[Result]]:
    """The error code given (``code``, or the API's own access-denied code) and the rule's
    results on a scan of ``service`` alone in us-east-1 with ``operation`` of ``api`` (the
    botocore service, by default the service's own name) failing; ``joined``: the services
    whose resources the rule judges with ``service``'s answers, scanned beside it."""
    api = api or service.value
    if code is None:
        code = proxy.inject_access_denied(api, operation)
    else:
        proxy.inject(api, operation, code)
    writer = SnapshotWriter(out)
    plan_and_run(ScanRequest(regions=(REGION,), services=(*joined, service)), writer)
    writer.write_index()
    inventory = build_inventory(Snapshot.open(out), [DEMO_ACCOUNT], regions=[REGION])
    rule = load_policy_set().by_id()[rule_id]
    return code, list(evaluate_rule(rule, inventory, settings=Settings(),
                                    now=dt.datetime.now(dt.timezone.utc)))

"""The AWS Config path against the direct path on one organisation: calls, time, memory.

The emulator serves the demo estate at ``--scale`` spread over ``--accounts`` accounts
(benchmarks/_support.py: the demo estate in the management account at ``scale / accounts``
units, as many units of storage in each member: KMS keys, the six kinds of buckets and three
DynamoDB tables per region and unit). AWS Config is the loopback service of
``govkit.demo.config_service``, its recorder having read every account, with an aggregator over
all of them. Both scans are organisation scans of two regions at one
evaluation time, in processes of their own; their results are compared entry for entry (status
and message).

    python benchmarks/config_scale.py [--scale 100] [--accounts 8]

Prints each path's wall time, API calls and peak RSS, the calls per S3 bucket and per DynamoDB
table on each path, and the emulator's own answer rate measured in the same run (the floor no
direct scan against it beats).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from _support import (MANAGEMENT, ORG_SCAN, REGIONS, emulator_floor, measured_govkit,
                      spread_organisation)

AGGREGATOR = "org-hipaa"


# Judges AWS Config's own recorders, which the Config emulator answers in the run through
# Config (recording everywhere, as set up here) and moto answers in the direct scan (whose
# estate records only in the demo's home region): a difference between the emulators, not
# between reading resources from Config and from their APIs.
RECORDER_RULE = "config-recorder-recording"


def _verdicts(run: Path) -> dict[tuple[str, str], tuple[str, str]]:
    document = json.loads((run / "results" / "results.json").read_text())
    return {(r["rule_id"], r["resource_id"]): (r["status"], r["message"])
            for r in document["results"] if r["rule_id"] != RECORDER_RULE}


def _calls(run: Path) -> list[dict[str, Any]]:
    return [c for c in json.loads((run / "snapshots" / "index.json").read_text())["calls"]
            if "derived_from" not in c]


def _per(calls: list[dict[str, Any]], services: set[str], count: int) -> str:
    made = sum(1 for c in calls if c["service"] in services)
    return f"{made / count:.2f}" if count else "n/a"


def main() -> int:
    from govkit.demo.config_recorder import record
    from govkit.demo.config_service import ConfigService
    from govkit.demo.members import member_credentials

    def session(account: str) -> boto3.Session:
        found = member_credentials(endpoint, account)
        return boto3.Session(aws_access_key_id=found["AccessKeyId"],
                             aws_secret_access_key=found["SecretAccessKey"],
                             aws_session_token=found["SessionToken"])

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--accounts", type=int, default=8)
    options = parser.parse_args()
    with spread_organisation(options.scale, options.accounts) as organisation, \
            tempfile.TemporaryDirectory() as scratch, \
            ConfigService(sts_endpoint=organisation.endpoint) as config:
        root, endpoint, accounts = Path(scratch), organisation.endpoint, organisation.accounts
        now = organisation.seeded_at
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            recorded = sum(pool.map(lambda account: record(
                config, session(account), endpoint_url=endpoint, account=account,
                regions=REGIONS, captured_at=now), accounts))
        for account in accounts:
            for region in REGIONS:
                config.recorder(account, region)
        config.aggregator(AGGREGATOR, account=MANAGEMENT, region="us-east-1",
                          sources=[(a, r) for a in accounts for r in REGIONS])
        print(f"AWS Config: {recorded} items recorded ({time.perf_counter() - began:.0f} s)")
        (root / "direct").mkdir()
        direct = measured_govkit([*ORG_SCAN, "--out", "runs"], endpoint, root / "direct")
        direct_run = (root / "direct" / "runs" / "latest").resolve()
        (root / "config").mkdir()
        through = measured_govkit([*ORG_SCAN, "--via", "aws-config", "--aggregator", AGGREGATOR,
                                   "--out", "runs"], endpoint, root / "config",
                                  {"AWS_ENDPOINT_URL_CONFIG_SERVICE": config.url})
        config_run = (root / "config" / "runs" / "latest").resolve()
        floor = emulator_floor(endpoint)
        provenance = json.loads((config_run / "manifest.json").read_text())[
            "sources"][0]["aws_config"]["resources"]
        buckets = sum(1 for r in provenance if r["type"] == "AWS::S3::Bucket")
        tables = sum(1 for r in provenance if r["type"] == "AWS::DynamoDB::Table")
        for name, stats, run in (("direct", direct, direct_run),
                                 ("aws-config", through, config_run)):
            calls = _calls(run)
            print(f"{name}: {stats['wall_seconds']:.1f} s, {len(calls)} API calls "
                  f"({len(calls) / stats['wall_seconds']:.0f}/s), peak "
                  f"{stats['peak_rss_mib']:.0f} MiB; per bucket "
                  f"{_per(calls, {'s3', 's3control'}, buckets)} S3 calls, per table "
                  f"{_per(calls, {'dynamodb'}, tables)} DynamoDB calls, "
                  f"{sum(1 for c in calls if c['service'] == 'config')} Config calls")
        print(f"{buckets} buckets and {tables} tables over {len(accounts)} accounts; "
              f"{sum(1 for r in provenance if r['from'] == 'aws-config')} read from Config")
        print(f"emulator alone: {floor:.0f} answers/s to sts:GetCallerIdentity from 16 threads "
              f"(the direct scan's floor: {len(_calls(direct_run)) / floor:.1f} s)")
        same = _verdicts(direct_run) == _verdicts(config_run)
        print(f"results equal to the direct scan: {'yes' if same else 'NO'}")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

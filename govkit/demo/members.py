"""Member accounts of the demo organisation holding data of their own: each gets units of the
demo's storage (its KMS keys, the six kinds of buckets and three DynamoDB tables per region and
unit), seeded through the role an organisation scan assumes, for organisation-wide scans and
benchmarks at scale. Bucket names are global, so a member's take serials from
``100000 × (its position)`` on: `nbh-patient-intake-docs-100001` is member 1's first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import boto3

from govkit.demo.clients import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DemoClients
from govkit.demo.estate_base import Counts, SeedContext
from govkit.demo.estate_compute import seed_unit_dynamodb
from govkit.demo.estate_storage import seed_unit_buckets, seed_unit_keys

SERIAL_STRIDE = 100_000


def member_credentials(endpoint_url: str, account: str,
                       role_name: str = "GovkitReadOnly") -> dict[str, str]:
    """The credentials of ``role_name`` in member ``account``, assumed from the demo
    account (AccessKeyId, SecretAccessKey, SessionToken)."""
    sts = boto3.client("sts", endpoint_url=endpoint_url, region_name="us-east-1",
                       aws_access_key_id=DEMO_ACCESS_KEY, aws_secret_access_key=DEMO_SECRET_KEY)
    found = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role_name}",
                            RoleSessionName="govkit-demo")["Credentials"]
    return {key: found[key] for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")}


def seed_members(endpoint_url: str, accounts: Sequence[str], *, units: int,
                 regions: tuple[str, ...], now: dt.datetime,
                 role_name: str = "GovkitReadOnly") -> Counts:
    """Seed ``units`` storage units per region into each member account, in parallel."""
    def seed(position: int, account: str, region: str, unit: int) -> Counts:
        ctx = SeedContext(clients=clients[account], regions=regions, scale=units, now=now)
        keys, counts = seed_unit_keys(ctx, region, unit)
        # the serial's offset keeps this member's bucket names apart from every other's
        serial_unit = unit + position * SERIAL_STRIDE
        counts += seed_unit_buckets(ctx, region, serial_unit, keys)
        counts += seed_unit_dynamodb(ctx, region, serial_unit, keys)
        return counts

    clients = {account: DemoClients(endpoint_url, max_pool_connections=16,
                                    credentials=member_credentials(endpoint_url, account,
                                                                   role_name))
               for account in accounts}
    total = Counts()
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="seed-member") as pool:
        futures = [pool.submit(seed, position, account, region, unit)
                   for position, account in enumerate(accounts, start=1)
                   for region in regions for unit in range(units)]
        for future in futures:
            total += future.result()
    return total

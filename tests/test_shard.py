"""Which shard owns which work: parsed from the command line or a job engine's index, the same
on every machine, every unit owned exactly once."""

from __future__ import annotations

import itertools

import pytest

from govkit.errors import UsageError
from govkit.shard import Shard, owner

ACCOUNTS = ("123456789012", "210987654321", "444455556666")
REGIONS = ("global", "us-east-1", "us-west-2", "eu-west-1")
SERVICES = ("iam", "s3", "ec2", "rds", "kms", "dynamodb", "cloudtrail", "workspaces")


def test_explicit_index_and_count() -> None:
    assert Shard.parse("2/8") == Shard(2, 8)
    assert Shard.parse("1/1").owns_singletons


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("JOB_COMPLETION_INDEX", "0", Shard(1, 4)),          # a Kubernetes indexed Job
    ("AWS_BATCH_JOB_ARRAY_INDEX", "3", Shard(4, 4)),     # an AWS Batch array job
    ("GOVKIT_SHARD_INDEX", "2", Shard(3, 4)),
])
def test_count_alone_takes_the_index_from_the_job_engine(variable: str, value: str,
                                                         expected: Shard) -> None:
    assert Shard.parse("4", {variable: value}) == expected


@pytest.mark.parametrize(("text", "environ", "message"), [
    ("0/4", {}, "index 0 is outside 1..4"),
    ("5/4", {}, "index 5 is outside 1..4"),
    ("2/0", {}, "must be 1 to 1024"),
    ("two/4", {}, "expects I/N"),
    ("4", {}, "none is set"),
    ("4", {"JOB_COMPLETION_INDEX": "4"}, "index 5 is outside 1..4"),
    ("4", {"AWS_BATCH_JOB_ARRAY_INDEX": "x"}, "not a job index"),
])
def test_bad_specifications_are_usage_errors(text: str, environ: dict[str, str],
                                             message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Shard.parse(text, environ)


def test_every_unit_is_owned_by_exactly_one_shard() -> None:
    for count in (1, 2, 3, 8):
        shards = [Shard(i, count) for i in range(1, count + 1)]
        for unit in itertools.product(ACCOUNTS, REGIONS, SERVICES):
            assert sum(s.owns(*unit) for s in shards) == 1


def test_the_partition_is_fixed_by_the_unit_alone() -> None:
    # values a different machine or a later release must reproduce: changing the hash would
    # reassign work between the shards of a scan already running
    assert [owner("123456789012", "us-east-1", "s3", 8),
            owner("123456789012", "global", "iam", 8),
            owner("210987654321", "eu-west-1", "rds", 8)] == [2, 3, 8]


def test_work_is_spread_over_the_shards() -> None:
    units = list(itertools.product(ACCOUNTS, REGIONS, SERVICES))
    per_shard = [sum(Shard(i, 4).owns(*u) for u in units) for i in range(1, 5)]
    assert min(per_shard) > len(units) / 4 / 2, per_shard

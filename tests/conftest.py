"""Shared fixtures: one seeded demo estate on a real moto server per test process.

moto keeps its state in process-wide backends, so every test in a process uses this one server
and must not reset it; tests that need another estate start a server in a subprocess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from govkit.sources.aws.scan import ScanRequest
from govkit.demo.estate import seed_estate
from govkit.demo.fixups import apply_backend_fixups
from govkit.demo.names import DEMO_REGIONS
from govkit.demo.run import aws_environment
from govkit.demo.server import MotoServer
from govkit.run import Run, RunOptions, scan


@dataclass(frozen=True)
class Estate:
    endpoint_url: str
    seeded_at: dt.datetime


@pytest.fixture(scope="session")
def estate() -> Iterator[Estate]:
    now = dt.datetime.now(dt.timezone.utc)
    with MotoServer() as server:
        seed_estate(server.endpoint_url, scale=1, now=now)
        apply_backend_fixups(now=now, scale=1)
        yield Estate(server.endpoint_url, now)


@pytest.fixture
def aws_env(estate: Estate) -> Iterator[Estate]:
    """boto3 in this process talks to the seeded server."""
    with aws_environment(estate.endpoint_url):
        yield estate


def demo_request(**overrides: object) -> ScanRequest:
    """The demo scan: both demo regions, and Identity Center in the home region."""
    return ScanRequest(**{"regions": DEMO_REGIONS, "home_region": "us-east-1",
                          "identity_center_region": "us-east-1", "workers": 8,
                          **overrides})  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def demo_run(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One scan of the demo estate with the built-in policies, shared by read-only tests."""
    out = tmp_path_factory.mktemp("runs")
    with aws_environment(estate.endpoint_url):
        return scan(demo_request(), RunOptions(out=out))


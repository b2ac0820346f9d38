"""The seeded demo emulator in its own process, as an AWS Organization with member accounts:
what tests of organisation-wide scans (the README's, sharding) run against."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import boto3


def client(endpoint: str, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@contextmanager
def organisation(folder: Path, members: Sequence[tuple[str, str]]) -> Iterator[str]:
    """The demo estate (scale 1) served from a child process, in an organisation with the
    ``members`` (e-mail, name) beside the management account; yields the endpoint and
    stops the process after."""
    port_file = folder / "endpoint"
    process = subprocess.Popen([sys.executable, "-m", "govkit.demo.serve", "--scale", "1",
                                "--port-file", str(port_file)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "emulator did not start"
            time.sleep(0.1)
        endpoint = port_file.read_text().strip()
        organizations = client(endpoint, "organizations")
        organizations.create_organization(FeatureSet="ALL")
        for email, name in members:
            organizations.create_account(Email=email, AccountName=name)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)

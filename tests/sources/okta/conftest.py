"""A loopback Okta org per test, stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govkit.demo.idp.okta import OktaDirectory, OktaServer
from tests.sources.okta.org import TOKEN, sample_directory


@pytest.fixture
def directory() -> OktaDirectory:
    return sample_directory()


@pytest.fixture
def okta(directory: OktaDirectory) -> Iterator[OktaServer]:
    server = OktaServer(directory, token=TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()

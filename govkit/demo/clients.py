"""boto3 clients for the demo moto server, and the S3 Control endpoint fix they need.

S3 Control's endpoint rules put the account id in the host (`123456789012.127.0.0.1:PORT`),
which does not resolve when an endpoint URL points at a local server; `inject_host_prefix=False`
does not change that. `drop_account_host_label` removes the label just before signing.
"""

from __future__ import annotations

import functools
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config

DEMO_ACCESS_KEY = "testing"
DEMO_SECRET_KEY = "testing"
S3CONTROL_BEFORE_SIGN = "before-sign.s3-control"


def drop_account_host_label(request: Any, *, endpoint_host: str, **_: Any) -> None:
    """Rewrite `http://<12 digits>.<endpoint_host>/...` to `http://<endpoint_host>/...`.

    A botocore `before-sign` handler; requests to any other host are left alone.
    """
    parts = urlsplit(request.url)
    label, dot, rest = parts.netloc.partition(".")
    if dot and rest == endpoint_host and len(label) == 12 and label.isdigit():
        request.url = urlunsplit(parts._replace(netloc=rest))


def install_s3control_endpoint_fix(client: Any, endpoint_url: str | None) -> None:
    """Make an `s3control` client built with `endpoint_url=` reach that endpoint.

    Pass the same `endpoint_url` the client was built with; with None (a client talking to AWS
    itself) nothing is installed.
    """
    if endpoint_url is None:
        return
    handler = functools.partial(drop_account_host_label,
                                endpoint_host=urlsplit(endpoint_url).netloc)
    client.meta.events.register(S3CONTROL_BEFORE_SIGN, handler)


class DemoClients:
    """One boto3 client per (service, region), all pointed at the demo endpoint.

    A boto3 session is not thread-safe while its clients are: clients are built under a lock,
    and `prepare` builds the ones a thread pool will share before the pool starts.
    """

    def __init__(self, endpoint_url: str, *, max_pool_connections: int = 10,
                 credentials: dict[str, str] | None = None) -> None:
        """``credentials``: an assumed role's (AccessKeyId, SecretAccessKey, SessionToken),
        to seed another account; default: the demo account's."""
        self._endpoint_url = endpoint_url
        given = credentials or {}
        # Typed as Any: with boto3-stubs installed, `client()` only accepts literal service names.
        self._session: Any = boto3.session.Session(
            aws_access_key_id=given.get("AccessKeyId", DEMO_ACCESS_KEY),
            aws_secret_access_key=given.get("SecretAccessKey", DEMO_SECRET_KEY),
            aws_session_token=given.get("SessionToken"),
        )
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 5},
            max_pool_connections=max_pool_connections,
            s3={"addressing_style": "path"},
            connect_timeout=10,
            read_timeout=120,
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def prepare(self, services: tuple[str, ...], regions: tuple[str, ...]) -> None:
        for region in regions:
            for service in services:
                self.get(service, region)

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self._endpoint_url,
                    config=self._config,
                )
                if service == "s3control":
                    install_s3control_endpoint_fix(client, self._endpoint_url)
                self._clients[key] = client
        return client

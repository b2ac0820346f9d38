"""Sessions and clients: one boto3 session per account, clients made under a lock.

boto3 sessions are not thread-safe but the clients they make are, so each account's session
creates its clients under that account's lock, and workers share the clients.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from govkit import __version__
from govkit.errors import CredentialsError, UsageError

_ACCOUNT_LABEL = re.compile(r"^\d{12}\.")


def _drop_account_label(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in the host; a custom endpoint has no such host."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    if _ACCOUNT_LABEL.match(parts.netloc) and not host.endswith(
            (".amazonaws.com", ".amazonaws.com.cn")):
        request.url = urlunsplit(parts._replace(netloc=parts.netloc.split(".", 1)[1]))


DEFAULT_MAX_ATTEMPTS = 8


def client_config(max_pool: int, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    return Config(retries={"mode": "adaptive", "max_attempts": max_attempts},
                  max_pool_connections=max(10, max_pool), connect_timeout=10, read_timeout=60,
                  user_agent_extra=f"govkit/{__version__}")


@dataclass
class AccountSession:
    """An account's session and the clients made from it."""

    account: str
    session: boto3.Session
    via_role: str | None = None
    max_pool: int = 16
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(service, region_name=region,
                                             config=client_config(self.max_pool,
                                                                  self.max_attempts))
                if service == "s3control":
                    client.meta.events.register("before-sign.s3-control", _drop_account_label)
                self._clients[key] = client
            return client

    def regions_offering(self, service: str) -> set[str]:
        with self._lock:
            return set(self.session.get_available_regions(service))


def base_session(profile: str | None, region: str | None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise UsageError(f"AWS profile not found: {exc}") from None


def caller_account(session: boto3.Session, region: str) -> str:
    """The account the credentials belong to (sts:GetCallerIdentity); fails with a clear error."""
    try:
        identity = session.client("sts", region_name=region,
                                  config=client_config(2)).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise CredentialsError(
            f"cannot use the AWS credentials (sts:GetCallerIdentity failed: {exc}). Set "
            "--profile, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run "
            "'aws sso login'.") from None
    return str(identity["Account"])


def assume_role_session(base: boto3.Session, account: str, role_name: str, region: str,
                        partition: str, external_id: str | None) -> boto3.Session:
    """A session in ``account`` through ``role_name``, refreshed before the role expires."""
    sts = base.client("sts", region_name=region, config=client_config(2))
    role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"

    def fetch() -> dict[str, str]:
        params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "govkit-scan",
                                  "DurationSeconds": 3600}
        if external_id:
            params["ExternalId"] = external_id
        try:
            creds = sts.assume_role(**params)["Credentials"]
        except (ClientError, BotoCoreError) as exc:
            raise CredentialsError(
                f"cannot assume {role_arn} (sts:AssumeRole failed: {exc}); the role must "
                "exist in every scanned account and trust the scanning principal") from None
        expiry = creds["Expiration"]
        if isinstance(expiry, dt.datetime):
            expiry = expiry.isoformat()
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": str(expiry)}

    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role")
    core = botocore.session.get_session()
    core._credentials = credentials  # the documented way boto3 has no public setter for
    return boto3.Session(botocore_session=core, region_name=region)

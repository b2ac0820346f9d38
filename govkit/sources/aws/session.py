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
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from govkit import __version__
from govkit.errors import CollectionError, CredentialsError, UsageError

_ACCOUNT_LABEL = re.compile(r"^\d{12}\.")


def _drop_account_label(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in the host; a custom endpoint has no such host."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    if _ACCOUNT_LABEL.match(parts.netloc) and not host.endswith(
            (".amazonaws.com", ".amazonaws.com.cn")):
        request.url = urlunsplit(parts._replace(netloc=parts.netloc.split(".", 1)[1]))


DEFAULT_MAX_ATTEMPTS = 9  # every attempt, the first included (eight retries), as AWS_MAX_ATTEMPTS
DEFAULT_RETRY_MODE = "adaptive"
RETRY_MODES = ("legacy", "standard", "adaptive")
MAX_ATTEMPTS_LIMIT = 50
# botocore's own list of error codes that mean "throttled" (its standard retry mode)
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how a call is retried: govkit's defaults (adaptive, 9 attempts) unless
    the user set the standard AWS settings (``AWS_RETRY_MODE``/``AWS_MAX_ATTEMPTS``, or
    ``retry_mode``/``max_attempts`` in the profile) or ``--max-attempts``."""

    mode: str = DEFAULT_RETRY_MODE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


def retry_policy(profile: str | None, max_attempts: int | None) -> RetryPolicy:
    core = botocore.session.Session(profile=profile)
    try:
        configured = core.get_config_variable("max_attempts")
    except ValueError:
        raise UsageError("AWS_MAX_ATTEMPTS (or max_attempts in the AWS profile) is not a "
                         "whole number") from None
    except ProfileNotFound as exc:
        raise UsageError(f"AWS profile not found: {exc}") from None
    attempts = max_attempts if max_attempts is not None else configured
    if attempts is None:
        attempts = DEFAULT_MAX_ATTEMPTS
    if not 1 <= int(attempts) <= MAX_ATTEMPTS_LIMIT:
        where = "--max-attempts" if max_attempts is not None else "AWS_MAX_ATTEMPTS"
        raise UsageError(f"{where} must be from 1 to {MAX_ATTEMPTS_LIMIT}, not {attempts}")
    mode = core.get_config_variable("retry_mode") or DEFAULT_RETRY_MODE
    if mode not in RETRY_MODES:
        raise UsageError(f"AWS_RETRY_MODE (or retry_mode in the AWS profile) must be one of "
                         f"{', '.join(RETRY_MODES)}, not '{mode}'")
    return RetryPolicy(mode=str(mode), max_attempts=int(attempts))


def client_config(max_pool: int, retry: RetryPolicy | None = None) -> Config:
    retry = retry or RetryPolicy()
    return Config(retries={"mode": retry.mode, "total_max_attempts": retry.max_attempts},
                  max_pool_connections=max(10, max_pool), connect_timeout=10, read_timeout=60,
                  user_agent_extra=f"govkit/{__version__}")


@dataclass
class AccountSession:
    """An account's session and the clients made from it."""

    account: str
    session: boto3.Session
    via_role: str | None = None
    max_pool: int = 16
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(service, region_name=region,
                                             config=client_config(self.max_pool, self.retry))
                if service == "s3control":
                    client.meta.events.register("before-sign.s3-control", _drop_account_label)
                self._clients[key] = client
            return client

    def regions_offering(self, service: str) -> set[str]:
        with self._lock:
            return set(self.session.get_available_regions(service))


# One loader of botocore's service models for every session govkit makes: each account of an
# organisation scan (and each assumed role) is a new session, and a session of its own would
# parse the same model files again for every client (about 0.1 s each).
_MODELS = botocore.loaders.create_loader()


def _core(profile: str | None = None) -> botocore.session.Session:
    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", _MODELS)
    return core


def base_session(profile: str | None, region: str | None) -> boto3.Session:
    try:
        core = _core(profile)
        core.get_scoped_config()  # raises now, not at the first call, for an unknown profile
        return boto3.Session(botocore_session=core, region_name=region)
    except ProfileNotFound as exc:
        raise UsageError(f"AWS profile not found: {exc}") from None


def _error_code(exc: Exception) -> str | None:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "") or None
    return None


def throttled(exc: Exception) -> bool:
    return _error_code(exc) in THROTTLING_CODES


def caller_account(session: boto3.Session, region: str, retry: RetryPolicy) -> str:
    """The account the credentials belong to (sts:GetCallerIdentity); fails with a clear error."""
    try:
        identity = session.client("sts", region_name=region,
                                  config=client_config(2, retry)).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        if throttled(exc):
            raise CollectionError(
                f"sts:GetCallerIdentity was throttled ({_error_code(exc)}) on all "
                f"{retry.max_attempts} attempts; try again later, or allow more attempts with "
                "--max-attempts") from None
        raise CredentialsError(
            f"cannot use the AWS credentials (sts:GetCallerIdentity failed: {exc}). Set "
            "--profile, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run "
            "'aws sso login'.") from None
    return str(identity["Account"])


def assume_role_session(base: boto3.Session, account: str, role_name: str, region: str,
                        partition: str, external_id: str | None,
                        retry: RetryPolicy) -> boto3.Session:
    """A session in ``account`` through ``role_name``, refreshed before the role expires."""
    sts = base.client("sts", region_name=region, config=client_config(2, retry))
    role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"

    def fetch() -> dict[str, str]:
        params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "govkit-scan",
                                  "DurationSeconds": 3600}
        if external_id:
            params["ExternalId"] = external_id
        try:
            creds = sts.assume_role(**params)["Credentials"]
        except (ClientError, BotoCoreError) as exc:
            if throttled(exc):
                raise CollectionError(
                    f"sts:AssumeRole into {role_arn} was throttled ({_error_code(exc)}) on all "
                    f"{retry.max_attempts} attempts; try again later") from None
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
    core = _core()
    core._credentials = credentials  # the documented way boto3 has no public setter for
    return boto3.Session(botocore_session=core, region_name=region)

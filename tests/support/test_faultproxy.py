"""FaultProxy against a real moto server: pass-through, injected errors, retries."""

from __future__ import annotations

import functools
import http.client
import logging
import socket
import struct
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

from . import faultproxy
from .moto_process import moto_process
from .faultproxy import (
    UNKNOWN,
    ErrorSpec,
    FaultProxy,
    ProxyCall,
    ResolvedCall,
    access_denied_code,
    fast_retries,
    render_error,
    throttling_code,
)

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
MAX_ATTEMPTS = 5
ADAPTIVE = Config(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS})
FAKE_AUTH = (
    f"AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/s3/aws4_request, "
    "SignedHeaders=host, Signature=00"
)

ClientFactory = Callable[..., BaseClient]
Call = Callable[[Any], Any]


@pytest.fixture(scope="module")
def moto_upstream() -> Iterator[str]:
    # in a child process: resources made here must not leak into the shared demo estate
    with moto_process() as endpoint:
        yield endpoint


@pytest.fixture
def proxy(moto_upstream: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_upstream) as running:
        yield running


@functools.cache
def boto3_session() -> boto3.session.Session:
    """One session for the module: creating clients from a warm session is cheap."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def client_factory(endpoint_url: str) -> ClientFactory:
    session = boto3_session()

    def make(service: str, config: Config = NO_RETRIES) -> BaseClient:
        return session.client(service, endpoint_url=endpoint_url, config=config)

    return make


@pytest.fixture
def client(proxy: FaultProxy) -> ClientFactory:
    return client_factory(proxy.endpoint_url)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def passed(service: str, *operations: str) -> list[ProxyCall]:
    return [ProxyCall(service, operation, False) for operation in operations]


# --------------------------------------------------------------------------
# Pass-through
# --------------------------------------------------------------------------


def exercise_s3(s3: BaseClient) -> None:
    bucket = unique("evidence")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "alias/phi",
                    }
                }
            ]
        },
    )
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    s3.put_object(Bucket=bucket, Key="runs/run 1.json", Body=b'{"ok": true}')
    body = s3.get_object(Bucket=bucket, Key="runs/run 1.json")["Body"].read()
    assert body == b'{"ok": true}'
    s3.head_bucket(Bucket=bucket)
    assert bucket in [entry["Name"] for entry in s3.list_buckets()["Buckets"]]


S3_OPERATIONS = (
    "CreateBucket",
    "PutBucketEncryption",
    "GetBucketEncryption",
    "PutObject",
    "GetObject",
    "HeadBucket",
    "ListBuckets",
)


def test_s3_passes_through(client: ClientFactory, proxy: FaultProxy) -> None:
    exercise_s3(client("s3"))
    assert proxy.calls == passed("s3", *S3_OPERATIONS)


def test_iam_passes_through(client: ClientFactory, proxy: FaultProxy) -> None:
    iam = client("iam")
    user = unique("auditor")
    iam.create_user(UserName=user)
    assert user in [entry["UserName"] for entry in iam.list_users()["Users"]]
    details = iam.get_account_authorization_details(Filter=["User"])
    assert user in [entry["UserName"] for entry in details["UserDetailList"]]
    assert proxy.calls == passed("iam", "CreateUser", "ListUsers", "GetAccountAuthorizationDetails")


def test_ec2_passes_through(client: ClientFactory, proxy: FaultProxy) -> None:
    ec2 = client("ec2")
    volume_id = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=True)["VolumeId"]
    volumes = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert [volume["Encrypted"] for volume in volumes] == [True]
    assert proxy.calls == passed("ec2", "CreateVolume", "DescribeVolumes")


def test_kms_passes_through(client: ClientFactory, proxy: FaultProxy) -> None:
    kms = client("kms")
    key_id = kms.create_key(Description="phi")["KeyMetadata"]["KeyId"]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "phi"
    assert proxy.calls == passed("kms", "CreateKey", "DescribeKey")


def test_workspaces_web_passes_through(client: ClientFactory, proxy: FaultProxy) -> None:
    web = client("workspaces-web")
    arn = web.create_user_settings(
        copyAllowed="Disabled",
        pasteAllowed="Disabled",
        downloadAllowed="Disabled",
        uploadAllowed="Disabled",
        printAllowed="Disabled",
    )["userSettingsArn"]
    settings = web.get_user_settings(userSettingsArn=arn)["userSettings"]
    assert settings["userSettingsArn"] == arn
    assert settings["downloadAllowed"] == "Disabled"
    assert isinstance(web.list_portals()["portals"], list)
    assert proxy.calls == passed(
        "workspaces-web", "CreateUserSettings", "GetUserSettings", "ListPortals"
    )


def s3control_client(client: ClientFactory) -> BaseClient:
    """s3control puts the account id in the host name; keep requests on the proxy."""
    control = client("s3control")

    def drop_account_host_prefix(request: Any, **_: Any) -> None:
        request.url = request.url.replace(f"//{ACCOUNT_ID}.", "//", 1)

    control.meta.events.register("before-sign.s3-control", drop_account_host_prefix)
    return control


def test_s3control_is_told_apart_from_s3(client: ClientFactory, proxy: FaultProxy) -> None:
    control = s3control_client(client)
    control.put_public_access_block(
        AccountId=ACCOUNT_ID,
        PublicAccessBlockConfiguration={"BlockPublicAcls": True, "RestrictPublicBuckets": True},
    )
    config = control.get_public_access_block(AccountId=ACCOUNT_ID)
    assert config["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert proxy.calls == passed("s3control", "PutPublicAccessBlock", "GetPublicAccessBlock")


READ_CALLS: list[tuple[str, str, Call]] = [
    ("workspaces", "DescribeWorkspaceDirectories", lambda c: c.describe_workspace_directories()),
    ("dynamodb", "ListTables", lambda c: c.list_tables()),
    ("rds", "DescribeDBInstances", lambda c: c.describe_db_instances()),
    ("cloudtrail", "DescribeTrails", lambda c: c.describe_trails()),
    ("sts", "GetCallerIdentity", lambda c: c.get_caller_identity()),
]


@pytest.mark.parametrize(("service", "operation", "call"), READ_CALLS)
def test_read_calls_pass_through(
    client: ClientFactory, proxy: FaultProxy, service: str, operation: str, call: Call
) -> None:
    response = call(client(service))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert proxy.calls == passed(service, operation)


def test_host_header_can_be_rewritten_to_the_upstream(moto_upstream: str) -> None:
    with FaultProxy(moto_upstream, preserve_host=False) as rewriting:
        make = client_factory(rewriting.endpoint_url)
        exercise_s3(make("s3"))
        make("iam").list_users()
        assert rewriting.calls == [*passed("s3", *S3_OPERATIONS), *passed("iam", "ListUsers")]


def test_chunked_and_aws_chunked_uploads_are_forwarded(
    client: ClientFactory, proxy: FaultProxy
) -> None:
    s3 = client("s3")
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    data = b"0123456789abcdef" * 4096
    aws_chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in pieces(data, 8192))
    aws_chunked += b"0\r\n\r\n"
    uploads = {
        "chunked": ({"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, data),
        "aws-chunked": (
            {
                "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "Content-Encoding": "aws-chunked",
                "X-Amz-Decoded-Content-Length": str(len(data)),
            },
            aws_chunked,
        ),
    }
    for key, (headers, payload) in uploads.items():
        status = put_chunked(proxy.endpoint_url, f"/{bucket}/{key}", headers, payload)
        assert status == 200
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data
    assert proxy.calls == passed(
        "s3", "CreateBucket", "PutObject", "GetObject", "PutObject", "GetObject"
    )


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def put_chunked(endpoint_url: str, path: str, headers: dict[str, str], body: bytes) -> int:
    """PUT with Transfer-Encoding: chunked, as http.client frames an iterable body."""
    host, port = endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(
            "PUT",
            path,
            body=pieces(body, 5000),
            headers={"Authorization": FAKE_AUTH, **headers},
            encode_chunked=True,
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_unsigned_requests_are_forwarded_as_unknown(proxy: FaultProxy) -> None:
    host, port = proxy.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/moto-api/data.json")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200
    assert proxy.calls == [ProxyCall(UNKNOWN, UNKNOWN, False)]


# --------------------------------------------------------------------------
# Injected access denial
# --------------------------------------------------------------------------

USER_SETTINGS_ARN = f"arn:aws:workspaces-web:{REGION}:{ACCOUNT_ID}:userSettings/{uuid.uuid4()}"
DENIED_CALLS: list[tuple[str, str, str, Call]] = [
    ("s3", "GetBucketEncryption", "AccessDenied", lambda c: c.get_bucket_encryption(Bucket="phi")),
    (
        "iam",
        "GetAccountAuthorizationDetails",
        "AccessDenied",
        lambda c: c.get_account_authorization_details(),
    ),
    ("ec2", "DescribeVolumes", "UnauthorizedOperation", lambda c: c.describe_volumes()),
    ("kms", "DescribeKey", "AccessDeniedException", lambda c: c.describe_key(KeyId="alias/phi")),
    (
        "workspaces-web",
        "GetUserSettings",
        "AccessDeniedException",
        lambda c: c.get_user_settings(userSettingsArn=USER_SETTINGS_ARN),
    ),
    ("rds", "DescribeDBInstances", "AccessDenied", lambda c: c.describe_db_instances()),
    (
        "workspaces",
        "DescribeWorkspaceDirectories",
        "AccessDeniedException",
        lambda c: c.describe_workspace_directories(),
    ),
    ("dynamodb", "ListTables", "AccessDeniedException", lambda c: c.list_tables()),
    ("cloudtrail", "DescribeTrails", "AccessDeniedException", lambda c: c.describe_trails()),
    ("sts", "GetCallerIdentity", "AccessDenied", lambda c: c.get_caller_identity()),
    (
        "organizations",
        "DescribeOrganization",
        "AccessDeniedException",
        lambda c: c.describe_organization(),
    ),
    (
        "s3control",
        "GetPublicAccessBlock",
        "AccessDenied",
        lambda c: c.get_public_access_block(AccountId=ACCOUNT_ID),
    ),
]


@pytest.mark.parametrize(("service", "operation", "code", "call"), DENIED_CALLS)
def test_injected_access_denied_surfaces_as_client_error(
    client: ClientFactory, proxy: FaultProxy, service: str, operation: str, code: str, call: Call
) -> None:
    assert access_denied_code(service) == code
    proxy.inject(service, operation, code)
    api = s3control_client(client) if service == "s3control" else client(service)

    with pytest.raises(ClientError) as caught:
        call(api)

    error = caught.value
    assert error.operation_name == operation
    assert error.response["Error"]["Code"] == code
    assert "is not authorized to perform" in error.response["Error"]["Message"]
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert proxy.calls == [ProxyCall(service, operation, True)]


def test_access_denied_message_names_the_iam_action_and_resource(
    client: ClientFactory, proxy: FaultProxy
) -> None:
    proxy.inject("s3", "GetBucketEncryption", "AccessDenied")
    with pytest.raises(ClientError) as caught:
        client("s3").get_bucket_encryption(Bucket="phi-records")
    assert caught.value.response["Error"]["Message"] == (
        "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: "
        's3:GetEncryptionConfiguration on resource: "arn:aws:s3:::phi-records" because no '
        "identity-based policy allows the s3:GetEncryptionConfiguration action"
    )


def test_injection_only_hits_its_operation_and_clear_removes_it(
    client: ClientFactory, proxy: FaultProxy
) -> None:
    s3 = client("s3")
    bucket = unique("scoped")
    s3.create_bucket(Bucket=bucket)
    proxy.inject("s3", "GetBucketEncryption", "AccessDenied")
    s3.list_buckets()
    with pytest.raises(ClientError):
        s3.get_bucket_encryption(Bucket=bucket)
    proxy.clear()
    with pytest.raises(ClientError) as caught:
        s3.get_bucket_encryption(Bucket=bucket)
    assert (
        caught.value.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError"
    )
    assert proxy.calls == [
        ProxyCall("s3", "CreateBucket", False),
        ProxyCall("s3", "ListBuckets", False),
        ProxyCall("s3", "GetBucketEncryption", True),
        ProxyCall("s3", "GetBucketEncryption", False),
    ]


def test_injected_head_errors_have_no_body_like_s3(
    client: ClientFactory, proxy: FaultProxy
) -> None:
    proxy.inject("s3", "HeadBucket", "AccessDenied", times=1)
    with pytest.raises(ClientError) as caught:
        client("s3").head_bucket(Bucket="phi-records")
    assert caught.value.response["Error"]["Code"] == "403"
    assert proxy.calls == [ProxyCall("s3", "HeadBucket", True)]


def test_inject_rejects_unknown_names(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="no operation"):
        proxy.inject("s3", "GetBucketEncryptionConfiguration", "AccessDenied")
    with pytest.raises(ValueError, match="unknown botocore service"):
        proxy.inject("s4", "GetBucketEncryption", "AccessDenied")
    with pytest.raises(ValueError, match="positive"):
        proxy.inject("s3", "GetBucketEncryption", "AccessDenied", times=0)


# --------------------------------------------------------------------------
# Throttling and botocore retries
# --------------------------------------------------------------------------

THROTTLED_CALLS: list[tuple[str, str, str, Call]] = [
    ("iam", "ListUsers", "Throttling", lambda c: c.list_users()),
    ("kms", "ListKeys", "ThrottlingException", lambda c: c.list_keys()),
]


@pytest.mark.parametrize(("service", "operation", "code", "call"), THROTTLED_CALLS)
def test_adaptive_retries_recover_from_throttling(
    client: ClientFactory, proxy: FaultProxy, service: str, operation: str, code: str, call: Call
) -> None:
    assert throttling_code(service) == code
    with fast_retries():
        api = client(service, ADAPTIVE)
        proxy.inject(service, operation, code, times=2)
        response = call(api)

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert proxy.calls == [
        ProxyCall(service, operation, True),
        ProxyCall(service, operation, True),
        ProxyCall(service, operation, False),
    ]


@pytest.mark.parametrize(("service", "operation", "code", "call"), THROTTLED_CALLS)
def test_adaptive_retries_give_up_with_the_throttling_code(
    client: ClientFactory, proxy: FaultProxy, service: str, operation: str, code: str, call: Call
) -> None:
    with fast_retries():
        api = client(service, ADAPTIVE)
        proxy.inject(service, operation, code)
        with pytest.raises(ClientError) as caught:
            call(api)

    error = caught.value
    assert error.operation_name == operation
    assert error.response["Error"]["Code"] == code
    assert error.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    # botocore's retries.max_attempts counts retries, on top of the first attempt.
    attempts = 1 + MAX_ATTEMPTS
    assert error.response["ResponseMetadata"]["RetryAttempts"] == attempts - 1
    assert proxy.calls == [ProxyCall(service, operation, True)] * attempts


def test_adaptive_retry_with_unpatched_backoff(client: ClientFactory, proxy: FaultProxy) -> None:
    proxy.inject("iam", "ListUsers", "Throttling", times=1)
    started = time.monotonic()
    client("iam", ADAPTIVE).list_users()
    assert time.monotonic() - started < 10
    assert proxy.calls == [
        ProxyCall("iam", "ListUsers", True),
        ProxyCall("iam", "ListUsers", False),
    ]


PROTOCOL_THROTTLES: list[tuple[str, str, Call]] = [
    ("s3", "ListBuckets", lambda c: c.list_buckets()),
    ("ec2", "DescribeVolumes", lambda c: c.describe_volumes()),
    ("workspaces-web", "ListPortals", lambda c: c.list_portals()),
    ("sts", "GetCallerIdentity", lambda c: c.get_caller_identity()),
    ("dynamodb", "ListTables", lambda c: c.list_tables()),
]


@pytest.mark.parametrize(("service", "operation", "call"), PROTOCOL_THROTTLES)
def test_each_protocols_throttling_code_is_retried(
    client: ClientFactory, proxy: FaultProxy, service: str, operation: str, call: Call
) -> None:
    with fast_retries():
        api = client(service, Config(retries={"mode": "standard", "max_attempts": 1}))
        proxy.inject_throttling(service, operation, times=1)
        call(api)
    assert proxy.calls == [
        ProxyCall(service, operation, True),
        ProxyCall(service, operation, False),
    ]


# --------------------------------------------------------------------------
# Wire shapes
# --------------------------------------------------------------------------


def render(service: str, operation: str, protocol: str, code: str, status: int) -> Any:
    call = ResolvedCall(service, operation, protocol)
    return render_error(call, ErrorSpec(code, "Injected for a test", status, "req-1"))


def parse_with_botocore(service: str, operation: str, protocol: str, wire: Any) -> Any:
    model = faultproxy._service_model(service)
    response = {
        "status_code": wire.status,
        "headers": {name.lower(): value for name, value in wire.headers},
        "body": wire.body,
    }
    return create_parser(protocol).parse(response, model.operation_model(operation).output_shape)


def test_query_shape() -> None:
    wire = render("iam", "ListUsers", "query", "Throttling", 400)
    root = ET.fromstring(wire.body)
    ns = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/"}
    assert root.tag == "{https://iam.amazonaws.com/doc/2010-05-08/}ErrorResponse"
    assert root.findtext("iam:Error/iam:Type", namespaces=ns) == "Sender"
    assert root.findtext("iam:Error/iam:Code", namespaces=ns) == "Throttling"
    assert root.findtext("iam:RequestId", namespaces=ns) == "req-1"


def test_ec2_shape() -> None:
    wire = render("ec2", "DescribeVolumes", "ec2", "RequestLimitExceeded", 503)
    root = ET.fromstring(wire.body)
    assert root.tag == "Response"
    assert root.findtext("Errors/Error/Code") == "RequestLimitExceeded"
    assert root.findtext("RequestID") == "req-1"


def test_s3_rest_xml_shape() -> None:
    wire = render("s3", "ListBuckets", "rest-xml", "SlowDown", 503)
    root = ET.fromstring(wire.body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "SlowDown"
    assert dict(wire.headers)["x-amz-request-id"] == "req-1"


def test_json_shapes() -> None:
    json_wire = render("kms", "ListKeys", "json", "ThrottlingException", 400)
    assert dict(json_wire.headers)["Content-Type"] == "application/x-amz-json-1.1"
    assert dict(json_wire.headers)["x-amzn-ErrorType"] == "ThrottlingException"
    assert b'"__type": "ThrottlingException"' in json_wire.body
    rest_wire = render("workspaces-web", "ListPortals", "rest-json", "ThrottlingException", 429)
    assert dict(rest_wire.headers)["x-amzn-ErrorType"] == "ThrottlingException"


CBOR_SERVICE = "workspaces"  # models both json and smithy-rpc-v2-cbor


@pytest.mark.parametrize(
    ("service", "operation", "protocol"),
    [
        ("iam", "ListUsers", "query"),
        ("ec2", "DescribeVolumes", "ec2"),
        ("kms", "ListKeys", "json"),
        ("workspaces-web", "ListPortals", "rest-json"),
        ("s3", "ListBuckets", "rest-xml"),
        ("s3control", "GetPublicAccessBlock", "rest-xml"),
        (CBOR_SERVICE, "DescribeWorkspaceDirectories", "smithy-rpc-v2-cbor"),
    ],
)
def test_botocore_parses_every_shape(service: str, operation: str, protocol: str) -> None:
    wire = render(service, operation, protocol, "AccessDeniedX", 403)
    parsed = parse_with_botocore(service, operation, protocol, wire)
    assert parsed["Error"]["Code"] == "AccessDeniedX"
    assert parsed["Error"]["Message"] == "Injected for a test"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


@pytest.mark.parametrize("service", faultproxy.DEFAULT_SERVICES)
def test_throttling_codes_are_throttles_to_botocore(service: str) -> None:
    code = throttling_code(service)
    context = RetryContext(attempt_number=1, parsed_response={"Error": {"Code": code}})
    assert ThrottledRetryableChecker().is_retryable(context), code


def test_default_statuses_follow_the_service() -> None:
    statuses = {
        ("s3", "rest-xml", "SlowDown"): 503,
        ("ec2", "ec2", "RequestLimitExceeded"): 503,
        ("iam", "query", "Throttling"): 400,
        ("kms", "json", "ThrottlingException"): 400,
        ("workspaces-web", "rest-json", "ThrottlingException"): 429,
        ("ec2", "ec2", "UnauthorizedOperation"): 403,
        ("kms", "json", "AccessDeniedException"): 403,
    }
    for (service, protocol, code), status in statuses.items():
        model = faultproxy._service_model(service)
        assert faultproxy.default_status(model, protocol, code) == status, (service, code)


# --------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------


def test_client_disconnects_are_silent(
    client: ClientFactory,
    proxy: FaultProxy,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=faultproxy.__name__)
    s3 = client("s3")
    bucket = unique("large")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="blob", Body=b"x" * (8 * 1024 * 1024))
    host, port = proxy.endpoint_url.removeprefix("http://").split(":")
    get_blob = (
        f"GET /{bucket}/blob HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {FAKE_AUTH}\r\n\r\n"
    )
    partial_requests = [
        b"GET / HTTP/1.1\r\nHo",
        b"PUT /x/y HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort",
        b"PUT /x/y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
        get_blob.encode(),
    ]
    for payload in partial_requests:
        abort_after_sending(int(port), payload)

    time.sleep(0.3)
    assert s3.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Traceback" not in capfd.readouterr().err
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def abort_after_sending(port: int, payload: bytes) -> None:
    """Send ``payload`` and reset the connection without reading the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        time.sleep(0.05)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_upstream_failure_becomes_bad_gateway(client: ClientFactory) -> None:
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        dead_port = reserved.getsockname()[1]
    with FaultProxy(f"http://127.0.0.1:{dead_port}") as orphan:
        make = client_factory(orphan.endpoint_url)
        with pytest.raises(ClientError) as caught:
            make("iam").list_users()
        assert caught.value.response["Error"]["Code"] == "502"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
        assert orphan.calls == [ProxyCall("iam", "ListUsers", False)]

"""EC2 instances of the demo estate on a moto server over HTTP: the fax gateway, with a
public address, IMDSv1 allowed and launched 400 days ago, FAILs each rule naming the instance
and the value seen; the EHR interface engine passes; a denied instance listing is an ERROR
naming the call, never a pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.conftest import Estate
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("ec2-instance-no-public-ip", "ec2-instance-age", "ec2-instance-imdsv2-required")


def test_the_fax_gateway_fails_and_the_interface_engine_passes(demo_run: Run,
                                                                estate: Estate) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.ec2.instance"}
    for rule_id in RULES:
        for name in ("nbh-ehr-interface-1", "nbh-ehr-interface-2", "nbh-claims-batch-1"):
            assert results[(rule_id, name)].status is Status.PASS, (rule_id, name)
    fax = {rule_id: results[(rule_id, "nbh-fax-gateway-2")] for rule_id in RULES}
    assert [r.status for r in fax.values()] == [Status.FAIL] * 3
    public = fax["ec2-instance-no-public-ip"]
    assert public.message.startswith("instance nbh-fax-gateway-2 (i-")
    assert ", running, in vpc-" in public.message and ") has public IP address " in public.message
    [record] = [r for r in public.records if r.pointer.endswith("/PublicIpAddress")]
    assert "DescribeInstances" in record.file and record.pointer.startswith(
        "/response/Reservations/")
    launched = (estate.seeded_at - dt.timedelta(days=400)).strftime("%Y-%m-%d")
    assert f"was launched {launched}, 400 days ago; the limit is 180 days" in \
        fax["ec2-instance-age"].message
    assert "accepts IMDSv1 requests (HttpTokens optional and metadata endpoint enabled)" in \
        fax["ec2-instance-imdsv2-required"].message


def test_a_denied_instance_listing_is_an_error_naming_it(proxy: FaultProxy,
                                                         tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.EC2, "DescribeInstances",
                                        "ec2-instance-no-public-ip")
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("ec2:DescribeInstances" in r.message and code in r.message for r in results)


ENCLAVE = "ec2-enclave-host-no-internet-ingress"


def test_the_signing_enclave_host_fails_naming_the_open_port(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.rule_id == ENCLAVE}
    # enclave hosts only: the fax gateway and the batch host run no enclave
    assert {name for _, name in results} == {"nbh-ehr-interface-1", "nbh-ehr-interface-2",
                                             "nbh-rx-signing-1", "nbh-rx-signing-2"}
    assert results[(ENCLAVE, "nbh-ehr-interface-1")].status is Status.PASS
    signing = results[(ENCLAVE, "nbh-rx-signing-1")]
    assert signing.status is Status.FAIL
    assert signing.message.startswith("enclave host nbh-rx-signing-1 (i-")
    assert ") lets any internet address reach tcp 443, tcp 8443 through its security groups " \
        "sg-" in signing.message and "; allowed: tcp 22, tcp 80, tcp 443" in signing.message
    assert any("DescribeSecurityGroups" in r.file and r.pointer.endswith("/IpPermissions")
               for r in signing.records)


def test_denied_security_groups_leave_enclave_hosts_unjudged(proxy: FaultProxy,
                                                             tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.EC2,
                                        "DescribeSecurityGroups", ENCLAVE)
    assert len(results) == 2  # the interface engine and the signing host of us-east-1
    assert all(r.status is Status.ERROR for r in results)
    assert all("ec2:DescribeSecurityGroups" in r.message and code in r.message for r in results)

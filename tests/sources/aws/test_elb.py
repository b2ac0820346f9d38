"""Load balancers of the demo estate on a moto server over HTTP: the patient portal's passes,
the scheduling API's (plain HTTP, a TLS 1.0 policy) and the IVR's Classic Load Balancer FAIL
naming the load balancer, the listener and the value seen, and denied attribute and listener
reads are ERRORs naming the call."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture


def test_planted_load_balancers(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type in ("aws.elbv2.load_balancer", "aws.elb.load_balancer")}
    for rule_id in ("elbv2-access-logs", "elbv2-deletion-protection"):
        assert results[(rule_id, "nbh-patient-portal")].status is Status.PASS
        assert results[(rule_id, "nbh-scheduling-api")].status is Status.FAIL
    ivr = results[("elb-classic-tls-listeners", "nbh-legacy-ivr")]
    assert ivr.status is Status.FAIL
    assert ivr.message.startswith("Classic Load Balancer nbh-legacy-ivr has plaintext "
                                  "listener(s) HTTP:80")
    [record] = ivr.records
    assert record.pointer.endswith("/ListenerDescriptions")
    logs = results[("elbv2-access-logs", "nbh-scheduling-api")]
    assert "access_logs.s3.enabled: false" in logs.message
    assert [r.pointer for r in logs.records] == ["/response/Attributes"]


@pytest.mark.parametrize(("api", "rule_id"), [("elbv2", "elbv2-access-logs"),
                                               ("elb", "elb-classic-access-logs")])
def test_a_denied_attribute_read_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                                       api: str, rule_id: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.ELB,
                                        "DescribeLoadBalancerAttributes", rule_id, api=api)
    assert results and all(r.status is Status.ERROR for r in results)
    assert all(f"{api}:DescribeLoadBalancerAttributes" in r.message and code in r.message
               for r in results)


def test_listeners_name_the_port_and_the_policy(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.elbv2.load_balancer"}
    for rule_id in ("elbv2-alb-https-listeners", "elbv2-listener-tls-policy"):
        assert results[(rule_id, "nbh-patient-portal")].status is Status.PASS
    http = results[("elbv2-alb-https-listeners", "nbh-scheduling-api")]
    assert http.status is Status.FAIL
    assert "load balancer nbh-scheduling-api listener HTTP:80 serves plain HTTP and does " \
           "not redirect to HTTPS (redirects to HTTPS: false)" in http.message
    # the listeners as read, beside the listing entry that says the load balancer's type
    assert {(r.pointer, "DescribeListeners" in r.file) for r in http.records} == {
        ("/response/Listeners", True), ("/response/LoadBalancers/0", False)}
    policy = results[("elbv2-listener-tls-policy", "nbh-scheduling-api")]
    assert "listener HTTPS:443 uses security policy ELBSecurityPolicy-2016-08" in policy.message


def test_a_denied_listener_read_is_an_error_naming_it(proxy: FaultProxy,
                                                      tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.ELB, "DescribeListeners",
                                        "elbv2-alb-https-listeners", api="elbv2")
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("elbv2:DescribeListeners" in r.message and code in r.message for r in results)

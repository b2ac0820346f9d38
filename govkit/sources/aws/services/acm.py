"""ACM: the region's certificates of every key type (unfiltered, ListCertificates returns only
RSA_1024 and RSA_2048 ones), each described for its expiry and the resources that use it."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item

KEY_TYPES = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1",
             "EC_secp521r1")


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "acm", "list_certificates", "CertificateSummaryList",
                             lambda acm, certificate: acm.call(
                                 "describe_certificate",
                                 CertificateArn=certificate["CertificateArn"]),
                             Includes={"keyTypes": list(KEY_TYPES)})]

"""AWS Artifact: the customer agreements that apply to the account, among them the AWS
Business Associate Addendum (the account's own, or its organisation's).

Agreements belong to the account, not a region: collected once per account, in the scan's
home region (recorded under the "global" region label)."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("artifact").record_all("list_customer_agreements")]

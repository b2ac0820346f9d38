"""CloudFront: every distribution, once per account. The listing's summaries carry each
distribution's default and ordered cache behaviours with their viewer protocol policies, so
no distribution is read on its own."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("cloudfront").record_all("list_distributions")]

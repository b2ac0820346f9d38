"""API Gateway: every REST API (with its tags) and each API's stages (their method settings,
where execution logging is set, and their access log destination). HTTP and WebSocket APIs
(apigatewayv2) are not read."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "apigateway", "get_rest_apis", "items",
                             lambda apigateway, api: apigateway.call("get_stages",
                                                                     restApiId=api["id"]))]

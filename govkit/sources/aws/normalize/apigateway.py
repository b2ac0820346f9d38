"""API Gateway REST APIs (``aws.apigateway.rest_api``) and their stages: execution logging
and access logging of each stage.

A stage's execution logging is the ``loggingLevel`` of its ``*/*`` method settings (every
method of the stage); a stage without those settings logs nothing (``OFF``). Access logging
is on when the stage names a destination."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, listing_coverage, partition, ref, unread)
from govkit.sources.aws.normalize.described import by_region_and_name
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

REST_API = "aws.apigateway.rest_api"


def stages(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for stage in answer.get("item") or []:
        every_method = (stage.get("methodSettings") or {}).get("*/*") or {}
        found.append({"StageName": stage.get("stageName"),
                      "ExecutionLogLevel": every_method.get("loggingLevel") or "OFF",
                      "AccessLogDestination": (stage.get("accessLogSettings") or {}).get(
                          "destinationArn") or None})
    return sorted(found, key=lambda s: str(s["StageName"]))


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "apigateway"):
        records = RecordSet(snapshot, "apigateway", account)
        pages = records.of("GetRestApis")
        yield from listing_coverage(pages, REST_API)
        # an API id is unique only within its region
        stage_records = by_region_and_name(records, "GetStages", "restApiId")
        for page in pages:
            region = page.entry.region
            for index, api in enumerate(page.response.get("items") or []):
                api_id = str(api.get("id"))
                builder = ResourceBuilder(
                    id=f"arn:{partition(region)}:apigateway:{region}::/restapis/{api_id}",
                    type=REST_API, account=account, region=region,
                    name=str(api.get("name") or api_id), item=ref(page, "items", index))
                builder.set_tags({str(k): str(v) for k, v in (api.get("tags") or {}).items()},
                                 ref(page, "items", index, "tags"))
                builder.set("RestApiId", api_id, ref(page, "items", index, "id"))
                builder.set("EndpointTypes",
                            list((api.get("endpointConfiguration") or {}).get("types") or []),
                            ref(page, "items", index, "endpointConfiguration"))
                apply_optional(builder, "Stages", stage_records.get((region, api_id)), stages,
                               unread(page, f"REST API {api_id} was listed but its stages "
                                            "were not read", "items", index), at=("item",))
                yield builder.build()

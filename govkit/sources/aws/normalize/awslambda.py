"""Lambda functions (``aws.lambda.function``): who the resource policy lets invoke them, the
function URL's auth type, and what the environment variables look like.

GetPolicy and GetFunctionUrlConfig answer ResourceNotFoundException for a function with no
resource policy or no URL: both read as null (nothing granted, nothing exposed). Environment
variables carry the shape the collector recorded in place of each value
(``govkit.sources.aws.secret_values``): their names and shapes are judged, never a value."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, as_list, listing_coverage, parse_policy, ref,
    unread)
from govkit.sources.aws.normalize.described import by_region_and_name
from govkit.sources.aws.normalize.policy_analysis import public_statements
from govkit.sources.aws.secret_values import secret_word, shape_of
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

FUNCTION = "aws.lambda.function"
FIELDS = ("Runtime", "PackageType", "LastModified")


def public_grants(answer: Mapping[str, Any]) -> list[str]:
    """Each statement of the policy that lets anyone in, as ``statement SID allows ACTIONS``
    (``every action but ACTIONS`` for a NotAction statement)."""
    return [f"statement {s.get('Sid') or index} allows {_actions(s)}"
            for index, s in enumerate(public_statements(parse_policy(answer.get("Policy"))))]


def _actions(statement: Mapping[str, Any]) -> str:
    if "NotAction" in statement:
        return "every action but " + ", ".join(map(str, as_list(statement["NotAction"])))
    return ", ".join(map(str, as_list(statement.get("Action"))))


def variables(function: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = (function.get("Environment") or {}).get("Variables") or {}
    return [{"Name": name, "Shape": shape_of(str(value)), "SecretWord": secret_word(name)}
            for name, value in sorted(found.items())]


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "lambda"):
        records = RecordSet(snapshot, "lambda", account)
        pages = records.of("ListFunctions")
        yield from listing_coverage(pages, FUNCTION)
        # a function's name is unique only within its region
        policies = by_region_and_name(records, "GetPolicy", "FunctionName")
        urls = by_region_and_name(records, "GetFunctionUrlConfig", "FunctionName")
        for page in pages:
            region = page.entry.region
            for index, function in enumerate(page.response.get("Functions") or []):
                name = str(function.get("FunctionName"))
                builder = ResourceBuilder(id=str(function.get("FunctionArn")), type=FUNCTION,
                                          account=account, region=region, name=name,
                                          item=ref(page, "Functions", index))
                for key in FIELDS:
                    builder.set(key, function.get(key), ref(page, "Functions", index, key))
                builder.set("EnvironmentVariables", variables(function),
                            ref(page, "Functions", index, "Environment", "Variables"))
                missing = unread(page, f"function {name} was listed but not read",
                                 "Functions", index)
                apply_optional(builder, "PublicGrants", policies.get((region, name)),
                               public_grants, missing, at=("Policy",))
                url = urls.get((region, name))
                apply_optional(builder, "FunctionUrlAuthType", url,
                               lambda r: r.get("AuthType"), missing, at=("AuthType",))
                apply_optional(builder, "FunctionUrl", url, lambda r: r.get("FunctionUrl"),
                               missing, at=("FunctionUrl",))
                yield builder.build()

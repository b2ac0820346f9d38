"""Lambda: every function (its configuration, with each environment variable's value replaced
by the shape it has before the answer is recorded, see ``govkit.sources.aws.secret_values``),
then each function's resource policy and function URL.

GetFunctionUrlConfig without a qualifier reads the URL of the function itself; URLs of its
aliases are not read. Tags are not read: every function is judged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govkit.sources.aws.secret_values import redact_variables
from govkit.sources.aws.calls import Caller
from govkit.sources.aws.tasks import ServiceScope, Task, per_item

PER_FUNCTION = ("get_policy", "get_function_url_config")


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "lambda", "list_functions", "Functions", _read,
                             redact=redact_environment)]


def redact_environment(answer: dict[str, Any]) -> None:
    """A ListFunctions answer without its variable values."""
    for function in answer.get("Functions") or []:
        environment = function.get("Environment")
        if isinstance(environment, dict) and environment.get("Variables") is not None:
            environment["Variables"] = redact_variables(environment["Variables"])


def _read(caller: Caller, function: Mapping[str, Any]) -> None:
    for method in PER_FUNCTION:
        caller.call(method, FunctionName=function["FunctionName"])

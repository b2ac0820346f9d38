"""KMS: keys, their manager and state, rotation of customer keys, and aliases.

Tags are not read: no rule scopes keys by tag."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _aliases(scope), lambda: _keys(scope)]


def _aliases(scope: ServiceScope) -> None:
    scope.caller("kms").record_all("list_aliases")


def _keys(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("kms").pages("list_keys"):
        if not page.ok:
            break
        tasks.extend(_key_task(scope, key["KeyId"]) for key in page.response.get("Keys") or [])
    return tasks


def _key_task(scope: ServiceScope, key_id: str) -> Task:
    def run() -> None:
        kms = scope.caller("kms")
        described = kms.call("describe_key", KeyId=key_id)
        if not described.ok:
            return
        meta = described.response.get("KeyMetadata", {})
        if meta.get("KeyManager") != "CUSTOMER":
            return  # AWS managed keys rotate yearly by design
        if meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and \
                meta.get("Origin", "AWS_KMS") == "AWS_KMS":
            kms.call("get_key_rotation_status", KeyId=key_id)
    return run

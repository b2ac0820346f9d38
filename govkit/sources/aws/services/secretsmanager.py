"""Secrets Manager: every secret with its rotation settings, key and tags (ListSecrets
carries them all; the secret values are never read)."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("secretsmanager").record_all("list_secrets")]

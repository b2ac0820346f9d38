"""WorkSpaces Secure Browser: portals and the user settings that govern copy, paste,
download, upload and print."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task

SERVICE = "workspaces-web"


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _portals(scope), lambda: _user_settings(scope)]


def _portals(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SERVICE).pages("list_portals"):
        if not page.ok:
            break
        tasks.extend(_get_task(scope, "get_portal", portalArn=p["portalArn"])
                     for p in page.response.get("portals") or [])
    return tasks


def _user_settings(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SERVICE).pages("list_user_settings"):
        if not page.ok:
            break
        tasks.extend(_get_task(scope, "get_user_settings", userSettingsArn=s["userSettingsArn"])
                     for s in page.response.get("userSettings") or [])
    return tasks


def _get_task(scope: ServiceScope, method: str, **params: str) -> Task:
    def run() -> None:
        scope.caller(SERVICE).call(method, **params)
    return run

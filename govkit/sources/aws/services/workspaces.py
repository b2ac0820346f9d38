"""WorkSpaces: directories (access, creation and self-service settings), client properties,
and each WorkSpace with its volume encryption."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task

CLIENT_PROPERTIES_BATCH = 25  # the API's limit on ResourceIds


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _directories(scope), lambda: _workspaces(scope)]


def _directories(scope: ServiceScope) -> Iterable[Task]:
    ids: list[str] = []
    for page in scope.caller("workspaces").pages("describe_workspace_directories"):
        if not page.ok:
            return []
        ids.extend(d["DirectoryId"] for d in page.response.get("Directories") or [])
    batches = [ids[i:i + CLIENT_PROPERTIES_BATCH]
               for i in range(0, len(ids), CLIENT_PROPERTIES_BATCH)]
    return [_client_properties_task(scope, batch) for batch in batches]


def _client_properties_task(scope: ServiceScope, ids: list[str]) -> Task:
    def run() -> None:
        scope.caller("workspaces").call("describe_client_properties", ResourceIds=ids)
    return run


def _workspaces(scope: ServiceScope) -> None:
    # tags are not read (one call per WorkSpace): no rule scopes WorkSpaces by tag
    scope.caller("workspaces").record_all("describe_workspaces")

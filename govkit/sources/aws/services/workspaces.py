"""WorkSpaces: directories (access, creation and self-service settings), client properties,
each WorkSpace with its volume encryption, WorkSpaces Pools, and IP access control groups.

A pool's user settings (clipboard, printing) and storage connectors are its directory's
``StreamingProperties``, which ``DescribeWorkspaceDirectories`` returns. The directory listing
normally holds every pool's directory; one it left out (registered after the listing ran, or
an endpoint that lists only WorkSpaces Personal directories) is described by id, with its
client properties, so every pool's settings are read once and only once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from botocore.exceptions import PaginationError

from govkit.sources.aws.calls import Caller
from govkit.sources.aws.tasks import ServiceScope, Task

CLIENT_PROPERTIES_BATCH = 25  # the API's limit on ResourceIds
DIRECTORY_IDS_BATCH = 25  # the API's limit on DirectoryIds
MAX_POOL_PAGES = 1000  # DescribeWorkspacesPools has no paginator; a bound on a looping token


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _directories(scope), lambda: _workspaces(scope),
            lambda: _ip_groups(scope)]


def _directories(scope: ServiceScope) -> Iterable[Task]:
    directories, failed = scope.caller("workspaces").all_pages_ok(
        "describe_workspace_directories", "Directories")
    if failed is not None:
        # the pools are still listed; their settings fail with this listing
        return [lambda: _pools(scope, None)]
    ids = [d["DirectoryId"] for d in directories]
    batches = [ids[i:i + CLIENT_PROPERTIES_BATCH]
               for i in range(0, len(ids), CLIENT_PROPERTIES_BATCH)]
    listed = frozenset(ids)
    return [*(_client_properties_task(scope, batch) for batch in batches),
            lambda: _pools(scope, listed)]


def _client_properties_task(scope: ServiceScope, ids: list[str]) -> Task:
    def run() -> None:
        scope.caller("workspaces").call("describe_client_properties", ResourceIds=ids)
    return run


def _workspaces(scope: ServiceScope) -> None:
    # tags are not read (one call per WorkSpace): no rule scopes WorkSpaces by tag
    scope.caller("workspaces").record_all("describe_workspaces")


def _pools(scope: ServiceScope, listed: frozenset[str] | None) -> Iterable[Task]:
    """Every page of the pools (the botocore model has no paginator for them: NextToken is
    followed here), then the pools' directories the listing (``listed``; None: it failed)
    left out."""
    caller = scope.caller("workspaces")
    directories: set[str] = set()
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_POOL_PAGES):
        page = caller.call("describe_workspaces_pools", **({"NextToken": token} if token else {}))
        if not page.ok:
            break
        directories.update(str(p["DirectoryId"]) for p in
                           page.response.get("WorkspacesPools") or [] if p.get("DirectoryId"))
        token = page.response.get("NextToken")
        if not token:
            break
        if token in seen:
            _unfinished(caller, token, "the same NextToken was answered twice")
            break
        seen.add(token)
    else:
        _unfinished(caller, token, f"more than {MAX_POOL_PAGES} pages")
    if listed is None:
        return []
    missing = sorted(directories - listed)
    return [_pool_directories_task(scope, missing[i:i + DIRECTORY_IDS_BATCH])
            for i in range(0, len(missing), DIRECTORY_IDS_BATCH)]


def _unfinished(caller: Caller, token: str | None, why: str) -> None:
    """A pools listing stopped before its last page fails (as botocore's paginators do), so
    its coverage is not taken as complete."""
    caller.record_failure("describe_workspaces_pools",
                          PaginationError(message=f"listing stopped: {why}"), NextToken=token)


def _pool_directories_task(scope: ServiceScope, ids: Sequence[str]) -> Task:
    def run() -> None:
        caller = scope.caller("workspaces")
        directories, failed = caller.all_pages_ok("describe_workspace_directories",
                                                  "Directories", DirectoryIds=list(ids))
        found = [d["DirectoryId"] for d in directories]
        if failed is None and found:
            caller.call("describe_client_properties", ResourceIds=found)
    return run


def _ip_groups(scope: ServiceScope) -> None:
    # tags are not read: no rule scopes IP access control groups by tag
    scope.caller("workspaces").record_all("describe_ip_groups")

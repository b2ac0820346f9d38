"""A bounded pool that runs collection tasks, each of which may yield follow-up tasks.

Listing a service yields one task per resource that needs its own calls (a bucket's policy, a
key's rotation status), so per-resource calls run in parallel across the whole scan while the
pool bounds concurrency. No task ever waits on another, so the pool cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from govkit.sources.aws.calls import Caller, Redactor
from govkit.sources.aws.session import AccountSession
from govkit.snapshot import SnapshotWriter

Task = Callable[[], "Iterable[Task] | None"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ServiceScope:
    """Where one collector runs: an account, a region, and the snapshot it writes to."""

    target: AccountSession
    region: str
    writer: SnapshotWriter
    label: str | None = None  # region label in records; "global" for global services
    scan_regions: tuple[str, ...] = ()  # every region the scan covers (global services use it)

    @property
    def account(self) -> str:
        return self.target.account

    def caller(self, service: str, region: str | None = None,
               label: str | None = None) -> Caller:
        client_region = region or self.region
        client: Any = self.target.client(service, client_region)
        return Caller(client, self.writer, account=self.account,
                      region=label or (self.label if region is None else None) or client_region,
                      service=service)


def per_item(scope: ServiceScope, service: str, method: str, items: str,
             call: Callable[[Caller, Any], object], *, redact: Redactor | None = None,
             **params: Any) -> list[Task]:
    """List with every page of ``method`` (each recorded; a failed page ends the listing and
    is the failure the normaliser reports; ``redact`` rewrites each page before it is
    recorded), then one task per item under ``items`` that makes that item's own ``call``
    with a caller of ``service``."""
    tasks: list[Task] = []
    lister = scope.caller(service)
    for page in (lister if redact is None else lister.redacting(redact)).pages(method,
                                                                              **params):
        if not page.ok:
            break
        tasks.extend(_item_task(scope, service, call, item)
                     for item in page.response.get(items) or [])
    return tasks


def _item_task(scope: ServiceScope, service: str, call: Callable[[Caller, Any], object],
               item: Any) -> Task:
    def run() -> None:
        call(scope.caller(service), item)
    return run


def run_tasks(initial: Iterable[Task], *, workers: int, progress: Progress | None = None) -> int:
    """Run every task and its follow-ups; return how many ran. Task bugs propagate."""
    done = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govkit-collect") as pool:
        pending: set[Future[Iterable[Task] | None]] = {pool.submit(t) for t in initial}
        total = len(pending)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done += 1
                for child in future.result() or ():
                    pending.add(pool.submit(child))
                    total += 1
            if progress is not None:
                progress(done, total)
    return done

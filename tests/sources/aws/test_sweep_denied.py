"""Every operation of the demo scan denied in turn (each service's own access-denied code).

See tests/aws/sweep.py for what must hold; denied and throttled sweeps are separate files so
that test workers can run them side by side.
"""

from __future__ import annotations

from pathlib import Path

from govkit.run import Run
from tests.sources.aws.sweep import baseline, proxy, sweep
from tests.support.faultproxy import FaultProxy, access_denied_code

__all__ = ["baseline", "proxy"]  # fixtures


def test_every_operation_denied_fails_closed(baseline: Run, proxy: FaultProxy,
                                             tmp_path: Path) -> None:
    report = sweep(baseline, proxy, access_denied_code, tmp_path)
    assert not report, "\n".join(report)

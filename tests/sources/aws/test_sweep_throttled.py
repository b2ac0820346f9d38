"""Every operation of the demo scan throttled in turn until its retries run out.

See tests/aws/sweep.py for what must hold; denied and throttled sweeps are separate files so
that test workers can run them side by side.
"""

from __future__ import annotations

from pathlib import Path

from govkit.run import Run
from tests.sources.aws.sweep import baseline, proxy, sweep
from tests.support.faultproxy import FaultProxy, throttling_code

__all__ = ["baseline", "proxy"]  # fixtures


def test_every_operation_throttled_fails_closed(baseline: Run, proxy: FaultProxy,
                                                tmp_path: Path) -> None:
    report = sweep(baseline, proxy, throttling_code, tmp_path)
    assert not report, "\n".join(report)

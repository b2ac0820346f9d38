"""``govkit demo``: a local AWS emulator, a seeded hospital estate, a scan, a report.

The run is signed with a local key kept in ``<out>/keys`` and then verified. The emulator
(moto) runs inside this process on 127.0.0.1 with a random free port; the scan reaches it over
HTTP through boto3's standard ``AWS_ENDPOINT_URL`` setting, exactly as a scan reaches AWS.
Nothing leaves the machine and no credentials are needed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from govkit.sources.aws.scan import ScanRequest
from govkit.bundle import keys
from govkit.bundle.signers import KeySigner
from govkit.policy.evaluate import Settings
from govkit.run import Run, RunOptions, scan

DEMO_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
CLEARED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
               "AWS_SHARED_CREDENTIALS_FILE")


@contextlib.contextmanager
def environment(values: dict[str, str], cleared: tuple[str, ...] = ()) -> Iterator[None]:
    """Set ``values`` and remove ``cleared`` in the environment for the duration, then put
    back what was there."""
    saved = {k: os.environ.get(k) for k in (*values, *cleared)}
    try:
        for key in cleared:
            os.environ.pop(key, None)
        os.environ.update(values)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def aws_environment(endpoint_url: str) -> contextlib.AbstractContextManager[None]:
    """Point boto3 at the emulator for the duration, then restore the environment."""
    return environment({**DEMO_ENV, "AWS_CONFIG_FILE": os.devnull,
                        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                        "AWS_ENDPOINT_URL": endpoint_url}, CLEARED_ENV)


def demo_exceptions() -> Path:
    return Path(str(resources.files("govkit.demo").joinpath("exceptions.yaml")))


def demo_key(out: Path) -> Path:
    """The demo's signing key, made on first use under ``<out>/keys``."""
    private = out / "keys" / "govkit.key"
    if not private.exists():
        keys.generate(out / "keys")
    return private


def run_demo(out: Path, *, scale: int = 1,
             progress: Callable[[int, int], None] | None = None) -> Run:
    from govkit.demo.estate import DEMO_REGIONS, seed_estate
    from govkit.demo.fixups import apply_backend_fixups
    from govkit.demo.names import home_region
    from govkit.demo.server import MotoServer

    from govkit.demo.identity import identity_side

    now = dt.datetime.now(dt.timezone.utc)
    with MotoServer() as server, aws_environment(server.endpoint_url), \
            identity_side(out, now) as identity:
        seed_estate(server.endpoint_url, scale=scale, now=now)
        apply_backend_fixups(now=now, scale=scale)
        request = ScanRequest(regions=DEMO_REGIONS, home_region=DEMO_REGIONS[0],
                              identity_center_region=home_region(DEMO_REGIONS))
        signer = KeySigner(keys.load_private(demo_key(out)))
        settings = Settings(service_accounts=identity.config.service_accounts)
        options = RunOptions(out=out, exceptions=demo_exceptions(), settings=settings,
                             signer=signer, period=identity.people.period.name,
                             sources=identity.config.sources)
        return scan(request, options, progress)

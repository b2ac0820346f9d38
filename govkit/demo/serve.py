"""Run a seeded demo moto server until told to stop, for scans from another process.

    python -m govkit.demo.serve --scale 10 --port-file /tmp/moto.url

Starts the server on 127.0.0.1, seeds the estate as of now (UTC), applies the backend fixups,
prints the endpoint URL as the only line on stdout (and writes it to `--port-file`, atomically,
once the estate is ready), then serves until SIGTERM or SIGINT and stops cleanly. A signal that
arrives while seeding is honoured when seeding ends, without announcing the endpoint. A summary and
the seeding time go to stderr. Exit codes are govkit's (2 for a usage error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from govkit.demo.estate import seed_estate
from govkit.demo.fixups import apply_backend_fixups
from govkit.demo.server import MotoServer
from govkit.errors import GovkitError


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m govkit.demo.serve",
        description="Serve a moto server seeded with the govkit demo estate.",
    )
    parser.add_argument("--scale", type=int, default=1,
                        help="multiply the estate's resources (1 is about a hundred)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    parser.add_argument("--port-file", type=Path, default=None,
                        help="also write the endpoint URL to this file when ready")
    return parser.parse_args(argv)


def _write_atomically(path: Path, text: str) -> None:
    """Readers polling for the file never see it half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def serve(scale: int, *, port: int = 0, port_file: Path | None = None) -> None:
    """Seed, announce the endpoint, and block until SIGTERM or SIGINT."""
    stop = _stop_on_signals()
    with MotoServer(port=port) as server:
        started = time.monotonic()
        now = dt.datetime.now(dt.UTC)
        summary = seed_estate(server.endpoint_url, scale=scale, now=now)
        apply_backend_fixups(now=now, scale=scale)
        elapsed = time.monotonic() - started
        if stop.is_set():  # told to stop while seeding: never announce a server about to go
            return
        print(f"seeded {summary.total} resources at scale {scale} in {elapsed:.1f}s",
              file=sys.stderr, flush=True)
        if port_file is not None:
            _write_atomically(port_file, server.endpoint_url + "\n")
        print(server.endpoint_url, flush=True)
        stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parse(argv)
    try:
        serve(arguments.scale, port=arguments.port, port_file=arguments.port_file)
    except GovkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

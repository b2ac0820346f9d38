"""A bare moto server in its own process.

moto keeps state in process-wide backends, so a test that creates its own resources must not
share a process with the seeded demo estate; this server lives in a child process instead.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_SERVE = """
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.WARNING)
from moto.server import ThreadedMotoServer
from govkit.demo.fixups import patch_credential_report_time
patch_credential_report_time()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"http://{host}:{port}", flush=True)
sys.stdin.read()  # serve until the parent closes our stdin
server.stop()
"""


@contextmanager
def moto_process() -> Iterator[str]:
    """Start a moto server on 127.0.0.1 in a child process; yield its endpoint URL."""
    process = subprocess.Popen([sys.executable, "-c", _SERVE], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        if not endpoint.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"moto did not start: {endpoint!r}")
        yield endpoint
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
